"""ASGI type names shared by the emulator harness, and the raw transport behind a send."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["ASGIApp", "Message", "Receive", "Scope", "Send", "transport"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def transport(send: Send) -> asyncio.Transport | None:
    """The uvicorn transport behind an ASGI ``send`` (for hard resets in fault injection)."""
    owner = getattr(send, "__self__", None)
    return getattr(owner, "transport", None)
