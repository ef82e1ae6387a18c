"""Vendor JSON into attrs models, one way for every plugin.

A plugin declares its payloads as attrs classes (its ``schema.py``) and reads answers with
a converter from :func:`vendor_converter` and :func:`structure`::

    @functools.cache
    def converter() -> cattrs.Converter:
        return kit.vendor_converter(camel_case=True, open_enums=(DubStatus,))

    dub = kit.structure(converter(), body, DubEnvelope, what="GET /v1/me/dubs/{id} answer",
                        provider="voicedub").dub

The converter's rules (what a faithful vendor may send, and what it may not):

- unknown fields are ignored; with ``camel_case`` a field ``input_duration`` is read from
  (and written as) ``inputDuration``;
- a ``bool`` field takes only JSON booleans, a ``str`` field a string (or an integer id);
  with ``lenient_numbers`` an ``int``/``float`` field also takes ``12.0`` or ``"12"``
  (never a boolean, NaN or infinity); a non-integral value for an ``int`` is kept as sent;
- a ``tuple[X, ...]`` or ``list[X]`` field takes only a JSON list (never a string);
- enums take their exact values; a field typed ``E | str`` for ``E`` in ``open_enums``
  keeps a value the vendor added as its string; a ``tuple[E, ...]`` for ``E`` in
  ``vocabularies`` skips values it does not know (a growing catalogue);
- datetimes read ISO-8601 text or epoch seconds/milliseconds.

:func:`structure` turns every failure into :class:`~voicekit_core.errors.BadResponse`.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from .errors import BadResponse, VoicekitError

__all__ = ["Reader", "VendorStatus", "duration_seconds", "make_converter",
           "progress_fraction", "reader", "structure", "unstructure", "vendor_converter",
           "wrap_bare"]

T = TypeVar("T")

_CAMEL = re.compile(r"_([a-z0-9])")


def camel(name: str) -> str:
    """``input_duration`` -> ``inputDuration``."""
    return _CAMEL.sub(lambda m: m.group(1).upper(), name)


def make_converter() -> cattrs.Converter:
    """A plain cattrs converter with voicekit's base rules: unknown fields ignored,
    datetimes from ISO-8601 text or epoch numbers. :func:`vendor_converter` builds on it."""
    from .models import parse_datetime

    conv = cattrs.Converter(forbid_extra_keys=False)

    def _datetime(value: Any, _: Any) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:  # epoch seconds, or milliseconds when that would be far in the future
                return dt.datetime.fromtimestamp(value / 1000 if value > 1e11 else value,
                                                 tz=dt.timezone.utc)
            except (OverflowError, OSError, ValueError):
                raise ValueError(f"expected a date, got {_show(value)}") from None
        parsed = parse_datetime(value)
        if parsed is None:
            raise ValueError(f"expected a date, got {_show(value)}")
        return parsed

    conv.register_structure_hook(dt.datetime, _datetime)
    conv.register_unstructure_hook(dt.datetime, lambda d: d.isoformat())
    return conv


def vendor_converter(
    *,
    camel_case: bool = False,
    lenient_numbers: bool = True,
    open_enums: Sequence[type[enum.Enum]] = (),
    vocabularies: Sequence[type[enum.Enum]] = (),
) -> cattrs.Converter:
    """A converter for one vendor's JSON (see the module doc for its rules).

    Building one costs a few milliseconds: build it on first use
    (``functools.cache``), not when the plugin's module is imported.
    """
    conv = make_converter()
    for kind in (bool, int, float, str):
        conv.register_structure_hook(kind, _scalar_hook(kind, lenient_numbers))
    conv.register_structure_hook_func(_is_enum, _enum_hook)
    conv.register_structure_hook_factory(_is_sequence, _sequence_factory(conv))
    # any ``E | str`` field is open; ``open_enums`` only states which are expected
    conv.register_structure_hook_factory(lambda t: _open_enum_of(t) is not None,
                                         lambda t: _open_enum_hook(_open_enum_of(t) or enum.Enum))
    for enum_cls in (*open_enums, *vocabularies):
        if not _is_enum(enum_cls):
            raise TypeError(f"{enum_cls!r} is not an enum")
    for enum_cls in vocabularies:
        conv.register_structure_hook_func(_exactly(tuple[enum_cls, ...]),  # type: ignore[valid-type]
                                          _vocabulary_hook(enum_cls))
    def structure_factory(cls: type[Any]) -> Callable[[Any, Any], Any]:
        build = make_dict_structure_fn(cls, conv, **(_renames(cls) if camel_case else {}))

        def objects_only(value: Any, kind: Any) -> Any:
            # cattrs would read a list or a string as an object with every field missing
            if not isinstance(value, Mapping):
                raise TypeError(f"expected an object, got {_show(value)}")
            return build(value, kind)

        return objects_only

    conv.register_structure_hook_factory(attrs.has, structure_factory)
    if camel_case:
        def unstructure_factory(cls: type[Any]) -> Callable[[Any], Any]:
            return make_dict_unstructure_fn(cls, conv, **_renames(cls))

        conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    return conv


def wrap_bare(converter: cattrs.Converter, model: type[Any], *, shape: type,
              field: str) -> None:
    """Let ``model`` also be read from a bare ``shape`` value, as ``{field: value}``: a
    string where a vendor may send an object (``"x"`` for ``{"label": "x"}``), a list where
    it may send a listing envelope (``[...]`` for ``{"items": [...]}``)."""
    base = converter.get_structure_hook(model)
    converter.register_structure_hook(
        model, lambda value, kind: base({field: value} if isinstance(value, shape) else value,
                                        kind))


def structure(converter: cattrs.Converter, body: Any, model: type[T], *, what: str,
              provider: str) -> T:
    """``body`` (vendor JSON) as a ``model``; BadResponse naming ``what`` when it does not fit.

    No other exception escapes, whatever ``body`` holds.
    """
    try:
        return converter.structure(body, model)
    except VoicekitError as exc:
        if isinstance(exc, BadResponse):
            raise
        detail = exc.message
    except RecursionError:
        detail = "nested too deeply"
    except Exception as exc:  # a vendor's body must never surface as a raw exception
        detail = "; ".join(_flatten(exc))
    name = getattr(model, "__name__", str(model))
    raise BadResponse(f"{provider} sent a {what} that does not match its API ({name}): "
                      f"{detail[:300]}", provider=provider) from None


@attrs.frozen
class Reader:
    """A plugin's ``read(body, Model, "GET /x answer")``: :func:`structure` with the
    vendor's converter and name bound (made by :func:`reader`)."""

    converter: Callable[[], cattrs.Converter]
    provider: str

    def __call__(self, body: Any, model: type[T], what: str = "response") -> T:
        return structure(self.converter(), body, model, what=what, provider=self.provider)


