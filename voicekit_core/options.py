"""Declared options and the operation wrapper every provider method is written with.

A provider declares what a call takes once, as a class::

    class SynthOptions(kit.Options):
        format: str | None = opt.choice(("mp3", "wav"), default="mp3", help="audio format")
        speed: float | None = opt.number(0.5, 2.0, help="speaking rate")

and writes the call with :func:`operation`, which validates everything before the body runs::

    @kit.operation(SynthOptions, spends=True, text=TextRules(max_bytes=5000))
    def synthesize(self, text: str, *, voice: str, opts: SynthOptions, call: kit.Call) -> Audio:
        ...
        call.spent(len(text))

Unknown or wrong-typed options, NaN, infinities, huge integers, bools where numbers are
expected and lone surrogates are all refused as :class:`InvalidInput` naming the option and
the limit. The accepted names come from the declaration, so they cannot drift from the code.
"""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from . import validate
from .callbacks import notify
from .errors import InvalidInput, VoicekitError
from .models import Cost
from .operations import Call, OperationInfo, accepts

if TYPE_CHECKING:
    from typing_extensions import Self

    from .inputs import AudioRules, TextRules
    from .provider import Provider

__all__ = [
    "Call",
    "NoOptions",
    "OperationInfo",
    "OptionSpec",
    "Options",
    "accepts",
    "operation",
    "opt",
]

_META = "voicekit_option"
R = TypeVar("R")


# -- declarations ----------------------------------------------------------------------


@attrs.frozen
class OptionSpec:
    """What one declared option accepts (for the CLI, docs and error messages)."""

    name: str
    kind: str  # "choice", "integer", "number", "text", "flag", "url", "callback", "value"
    default: Any
    help: str
    limit: str  # the rule in words: "one of mp3, wav", "0.5..2", "at most 100 characters"
    choices: tuple[str, ...] | None = None


@attrs.frozen
class _Rule:
    kind: str
    check: Callable[[Any, str], Any]
    help: str
    limit: str
    choices: tuple[str, ...] | None = None
    alias: str | None = None  # a second name the option is accepted under
    keeps_none: bool = False  # an explicit None is a value (given to ``check``)


def _declare(rule: _Rule, default: Any) -> Any:
    """An attrs field carrying ``rule``; typed Any so ``x: int | None = opt.integer()``
    type-checks."""
    if default is not None:
        rule.check(default, "default")  # a declaration error shows at import time
    return attrs.field(default=default, metadata={_META: rule})


def _words(value: Any, field: str, limit: str) -> list[Any]:
    """The values of a ``many=True`` option: one value, or a list/tuple/set of them."""
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
        if not items:
            raise InvalidInput(f"{field} is an empty list; give at least one value",
                               field=field, limit=limit)
        return items
    return [value]


def _span(low: float | None, high: float | None) -> str:
    if low is None and high is None:
        return "any"
    if low is not None and high is not None:
        return f"{low:g}..{high:g}"
    return f">= {low:g}" if low is not None else f"<= {high:g}"


