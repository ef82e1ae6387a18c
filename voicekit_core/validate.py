"""Small input checks that raise :class:`~voicekit_core.errors.InvalidInput` naming the
argument, the rule and the value — before any request is sent.

Providers use these rather than growing their own copies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import InvalidInput

__all__ = ["choice", "integer", "number", "text"]


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
    raise InvalidInput(f"{field} must be one of {listed}, got {value!r}", field=field,
                       limit=f"one of {listed}")


def integer(value: Any, *, field: str, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an int within [low, high] (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be an integer, got {value!r}", field=field,
                           limit="an integer")
    _check_range(value, field, low, high)
    return value


def number(value: Any, *, field: str, low: float | None = None, high: float | None = None
           ) -> float:
    """``value`` as a finite float within [low, high] (bools and NaN are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
            or value in (float("inf"), float("-inf")):
        raise InvalidInput(f"{field} must be a number, got {value!r}", field=field,
                           limit="a finite number")
    _check_range(value, field, low, high)
    return float(value)


def text(value: Any, *, field: str = "text", max_chars: int | None = None,
         max_bytes: int | None = None) -> str:
    """``value`` as non-blank text within a character and/or UTF-8 byte limit."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must be non-empty text", field=field, limit="non-empty")
    if max_chars is not None and len(value) > max_chars:
        raise InvalidInput(f"{field} has {len(value)} characters; the limit is {max_chars}",
                           field=field, limit=f"at most {max_chars} characters")
    if max_bytes is not None:
        size = len(value.encode("utf-8"))
        if size > max_bytes:
            raise InvalidInput(f"{field} is {size} UTF-8 bytes; the limit is {max_bytes}",
                               field=field, limit=f"at most {max_bytes} UTF-8 bytes")
    return value


def _check_range(value: float, field: str, low: float | None, high: float | None) -> None:
    if (low is not None and value < low) or (high is not None and value > high):
        span = (f"{low:g}..{high:g}" if low is not None and high is not None
                else f">= {low:g}" if low is not None else f"<= {high:g}")
        raise InvalidInput(f"{field}={value:g} is out of range; allowed {span}", field=field,
                           limit=span)