def reader(converter: Callable[[], cattrs.Converter], provider: str) -> Reader:
    """``read = kit.reader(converter, "acme")``; ``read(body, Voice, "GET /voices answer")``
    is ``structure(converter(), body, Voice, what=..., provider="acme")``. ``converter`` is
    called on each read (a ``functools.cache`` factory: built on first use)."""
    return Reader(converter, provider)


def unstructure(converter: cattrs.Converter, value: Any) -> Any:
    """A request model as the vendor's JSON, top-level fields that are None left out."""
    body = converter.unstructure(value)
    if isinstance(body, dict):
        return {k: v for k, v in body.items() if v is not None}
    return body


_DURATION = re.compile(r"~?\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)")
_UNITS = {"": 1.0, "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0,
          "m": 60.0, "min": 60.0, "mins": 60.0, "minute": 60.0, "minutes": 60.0,
          "ms": 0.001, "h": 3600.0, "hour": 3600.0, "hours": 3600.0}


@attrs.frozen
class VendorStatus:
    """The fields in which vendors describe a job's state, read tolerantly (any JSON value):
    ``state``/``status`` (the word), ``progress`` (a fraction or a percentage), ``error``/
    ``message`` (why it failed) and ``code``. Subclass it with the vendor's own fields."""

    state: Any = None
    status: Any = None
    progress: Any = None
    error: Any = attrs.field(default=None, repr=False)
    message: Any = attrs.field(default=None, repr=False)
    code: Any = None

    @property
    def word(self) -> str | None:
        """The status word (``state``, else ``status``) as text; None when there is none."""
        for value in (self.state, self.status):
            if isinstance(value, (str, int)) and not isinstance(value, bool) and \
                    str(value).strip():
                return str(value).strip()
        return None

    #: the vendor documents ``progress`` as a percentage (0-100): a bare 1 is 1 %
    progress_in_percent: ClassVar[bool] = False

    @property
    def fraction(self) -> float | None:
        """``progress`` as a fraction in [0, 1] (see :func:`progress_fraction`)."""
        return progress_fraction(self.progress, percent=self.progress_in_percent)

    def fraction_after(self, previous: float | None) -> float | None:
        """:attr:`fraction`, knowing the reading before (``previous``): a bare 1 after a
        higher reading is done, not 1 %."""
        return progress_fraction(self.progress, percent=self.progress_in_percent,
                                 previous=previous)

    @property
    def failure(self) -> str | None:
        """The vendor's reason for a failure (``error``, else ``message``), if any."""
        from .errormap import error_text

        return error_text(self.error) or error_text(self.message)

    @property
    def error_code(self) -> str | None:
        return None if self.code is None or isinstance(self.code, (dict, list)) \
            else str(self.code)