class opt:
    """Field declarations for :class:`Options` subclasses. ``default=None`` means "not
    given": the vendor's own default applies."""

    @staticmethod
    def choice(values: Sequence[str], *, default: Any = None, case: str = "lower",
               many: bool = False, words: Callable[[str], str] | None = None,
               alias: str | None = None, help: str = "") -> Any:
        """One of ``values`` (input folded by ``case``: ``"lower"``, ``"upper"``, ``"exact"``;
        an :class:`enum.Enum` member counts as its value).

        ``many``: one value or a list of them, parsed to a tuple in the order of ``values``
        (repeats dropped). ``words``: turns other accepted words into one of ``values``
        (say, a language code into its name) before the check. ``alias``: a second name the
        option is accepted under (``sort_by`` for ``sortBy``; giving both is refused).
        """
        allowed = tuple(values)
        if case not in ("lower", "upper", "exact"):
            raise ValueError(f"case must be lower, upper or exact, not {case!r}")
        limit = f"one of {', '.join(allowed)}" + (" (or a list of them)" if many else "")

        def one(value: Any, field: str) -> str:
            if isinstance(value, enum.Enum):
                value = value.value
            if words is not None and isinstance(value, str):
                value = words(value) or value
            return validate.choice(value, allowed, field=field, case=case)

        def check(value: Any, field: str) -> Any:
            if not many:
                return one(value, field)
            wanted = {one(item, field) for item in _words(value, field, limit)}
            return tuple(word for word in allowed if word in wanted)

        return _declare(_Rule("choice", check, help, limit, allowed, alias), default)

    @staticmethod
    def integer(low: int | None = None, high: int | None = None, *, default: int | None = None,
                help: str = "") -> Any:
        """An int within [low, high] (bools, floats and strings refused)."""

        def check(value: Any, field: str) -> int:
            return validate.integer(value, field=field, low=low, high=high)

        return _declare(_Rule("integer", check, help, f"an integer, {_span(low, high)}"),
                        default)

    @staticmethod
    def number(low: float | None = None, high: float | None = None, *,
               default: float | None = None, help: str = "") -> Any:
        """A finite number within [low, high], given as float (ints accepted)."""

        def check(value: Any, field: str) -> float:
            return validate.number(value, field=field, low=low, high=high)

        return _declare(_Rule("number", check, help, f"a number, {_span(low, high)}"), default)

    @staticmethod
    def text(*, max_chars: int | None = None, max_bytes: int | None = None,
             default: str | None = None, allow_empty: bool = False, help: str = "") -> Any:
        """Text within the limits (no lone surrogates, no NUL)."""
        limits = [f"at most {max_chars} characters"] if max_chars is not None else []
        limits += [f"at most {max_bytes} UTF-8 bytes"] if max_bytes is not None else []

        def check(value: Any, field: str) -> str:
            return validate.text(value, field=field, max_chars=max_chars, max_bytes=max_bytes,
                                 allow_empty=allow_empty)

        return _declare(_Rule("text", check, help, ", ".join(["text", *limits])), default)

    @staticmethod
    def flag(*, default: bool | None = None, help: str = "") -> Any:
        """A real bool."""

        def check(value: Any, field: str) -> bool:
            return validate.flag(value, field=field)

        return _declare(_Rule("flag", check, help, "True or False"), default)

    @staticmethod
    def url(*, default: str | None = None, ext: Sequence[str] | None = None,
            help: str = "") -> Any:
        """An http(s) URL (with ``ext``: to a file with one of those extensions)."""
        exts = tuple(ext) if ext else None

        def check(value: Any, field: str) -> str:
            return validate.url(value, field=field, ext=exts)

        limit = "an http(s) URL" + (f" to a {', '.join(exts)} file" if exts else "")
        return _declare(_Rule("url", check, help, limit), default)

    @staticmethod
    def callback(*, help: str = "") -> Any:
        """A callable (``on_update=``...); anything else is refused."""

        def check(value: Any, field: str) -> Any:
            return validate.callback(value, field=field)

        return _declare(_Rule("callback", check, help, "a callable"), None)

    @staticmethod
    def value(*, default: Any = None, convert: Callable[[Any, str], Any],
              help: str = "", limit: str = "see the documentation",
              keeps_none: bool = False) -> Any:
        """Anything ``convert(value, field)`` accepts; it returns the value to use or raises
        InvalidInput (TypeError, ValueError and OverflowError become InvalidInput too).

        ``keeps_none``: an explicit None is a value too, handed to ``convert`` (a setting
        whose None means "off" while leaving it out means its default)."""

        def check(value: Any, field: str) -> Any:
            try:
                return convert(value, field)
            except VoicekitError:
                raise
            except (TypeError, ValueError, OverflowError) as exc:
                raise InvalidInput(f"{field}: {exc}", field=field, limit=limit) from None

        return _declare(_Rule("value", check, help, limit, keeps_none=keeps_none), default)


