"""Long text: one synthesis split at sentence boundaries into requests under the vendor's limit.

Only when asked: ``provider.synthesize(text, voice=..., split=True)`` (any provider) or
:func:`synthesize_long`. The pieces are planned and the total cost estimated and checked
against ``max_credits`` before the first request; the audio of the pieces is joined into
one (WAV/PCM: one header, sizes right; MP3/OGG/FLAC: decoded, joined and encoded again with
the ``voicekit-core[convert]`` extra, checked before the first request). A failure in the
middle raises :class:`SplitSynthesisFailed`, which names what was spent and what is left,
and carries the audio made so far.

The vendor's limit is read from the provider: the ``TextRules`` its ``synthesize`` declares
with ``kit.operation``, else its ``max_text_chars`` / ``max_text_bytes`` class attributes.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from . import convert as _convert
from .audio import check_target
from .errors import InvalidInput, VoicekitError
from .estimates import innermost, total_cost
from .metrics import timed
from .models import Audio, Cost
from .sentences import chunk_text

__all__ = ["SplitSynthesisFailed", "plan", "splittable", "synthesize_long", "text_limit"]

F = TypeVar("F", bound=Callable[..., Any])


class SplitSynthesisFailed(VoicekitError):
    """A split synthesis failed part-way. The original error is ``__cause__``.

    Attributes:
        done: pieces synthesised (and paid for) before the failure.
        total: pieces planned.
        spent: estimated credits spent on the pieces done (None: unknown), in ``unit``.
        remaining_text: the text not yet spoken (the failed piece and after it).
        partial: the joined audio of the pieces done (None when none was).
        may_have_been_processed: the failed piece itself may have been billed.
    """

    def __init__(self, message: str, *, done: int, total: int, spent: float | None,
                 unit: str, remaining_text: str, partial: Audio | None,
                 may_have_been_processed: bool, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.done = done
        self.total = total
        self.spent = spent
        self.unit = unit
        self.remaining_text = remaining_text
        self.partial = partial
        self.may_have_been_processed = may_have_been_processed


def text_limit(provider: Any, operation: str = "synthesize") -> tuple[int | None, int | None]:
    """``(max_chars, max_bytes)`` a provider accepts per ``operation`` call (None: no limit).

    The tighter of what its method declares (``kit.operation(text=TextRules(...))``) and
    its ``max_text_chars`` / ``max_text_bytes`` attributes (class or instance: a plan's
    own limit), looking through adapters to the provider they wrap.
    """
    chars: int | None = None
    size: int | None = None
    for layer in _layers(provider):
        method = getattr(type(layer), operation, None)
        info = getattr(method, "__voicekit_operation__", None)
        rules = getattr(info, "inputs", {}).get("text") if info is not None else None
        if rules is not None:
            chars = _tighter(chars, _limit(getattr(rules, "max_chars", None)))
            size = _tighter(size, _limit(getattr(rules, "max_bytes", None)))
        chars = _tighter(chars, _limit(getattr(layer, "max_text_chars", None)))
        size = _tighter(size, _limit(getattr(layer, "max_text_bytes", None)))
    return chars, size


def _layers(provider: Any) -> list[Any]:
    layers = [provider]
    while getattr(layers[-1], "inner", None) is not None and len(layers) < 32:
        layers.append(layers[-1].inner)
    return layers


def _limit(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 \
        else None


def _tighter(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def plan(provider: Any, text: str, *, max_chars: int | None = None,
         max_bytes: int | None = None, pack: bool = True) -> list[str]:
    """The pieces ``text`` would be sent as (within the provider's limit and the given ones)."""
    chars, size = text_limit(provider)
    return chunk_text(text, max_chars=_tighter(chars, max_chars),
                      max_bytes=_tighter(size, max_bytes), pack=pack)


def synthesize_long(
    provider: Any,
    text: str,
    *,
    voice: Any = None,
    format: str | None = None,
    max_chars: int | None = None,
    max_bytes: int | None = None,
    max_credits: float | None = None,
    **options: Any,
) -> Audio:
    """Speak ``text`` of any length with ``provider``: split, synthesise each piece, join.

    Args:
        provider: any provider with ``synthesize`` (or an adapter).
        text: the text; blank text raises InvalidInput.
        voice, format, **options: passed to every ``synthesize`` call.
        max_chars, max_bytes: smaller pieces than the provider's limit (optional).
        max_credits: refuse (before any request) when the estimated total is over it;
            each request also gets the budget left.
        to: save the joined audio there too (the path is checked before any request).

    Raises:
        InvalidInput / CreditLimitExceeded / ConfigurationError before any request;
        SplitSynthesisFailed when a piece fails after others were made.
    """
    if not isinstance(text, str):
        raise InvalidInput(f"text must be a str, got {type(text).__name__}", field="text",
                           limit="str")
    to = options.pop("to", None)  # the joined audio goes there, not each piece
    if to is not None:
        check_target(to, field="to")
    pieces = plan(provider, text, max_chars=max_chars, max_bytes=max_bytes)
    kwargs = dict(options)
    if voice is not None:
        kwargs["voice"] = voice
    if format is not None:
        kwargs["format"] = format
    if len(pieces) > 1 and format is not None and format.lower() not in ("wav", "pcm"):
        _convert.check_encodable(format, source="pcm")  # joining needs the extra: say so now
    try:
        costs, total = total_cost(provider, "synthesize", pieces, kwargs)
    except InvalidInput as exc:  # the vendor cannot make `format`: its default, converted
        if not _convert.refused_format(exc, format):
            raise
        _convert.check_encodable(str(format), source="pcm")
        kwargs.pop("format")
        costs, total = total_cost(provider, "synthesize", pieces, kwargs)
    if max_credits is not None:
        innermost(provider).check_budget(total, max_credits)
    parts: list[Audio] = []
    spent: float | None = 0.0
    for index, piece in enumerate(pieces):
        call_kwargs = dict(kwargs)
        if max_credits is not None:
            call_kwargs["max_credits"] = max(0.0, max_credits - (spent or 0.0))
        try:
            try:
                audio = timed(provider, "synthesize", piece,
                              functools.partial(provider.synthesize, piece, **call_kwargs),
                              kwargs=kwargs)
            except InvalidInput as exc:
                if index or not _convert.refused_format(exc, format):
                    raise
                # the vendor cannot make `format`: take its default and convert at the end
                _convert.check_encodable(str(format), source="pcm")
                for mapping in (kwargs, call_kwargs):
                    mapping.pop("format", None)
                audio = timed(provider, "synthesize", piece,
                              functools.partial(provider.synthesize, piece, **call_kwargs),
                              kwargs=kwargs)
            if len(pieces) > 1 and audio.format not in ("wav", "pcm"):
                _convert.check_encodable(format or audio.format, source="pcm")
        except VoicekitError as exc:
            if not parts and not isinstance(exc, SplitSynthesisFailed) and index == 0:
                raise  # nothing was made: the error as it is
            raise _failure(exc, text, pieces, index, parts, spent, total) from exc
        parts.append(audio)
        cost = costs[index]
        spent = None if spent is None or cost is None else spent + cost.credits
    joined = attrs.evolve(_convert.join(parts, format=format or parts[0].format),
                          metadata={"pieces": len(pieces)})
    if to is not None:
        joined.save(to)
    return joined


def _failure(exc: VoicekitError, text: str, pieces: list[str], index: int,
             parts: list[Audio], spent: float | None, total: Cost | None
             ) -> SplitSynthesisFailed:
    left = pieces[index:]
    cursor = 0
    for piece in pieces[:index]:
        cursor = text.find(piece, cursor) + len(piece)
    start = text.find(left[0], cursor)
    remaining = text[start:] if start >= 0 else " ".join(left)
    left_chars = len(remaining)
    unit = total.unit if total is not None else "credits"
    paid = "an unknown amount" if spent is None else f"about {spent:g} {unit}"
    processed = bool(getattr(exc, "may_have_been_processed", False))
    message = (f"split synthesis stopped at piece {index + 1} of {len(pieces)}: "
               f"{type(exc).__name__}: {getattr(exc, 'message', exc)}. Done: {index} piece(s), "
               f"{paid} spent. Left: {left_chars} characters in {len(left)} piece(s), "
               f"starting {left[0][:40]!r}"
               + (" (the failed piece may have been billed too)" if processed else ""))
    partial = None
    if parts:
        try:
            partial = _convert.join(parts)
        except VoicekitError:
            partial = None
    return SplitSynthesisFailed(message, done=index, total=len(pieces), spent=spent, unit=unit,
                                remaining_text=remaining,
                                partial=partial,
                                may_have_been_processed=processed,
                                provider=exc.provider, status=exc.status, code=exc.code,
                                request_id=exc.request_id)


def _as_asked(result: Any, format: Any) -> Any:
    """``result`` in the ``format`` asked for, when a vendor answered another one (an
    ``Audio`` only, a format voicekit writes only; the extra is needed to convert)."""
    if (isinstance(format, str) and isinstance(result, Audio)
            and result.format != format.lower() and format.lower() in _convert.ENCODABLE
            and result.format in _convert.ENCODABLE):
        return _convert.convert(result, format=format.lower())
    return result


def splittable(method: F) -> F:
    """Give a provider's ``synthesize`` the ``split=`` keyword (done by ``Provider`` itself).

    ``split=False`` (default) calls the method as it is (audio in another format than the
    ``format=`` asked for is converted); ``split=True`` goes through
    :func:`synthesize_long`, which calls the method once per piece.
    """
    if getattr(method, "__voicekit_splittable__", False):
        return method

    @functools.wraps(method)
    def synthesize(self: Any, text: Any, *args: Any, split: bool = False,
                   **kwargs: Any) -> Any:
        if split is False:
            asked = kwargs.get("format")
            result = method(self, text, *args, **kwargs)
            return result if asked is None else _as_asked(result, asked)
        if split is not True:
            raise InvalidInput(f"split must be True or False, got {split!r}", field="split",
                               limit="a bool")
        if args:
            raise InvalidInput("with split=True pass voice= and options by name",
                               field="voice", limit="keyword arguments")
        return synthesize_long(self, text, **kwargs)

    synthesize.__voicekit_splittable__ = True  # type: ignore[attr-defined]
    try:
        signature = inspect.signature(method)
    except (TypeError, ValueError):
        return synthesize  # type: ignore[return-value]
    params = list(signature.parameters.values())
    if "split" not in signature.parameters:
        at = next((i for i, p in enumerate(params) if p.kind is p.VAR_KEYWORD), len(params))
        params.insert(at, inspect.Parameter("split", inspect.Parameter.KEYWORD_ONLY,
                                            default=False, annotation="bool"))
        synthesize.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=params)
    return synthesize  # type: ignore[return-value]