def duration_seconds(value: Any) -> float | None:
    """A duration as vendors write it, in seconds: ``60``, ``"60"``, ``"1.5s"``,
    ``"60 seconds"``, ``"1 minute"``, ``"250 ms"``, ``"~60"``; None when it is not one
    (text, negative, NaN, infinite, a bool). Never raises."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:
            return None
    elif isinstance(value, str) and len(value) <= 100:
        found = _DURATION.fullmatch(value.strip().lower())
        scale = _UNITS.get(found.group(2)) if found else None
        if found is None or scale is None:
            return None
        number = float(found.group(1)) * scale
    else:
        return None
    return number if math.isfinite(number) and number >= 0 else None


# -- hooks ---------------------------------------------------------------------------------


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _exactly(kind: Any) -> Callable[[Any], bool]:
    return lambda t: bool(t == kind)


def _is_enum(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, enum.Enum)


def _enum_hook(value: Any, enum_cls: type[enum.Enum]) -> enum.Enum:
    try:
        return enum_cls(value)
    except (ValueError, TypeError):
        allowed = ", ".join(str(m.value) for m in enum_cls)
        raise ValueError(f"{_show(value)} is not one of {allowed}") from None


def progress_fraction(value: Any, *, percent: bool = False,
                      previous: float | None = None) -> float | None:
    """A vendor's progress reading as a fraction in [0, 1]; None for anything that is not
    one (text, negative numbers, NaN).

    ``"40%"`` is a percentage. Otherwise, for a vendor documenting 0..1 or nothing
    (``percent`` False), a number up to 1 is a fraction and a larger one a percentage. For
    a vendor documenting a percentage (``percent``), whole numbers are percentages and a
    number with a fraction part up to 1 (``0.4``) is a fraction already; a bare 1 after a
    higher reading (``previous``) is done, not 1 % going backwards.
    """
    spelled = isinstance(value, str) and value.strip().endswith("%")
    number = _number(value.strip()[:-1] if spelled else value)
    if number is None or number < 0:
        return None
    try:
        reading = float(number)
    except OverflowError:  # an integer beyond any float: more than done
        return 1.0
    if spelled:
        reading /= 100
    elif percent:
        if reading.is_integer() or reading > 1:
            reading = 1.0 if (reading == 1 and previous is not None and previous > 0.01) \
                else reading / 100
    elif reading > 1:
        reading /= 100
    return min(1.0, reading)


def _number(value: Any) -> int | float | None:
    """A finite JSON number, or a string that spells one ("30", "12.5"); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str) and len(value) <= 100:
        try:
            number = float(value.strip())
        except ValueError:
            return None
        if not math.isfinite(number):
            return None
        return int(number) if number.is_integer() and "." not in value else number
    return None