class Options:
    """Base of a call's declared options; subclasses become frozen attrs classes.

    Every field must be declared with an :class:`opt` function.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        attrs.define(cls, frozen=True, slots=False, kw_only=True)
        missing = [f.name for f in _fields(cls) if _META not in f.metadata]
        if missing:
            raise TypeError(f"{cls.__name__}: declare option(s) {', '.join(missing)} with "
                            "opt.choice/integer/number/text/flag/url/callback/value")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The option names, in declaration order."""
        return tuple(f.name for f in _fields(cls))

    @classmethod
    def specs(cls) -> tuple[OptionSpec, ...]:
        """What each option accepts (name, kind, default, help, limit), for the CLI and docs."""
        specs = []
        for f in _fields(cls):
            rule: _Rule = f.metadata[_META]
            specs.append(OptionSpec(name=f.name, kind=rule.kind, default=f.default,
                                    help=rule.help, limit=rule.limit, choices=rule.choices))
        return tuple(specs)

    @classmethod
    def parse(cls, values: Mapping[str, Any], *, call: str, provider: str,
              also: Sequence[str] = ()) -> Self:
        """Validate ``values`` into an instance; None means "not given" (the default).

        Unknown names and invalid values raise InvalidInput naming the option and the limit.
        ``also`` names what ``call`` takes besides options (listed in the message).
        """
        if not values:  # the common call: no options given
            return cls._defaults()
        fields = _by_name(cls)
        aliases = _aliases(cls)
        called: dict[str, str] = {}  # option name -> the alias the caller used
        if aliases and any(k in aliases for k in values):
            values, called = _unaliased(values, aliases)
        unknown = sorted(_short(k) for k in values if k not in fields)
        if unknown:
            accepted = ", ".join([*also, *fields]) or "no options"
            raise InvalidInput(
                f"{provider} {call}() got unknown option(s) {', '.join(unknown)}; "
                f"it takes {accepted}",
                field=unknown[0], limit=accepted, provider=provider,
            )
        given: dict[str, Any] = {}
        for name, value in values.items():
            rule: _Rule = fields[name].metadata[_META]
            if value is None and not rule.keeps_none:
                continue
            try:
                given[name] = rule.check(value, called.get(name, name))
            except InvalidInput as exc:
                exc.provider = exc.provider or provider
                raise
        return cls(**given)

    @classmethod
    def _defaults(cls) -> Self:
        """The instance with every option at its default (made once: it is frozen)."""
        found: Self | None = cls.__dict__.get("_voicekit_defaults")
        if found is None:
            found = cls()
            type.__setattr__(cls, "_voicekit_defaults", found)
        return found

    def given(self) -> dict[str, Any]:
        """The options that have a value (not None), by name: ready for a payload."""
        return {f.name: getattr(self, f.name) for f in _fields(type(self))
                if getattr(self, f.name) is not None}


def _short(name: object) -> str:
    text = str(name)
    return text if len(text) <= 40 else text[:37] + "..."


def _aliases(cls: type[Options]) -> dict[str, str]:
    """``{alias: option name}`` of ``cls``."""
    found: dict[str, str] | None = cls.__dict__.get("_voicekit_aliases")
    if found is None:
        found = {f.metadata[_META].alias: f.name for f in _fields(cls)
                 if f.metadata[_META].alias is not None}
        type.__setattr__(cls, "_voicekit_aliases", found)
    return found


def _unaliased(values: Mapping[str, Any], aliases: Mapping[str, str]
               ) -> tuple[dict[str, Any], dict[str, str]]:
    """``values`` under the options' own names, and the alias used for each renamed one;
    an option given under both names (with values) is InvalidInput."""
    out: dict[str, Any] = {}
    called: dict[str, str] = {}
    for key, value in values.items():
        name = aliases.get(key, key)
        if value is not None and out.get(name) is not None:
            other = next(k for k in values if k != key and aliases.get(k, k) == name)
            raise InvalidInput(f"{name} given twice (as {other} and {key})", field=key,
                               limit="once")
        if value is not None or name not in out:
            out[name] = value
            if key != name:
                called[name] = key
    return out, called


def _by_name(cls: type[Options]) -> dict[str, attrs.Attribute[Any]]:
    found: dict[str, attrs.Attribute[Any]] | None = cls.__dict__.get("_voicekit_fields")
    if found is None:
        found = {f.name: f for f in _fields(cls)}
        type.__setattr__(cls, "_voicekit_fields", found)
    return found


def _fields(cls: type[Options]) -> tuple[attrs.Attribute[Any], ...]:
    if not attrs.has(cls):
        return ()
    found: tuple[attrs.Attribute[Any], ...] = attrs.fields(cls)
    return tuple(found)


class NoOptions(Options):
    """A call that takes no options (every extra keyword is refused)."""


# -- calls (Call, OperationInfo and accepts live in operations.py) ------------------------


_RESERVED = ("max_credits", "on_upload_progress", "to")


def _returns_audio(signature: inspect.Signature) -> bool:
    """Whether a method returns Audio or an AudioStream (it then takes ``to=PATH``)."""
    annotation = signature.return_annotation
    name = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return str(name).rsplit(".", 1)[-1] in ("Audio", "AudioStream")


