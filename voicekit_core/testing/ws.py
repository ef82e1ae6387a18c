"""WebSocket helpers for emulators (Starlette ``WebSocket``).

- :class:`Refusal`: raise it anywhere in a stream handler to close the stream with the
  vendor's close ``code`` and ``reason``; :func:`serve` turns it into the close frame.
- :func:`receive_json`: the next client message as a JSON object, or a :class:`Refusal`
  (4408 on silence, 4400 on a binary frame, invalid JSON or a non-object).
- :func:`close`: close, ignoring a connection that is already gone.
- :class:`FrameGate`: hold streams after N frames until the test releases them (checks of
  incremental output without sleeping).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.websockets import WebSocket

__all__ = ["FrameGate", "Refusal", "close", "receive_json", "serve"]


class Refusal(Exception):
    """Close the stream with ``code`` and ``reason`` (raised inside a stream handler)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


async def close(ws: WebSocket, code: int = 1000, reason: str = "") -> None:
    """Close ``ws`` with ``code``/``reason``; a connection already gone is not an error."""
    with contextlib.suppress(RuntimeError):
        await ws.close(code=code, reason=reason)


async def receive_json(ws: WebSocket, *, timeout: float = 60.0,
                       silence: Refusal | None = None) -> dict[str, Any]:
    """The next text message, decoded as a JSON object.

    Raises :class:`Refusal`: ``silence`` (default 4408) when nothing arrives within
    ``timeout`` seconds; 4400 for a binary frame, invalid JSON or JSON that is not an object.
    """
    try:
        raw = await asyncio.wait_for(ws.receive_text(), timeout=timeout)
    except asyncio.TimeoutError:
        raise silence or Refusal(4408, "Timeout: no message received") from None
    except KeyError:  # starlette: a binary frame has no "text"
        raise Refusal(4400, "Bad message: expected JSON text") from None
    try:
        message = json.loads(raw)
    except ValueError:
        raise Refusal(4400, "Bad message: invalid JSON") from None
    if not isinstance(message, dict):
        raise Refusal(4400, "Bad message: expected a JSON object")
    return message


async def serve(ws: WebSocket, handler: Callable[[], Awaitable[None]], *,
                on_close: Callable[[int, str], None] | None = None) -> None:
    """Accept ``ws``, run ``handler``, then close: 1000 when it returns, the refusal's code
    and reason when it raises :class:`Refusal`. ``on_close(code, reason)`` is told which
    (a client disconnect reports its own code)."""
    from starlette.websockets import WebSocketDisconnect

    await ws.accept()
    try:
        await handler()
    except Refusal as refusal:
        if on_close is not None:
            on_close(refusal.code, refusal.reason)
        await close(ws, refusal.code, refusal.reason)
        return
    except WebSocketDisconnect as exc:
        if on_close is not None:
            on_close(exc.code, "")
        return
    if on_close is not None:
        on_close(1000, "")
    await close(ws, 1000, "")


class FrameGate:
    """Holds streams after a number of frames until released.

    ``hold(after=2)``: every stream pauses once it has sent 2 frames (it awaits
    :meth:`pass_frame` before each frame); ``release()`` lets them go on. ``waiting`` is set
    while a stream waits at the gate. Waits are bounded (``limit`` seconds, default 10), so
    a forgotten release cannot hang a test.
    """

    def __init__(self, *, limit: float = 10.0) -> None:
        self._open = threading.Event()
        self._open.set()
        self.after: int | None = None
        self.limit = limit
        self.waiting = threading.Event()

    def hold(self, after: int) -> None:
        """Pause streams once they have sent ``after`` frames."""
        self.after = after
        self._open.clear()

    def release(self) -> None:
        """Let held streams go on (and stop holding new ones)."""
        self.after = None
        self._open.set()

    async def pass_frame(self, sent: int) -> None:
        """Await before sending a frame, ``sent`` frames having gone already."""
        after = self.after
        if after is None or sent < after or self._open.is_set():
            return
        self.waiting.set()
        try:
            await asyncio.to_thread(self._open.wait, self.limit)
        finally:
            self.waiting.clear()