def _scalar_hook(kind: type, lenient: bool) -> Callable[[Any, Any], Any]:
    # cattrs alone would turn "false" into True and 12.7 into 12
    def hook(value: Any, target: Any) -> Any:
        if target is not kind and _is_enum(target):  # str/int enums dispatch here too
            return _enum_hook(value, target)
        if kind is bool:
            if not isinstance(value, bool):
                raise TypeError(f"expected a boolean, got {_show(value)}")
            return value
        if kind is str:
            if isinstance(value, int) and not isinstance(value, bool):
                return str(value)
            if not isinstance(value, str):
                raise TypeError(f"expected a string, got {_show(value)}")
            return value
        number = _number(value) if lenient or not isinstance(value, str) else None
        if number is None or (kind is int and not lenient and isinstance(number, float)):
            raise TypeError(f"expected a{'n integer' if kind is int else ' number'}, "
                            f"got {_show(value)}")
        if kind is int:
            return int(number) if isinstance(number, int) or number.is_integer() else number
        try:
            return float(number)
        except OverflowError:
            raise ValueError(f"number too large: {_show(value)}") from None

    return hook


def _is_sequence(kind: Any) -> bool:
    origin = typing.get_origin(kind)
    if origin is list:
        return True
    args = typing.get_args(kind)
    return origin is tuple and len(args) == 2 and args[1] is Ellipsis


def _sequence_factory(conv: cattrs.Converter) -> Callable[[Any], Callable[[Any, Any], Any]]:
    """``tuple[X, ...]`` / ``list[X]`` from a JSON list only (cattrs would split a string
    into characters and iterate a mapping's keys)."""

    def factory(kind: Any) -> Callable[[Any, Any], Any]:
        item_type = typing.get_args(kind)[0] if typing.get_args(kind) else Any
        make = list if typing.get_origin(kind) is list else tuple

        def hook(value: Any, _: Any) -> Any:
            if not isinstance(value, (list, tuple)):
                raise TypeError(f"expected a list, got {_show(value)}")
            if item_type is Any:
                return make(value)
            item = conv.get_structure_hook(item_type)
            out = []
            for index, entry in enumerate(value):
                try:
                    out.append(item(entry, item_type))
                except Exception as exc:
                    raise ValueError(f"item {index}: {'; '.join(_flatten(exc))}") from None
            return make(out)

        return hook

    return factory


def _open_enum_of(kind: Any) -> type[enum.Enum] | None:
    """``E`` when ``kind`` is ``E | str`` for an enum ``E``."""
    if typing.get_origin(kind) not in (typing.Union, types.UnionType):
        return None
    args = typing.get_args(kind)
    enums = [a for a in args if _is_enum(a)]
    if len(args) == 2 and str in args and len(enums) == 1:
        found: type[enum.Enum] = enums[0]
        return found
    return None


def _open_enum_hook(enum_cls: type[enum.Enum]) -> Callable[[Any, Any], enum.Enum | str]:
    # a value the vendor documents becomes its member; any other string is kept (a vendor
    # may grow a status or a format; the caller decides what it means)
    def hook(value: Any, _: Any) -> enum.Enum | str:
        if not isinstance(value, str):
            raise TypeError(f"expected a string, got {_show(value)}")
        try:
            return enum_cls(value)
        except ValueError:
            return value

    return hook


def _vocabulary_hook(enum_cls: type[enum.Enum]) -> Callable[[Any, Any], tuple[enum.Enum, ...]]:
    # a catalogue may grow new genres or languages: values not known are skipped
    known = {m.value: m for m in enum_cls}

    def hook(value: Any, _: Any) -> tuple[enum.Enum, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise TypeError(f"expected a list, got {_show(value)}")
        return tuple(known[v] for v in value if isinstance(v, str) and v in known)

    return hook


def _renames(cls: type[Any]) -> dict[str, Any]:
    return {f.name: override(rename=camel(f.name)) for f in attrs.fields(cls)}


def _flatten(exc: BaseException) -> list[str]:
    """The messages of a cattrs error tree, each prefixed by where it happened."""
    if isinstance(exc, cattrs.BaseValidationError):
        out: list[str] = []
        for inner in exc.exceptions:
            notes = getattr(inner, "__notes__", None)
            prefix = f"{notes[0]}: " if notes else ""
            out.extend(prefix + m for m in _flatten(inner))
        return out or [str(exc)]
    if isinstance(exc, KeyError):
        return [f"missing field {exc.args[0]!r}" if exc.args else "missing field"]
    return [str(exc) or type(exc).__name__]
