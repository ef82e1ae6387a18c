"""Small input checks that raise :class:`~voicekit_core.errors.InvalidInput` naming the
argument, the rule and the value — before any request is sent.

Providers use these (mostly through :mod:`voicekit_core.options` and
:mod:`voicekit_core.inputs`) rather than growing their own copies. Every check refuses
hostile values the same way: bools where numbers are expected, NaN and infinities, integers
too large for any vendor, strings where numbers are expected, lone surrogates in text.
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any

from .errors import InvalidInput

__all__ = [
    "callback",
    "choice",
    "flag",
    "integer",
    "max_credits",
    "number",
    "show",
    "surrogate_at",
    "text",
    "url",
]

#: The widest integer any check accepts (a signed 64-bit value), bounds or not.
MAX_INT = 2**63 - 1
#: The longest URL an ``url`` check accepts.
MAX_URL_CHARS = 8192


def show(value: Any, limit: int = 60) -> str:
    """A short ``repr`` of ``value`` for error messages (long values are cut)."""
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def surrogate_at(value: str) -> int | None:
    """Index of the first lone surrogate in ``value`` (not encodable as UTF-8), or None."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def choice(value: Any, allowed: Sequence[str], *, field: str, default: str | None = None,
           case: str = "lower") -> str:
    """``value`` as one of ``allowed`` (compared after ``case`` folding: ``"lower"``,
    ``"upper"`` or ``"exact"``); None gives ``default`` when there is one."""
    if value is None and default is not None:
        return default
    if isinstance(value, str):
        word = value.strip()
        word = word.lower() if case == "lower" else word.upper() if case == "upper" else word
        if word in allowed:
            return word
    listed = ", ".join(allowed)
    raise InvalidInput(f"{field} must be one of {listed}, got {show(value)}", field=field,
                       limit=f"one of {listed}")


def integer(value: Any, *, field: str, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an int within [low, high] and a signed 64-bit range (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be an integer{_within(low, high)}, got {show(value)}",
                           field=field, limit="an integer")
    result = int(value)
    _check_range(result, field, low, high)
    if not -MAX_INT <= result <= MAX_INT:
        raise InvalidInput(f"{field} is a {result.bit_length()}-bit integer; the limit is 64-bit",
                           field=field, limit="a 64-bit integer")
    return result


def number(value: Any, *, field: str, low: float | None = None, high: float | None = None
           ) -> float:
    """``value`` as a finite float within [low, high] (bools, strings, NaN, infinities and
    integers too large for a float are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(f"{field} must be a number{_within(low, high)}, got {show(value)}",
                           field=field, limit="a finite number")
    try:
        result = float(value)
    except OverflowError:
        result = math.inf
    if not math.isfinite(result):
        raise InvalidInput(f"{field} must be a number{_within(low, high)}, got {show(value)}",
                           field=field, limit="a finite number")
    _check_range(result, field, low, high)
    return result


def flag(value: Any, *, field: str) -> bool:
    """``value`` as a real bool (``"yes"``, ``1`` and None are refused)."""
    if not isinstance(value, bool):
        raise InvalidInput(f"{field} must be True or False, got {show(value)}", field=field,
                           limit="True or False")
    return value


def text(value: Any, *, field: str = "text", max_chars: int | None = None,
         max_bytes: int | None = None, allow_empty: bool = False) -> str:
    """``value`` as text (non-blank unless ``allow_empty``) without lone surrogates or NUL
    characters, within a character and/or UTF-8 byte limit."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text, got {type(value).__name__}", field=field,
                           limit="text")
    if not allow_empty and not value.strip():
        raise InvalidInput(f"{field} must be non-empty text", field=field, limit="non-empty")
    if max_chars is not None and len(value) > max_chars:
        raise InvalidInput(f"{field} has {len(value)} characters; the limit is {max_chars}",
                           field=field, limit=f"at most {max_chars} characters")
    bad = surrogate_at(value)
    if bad is not None:
        raise InvalidInput(f"{field} has an unpaired surrogate at character {bad}",
                           field=field, limit="valid Unicode")
    if "\0" in value:
        raise InvalidInput(f"{field} contains a NUL character (at {value.index(chr(0))})",
                           field=field, limit="no NUL characters")
    if max_bytes is not None:
        size = len(value.encode("utf-8"))
        if size > max_bytes:
            raise InvalidInput(f"{field} is {size} UTF-8 bytes; the limit is {max_bytes}",
                               field=field, limit=f"at most {max_bytes} UTF-8 bytes")
    return value


def url(value: Any, *, field: str, ext: Sequence[str] | None = None) -> str:
    """``value`` as an absolute ``http(s)`` URL with a host, without whitespace, control
    characters or lone surrogates; with ``ext``, its path must end in one of them."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be an http(s) URL, got {type(value).__name__}",
                           field=field, limit="an http(s) URL")
    if len(value) > MAX_URL_CHARS:
        raise InvalidInput(f"{field} is {len(value)} characters long; the limit is "
                           f"{MAX_URL_CHARS}", field=field,
                           limit=f"at most {MAX_URL_CHARS} characters")
    if surrogate_at(value) is not None or any(c.isspace() or ord(c) < 32 or ord(c) == 127
                                               for c in value):
        raise InvalidInput(f"{field} must be a URL without spaces or control characters, got "
                           f"{show(value)}", field=field, limit="an http(s) URL")
    try:
        parts = urllib.parse.urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise InvalidInput(f"{field} is not a valid URL: {show(value)}", field=field,
                           limit="an http(s) URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"{field} must be an http(s) URL with a host, got {show(value)}",
                           field=field, limit="an http(s) URL")
    if ext:
        allowed = tuple(e.lower().lstrip(".") for e in ext)
        suffix = parts.path.rsplit("/", 1)[-1].rpartition(".")[2].lower()
        if "." not in parts.path.rsplit("/", 1)[-1] or suffix not in allowed:
            listed = ", ".join(allowed)
            raise InvalidInput(f"{field} must link to a {listed} file, got {show(value)}",
                               field=field, limit=f"a .{listed.replace(', ', '/.')} link")
    return value


def max_credits(value: Any, *, field: str = "max_credits") -> float | None:
    """A ``max_credits=`` budget: None (no limit) or a finite number >= 0."""
    if value is None:
        return None
    return number(value, field=field, low=0)


def callback(value: Any, *, field: str) -> Callable[..., Any] | None:
    """None or a callable (``on_update=``, ``on_upload_progress=``)."""
    if value is None:
        return None
    if not callable(value):
        raise InvalidInput(f"{field} must be callable, got {show(value)}", field=field,
                           limit="a callable")
    function: Callable[..., Any] = value
    return function


def _num(value: float | None) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"


def _span(low: float | None, high: float | None) -> str:
    return (f"{_num(low)}..{_num(high)}" if low is not None and high is not None
            else f">= {_num(low)}" if low is not None else f"<= {_num(high)}")


def _within(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return "" if low is None and high is None else f" ({_span(low, high)})"
    return f" in {_span(low, high)}"


def _check_range(value: float, field: str, low: float | None, high: float | None) -> None:
    if (low is not None and value < low) or (high is not None and value > high):
        span = _span(low, high)
        shown = _num(value) if abs(value) < 10**30 else show(value)
        raise InvalidInput(f"{field}={shown} is out of range; allowed {span}", field=field,
                           limit=span)
