"""Calling the user's callbacks (``on_update``, ``on_progress``...): one rule for all.

An exception the callback raises becomes :class:`CallbackFailed` naming the callback, raised
from where it was called, with the original as ``__cause__``; KeyboardInterrupt and other
BaseExceptions pass through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import CallbackFailed

__all__ = ["notify"]


def notify(callback: Callable[..., Any], name: str, *args: Any,
           provider: str | None = None) -> None:
    """Call ``callback(*args)``; what it raises (an Exception) is CallbackFailed."""
    try:
        callback(*args)
    except CallbackFailed:  # already named (a callback handed on under another name)
        raise
    except Exception as exc:
        detail = str(exc)[:200]
        raise CallbackFailed(
            f"the {name} callback raised {type(exc).__name__}"
            + (f": {detail}" if detail else ""), callback=name, provider=provider) from exc