def _save_result(result: Any, target: Any) -> Any:
    """``to=PATH``: write the call's audio there atomically. A stream is written chunk by
    chunk as it arrives (flat memory) and returned consumed; Audio is returned as well; an
    answer :func:`~voicekit_core.transfers.read_audio` already wrote there comes back as
    the :class:`~voicekit_core.models.SavedAudio` it made."""
    from .models import SavedAudio

    if isinstance(result, SavedAudio) and result.path == target:
        return result
    save = getattr(result, "save", None)
    if save is None:
        return result
    if hasattr(result, "__enter__"):
        with result:
            save(target)
    else:
        save(target)
    return result


def operation(options: type[Options] | None = None, *, spends: bool = False,
              **inputs: TextRules | AudioRules
              ) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Declare a provider method: its options, whether it spends credits, its checked inputs.

    The method takes keyword-only ``opts`` and ``call``. Before it runs (eagerly, also when
    it is a generator), the wrapper checks each input named in ``inputs``, turns ``voice=``
    into an id with ``self.voice_id``, parses the leftover keywords with ``options``, and for
    spending calls validates ``max_credits=`` and checks ``self.estimate(...)`` against it.
    """
    from .inputs import AudioRules

    opts_cls: type[Options] = options if options is not None else NoOptions
    uploads = any(isinstance(r, AudioRules) for r in inputs.values())

    def decorate(method: Callable[..., R]) -> Callable[..., R]:
        name = method.__name__
        inner = inspect.signature(method)
        params = list(inner.parameters.values())
        for needed in ("opts", "call"):
            p = inner.parameters.get(needed)
            if p is None or p.kind is not inspect.Parameter.KEYWORD_ONLY:
                raise TypeError(f"{name}() must take keyword-only '{needed}' to be an operation")
        for p in params:
            if p.kind is inspect.Parameter.VAR_KEYWORD:
                raise TypeError(f"{name}(): declare options in an Options class, not **{p.name}")
            if p.name in _RESERVED:
                raise TypeError(f"{name}(): {p.name} is added by operation(); do not declare it")
        if "operation" in inner.parameters:
            raise TypeError(f"{name}(): a parameter named 'operation' would clash with "
                            "Provider.estimate(operation, ...)")
        for input_name in inputs:
            if input_name not in inner.parameters:
                raise TypeError(f"{name}() has no parameter {input_name!r} to check")
        own = [p for p in params if p.name not in ("opts", "call")]
        clash = set(opts_cls.names()) & {p.name for p in own}
        if clash:
            raise TypeError(f"{name}(): {', '.join(sorted(clash))} is both a parameter "
                            "and an option")
        body_sig = inner.replace(parameters=own)
        keywords = tuple(p.name for p in own[1:])
        extra = [inspect.Parameter("max_credits", inspect.Parameter.KEYWORD_ONLY, default=None,
                                   annotation="float | None")] if spends else []
        if uploads:
            extra.append(inspect.Parameter(
                "on_upload_progress", inspect.Parameter.KEYWORD_ONLY, default=None,
                annotation="Callable[[int, int | None], None] | None"))
        saves = _returns_audio(inner)
        if saves:
            extra.append(inspect.Parameter("to", inspect.Parameter.KEYWORD_ONLY, default=None,
                                           annotation="str | os.PathLike[str] | None"))
        public = inner.replace(parameters=[
            *own, *extra, inspect.Parameter("options", inspect.Parameter.VAR_KEYWORD,
                                            annotation="Any")])
        accepted = (*keywords, *(p.name for p in extra))
        voice_param = inner.parameters.get("voice")
        bind = _Binder(own)
        own_names = frozenset(p.name for p in own)
        input_rules = tuple(inputs.items())
        may_be_none = frozenset(f for f in inputs if inner.parameters[f].default is None)
        if not bind.usable:
            raise TypeError(f"{name}(): an operation's parameters are positional-or-keyword "
                            "or keyword-only (no positional-only, no *args)")

        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> R:
            self: Provider = args[0]  # a ``self=`` keyword must not collide with it
            args = args[1:]
            max_credits = kwargs.pop("max_credits", None)
            progress = kwargs.pop("on_upload_progress", None)
            to = kwargs.pop("to", None)
            leftover = {k: kwargs.pop(k) for k in list(kwargs) if k not in own_names} \
                if kwargs else {}
            arguments = bind(args, kwargs)
            if arguments is None:  # a call that does not fit: inspect says how
                try:
                    bound = body_sig.bind(self, *args, **kwargs)
                except TypeError as exc:
                    raise InvalidInput(f"{self.name} {name}(): {exc}", field=None,
                                       limit="the documented arguments", provider=self.name
                                       ) from None
                bound.apply_defaults()
                arguments = dict(bound.arguments)
                del arguments[own[0].name]
            for field, rules in input_rules:
                value = arguments[field]
                if value is None and field in may_be_none:
                    continue
                arguments[field] = _checked(rules, value, field, self.name)
            if voice_param is not None and not (arguments["voice"] is None
                                                and voice_param.default is None):
                arguments["voice"] = self.voice_id(arguments["voice"])
            if max_credits is not None and not spends:
                leftover["max_credits"] = max_credits
            if progress is not None and not uploads:
                leftover["on_upload_progress"] = progress
            target = None
            if to is not None:
                if saves:  # checked before anything is spent or sent
                    from .audio import check_target

                    target = _provider_error(check_target, to, "to", self.name)
                else:
                    leftover["to"] = to
            opts = opts_cls.parse(leftover, call=name, provider=self.name, also=accepted)
            budget: float | None = None
            cost: Cost | None = None
            if spends:
                budget = _provider_error(validate.max_credits, max_credits,
                                         "max_credits", self.name)
                cost = self.estimate(name, **arguments, opts=opts)
                self.check_budget(cost, budget)
            if progress is not None:  # what it raises is CallbackFailed naming it
                progress = functools.partial(
                    notify, _provider_error(validate.callback, progress,
                                            "on_upload_progress", self.name),
                    "on_upload_progress", provider=self.name)
            call = Call(name, budget, progress, cost, provider=self)
            if target is None:
                return method(self, **arguments, opts=opts, call=call)
            from .transfers import saving_audio_to

            with saving_audio_to(target):  # an audio answer goes straight to the file
                result = method(self, **arguments, opts=opts, call=call)
            saved: R = _save_result(result, target)
            return saved

        wrapper.__signature__ = public  # type: ignore[attr-defined]
        wrapper.__voicekit_options__ = opts_cls  # type: ignore[attr-defined]
        wrapper.__voicekit_operation__ = OperationInfo(  # type: ignore[attr-defined]
            name=name, options=opts_cls, spends=spends, inputs=dict(inputs), uploads=uploads,
            keywords=accepted)
        return wrapper

    return decorate


class _Binder:
    """Binds a call's arguments to an operation's parameters (all but the first, ``self``)
    by name, defaults filled in: what ``inspect.Signature.bind`` does, for the one shape
    operations have (positional-or-keyword, then keyword-only) at a fraction of the cost.
    Answers None for anything else (too many, missing, repeated), so that the caller asks
    ``inspect`` for its error message."""

    def __init__(self, parameters: Sequence[inspect.Parameter]) -> None:
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        self.usable = all(p.kind in kinds for p in parameters)
        rest = parameters[1:]
        self.first = parameters[0].name if parameters else ""
        self.positional = tuple(p.name for p in rest
                                if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD)
        self.names = tuple(p.name for p in rest)
        self.defaults = {p.name: p.default for p in rest if p.default is not p.empty}

    def __call__(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any] | None:
        if len(args) > len(self.positional) or self.first in kwargs:
            return None
        given = dict(zip(self.positional, args, strict=False))
        for key, value in kwargs.items():
            if key in given:
                return None
            given[key] = value
        bound: dict[str, Any] = {}
        defaults = self.defaults
        for key in self.names:
            if key in given:
                bound[key] = given[key]
            elif key in defaults:
                bound[key] = defaults[key]
            else:
                return None
        return bound


def _checked(rules: TextRules | AudioRules, value: Any, field: str, provider: str) -> Any:
    try:
        return rules.check(value, field)
    except InvalidInput as exc:
        exc.provider = exc.provider or provider
        raise


def _provider_error(check: Callable[..., Any], value: Any, field: str, provider: str) -> Any:
    try:
        return check(value, field=field)
    except InvalidInput as exc:
        exc.provider = exc.provider or provider
        raise

