"""Recording every answer an emulator gives, for contract checks.

Set ``record_exchanges = True`` on an emulator class and its ``exchanges`` list gets one
:class:`Exchange` per HTTP answer of the API origin (request and response bodies, status,
content type, and the injected fault if any). :class:`~voicekit_core.testing.contract.
OpenApiContract` validates them against the vendor's spec.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from voicekit_core.testing.emulator import RecordedRequest

__all__ = ["RECORD_KEY", "Exchange", "ExchangeRecorder"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: key in ``scope["state"]`` under which the harness leaves the :class:`RecordedRequest`
RECORD_KEY = "voicekit.request"


@attrs.define
class Exchange:
    """One answer of the API origin: the request and what was sent back."""

    method: str
    path: str
    query: str
    status: int
    content_type: str | None
    body: bytes
    fault: str | None
    request_body: bytes = b""


class ExchangeRecorder:
    """ASGI wrapper appending an :class:`Exchange` to ``sink`` for every HTTP answer.

    The exchange is recorded when the last body chunk is sent (before the client can see
    the end of the answer), or when the app returns without finishing it.
    """

    def __init__(self, app: ASGIApp, sink: list[Exchange]) -> None:
        self.app = app
        self.sink = sink

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen: dict[str, Any] = {}
        chunks: list[bytes] = []
        received: list[bytes] = []

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                received.append(message.get("body", b""))
            return message

        def record() -> None:
            if "status" not in seen or seen.get("recorded"):
                return
            seen["recorded"] = True
            entry: RecordedRequest | None = scope.get("state", {}).get(RECORD_KEY)
            self.sink.append(Exchange(
                scope.get("method", ""), scope["path"],
                scope.get("query_string", b"").decode("latin-1"), seen["status"],
                seen["ctype"], b"".join(chunks), entry.fault if entry else None,
                b"".join(received)))

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                seen["ctype"] = next((bytes(v).decode("latin-1")
                                      for k, v in message.get("headers", [])
                                      if bytes(k).lower() == b"content-type"), None)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    record()
            await send(message)

        try:
            await self.app(scope, recording_receive, capture)
        finally:
            record()
