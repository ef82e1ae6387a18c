"""The emulator harness's plumbing: uvicorn in a thread, and the middleware that records
every request, applies injected faults, the origin's auth check and its rate limits."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import uvicorn
from starlette.responses import Response

from voicekit_core.testing.asgi import ASGIApp, Message, Receive, Scope, Send, transport
from voicekit_core.testing.exchanges import RECORD_KEY
from voicekit_core.testing.faults import (
    Fault,
    truncating_send,
    with_message,
    ws_fault_send,
)

__all__ = ["CREDENTIAL_HEADERS", "HeaderSend", "Middleware", "RecordedRequest",
           "ServerThread"]

#: Headers that carry credentials at some vendor; storage refuses all of them.
CREDENTIAL_HEADERS = ("authorization", "x-api-key", "x-client-key", "x-client-id", "api-key",
                      "cookie")


@attrs.define
class RecordedRequest:
    """One request an emulator (or its storage) received."""

    origin: str  # "api" or "storage"
    method: str
    path: str
    query: str
    headers: dict[str, str]
    time: float
    body_size: int = 0
    fault: str | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def has_credentials(self) -> bool:
        return any(h in self.headers for h in CREDENTIAL_HEADERS)


class ServerThread:
    """Serve an ASGI app with uvicorn on 127.0.0.1 (OS-chosen port) in a daemon thread."""

    def __init__(self, app: ASGIApp, *, port: int = 0, host: str = "127.0.0.1") -> None:
        level = os.environ.get("VOICEKIT_EMULATOR_LOG_LEVEL", "critical")
        config = uvicorn.Config(app, host=host, port=port, log_level=level,
                                lifespan="off", ws="wsproto", http="h11",
                                ws_ping_interval=None, access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="voicekit-emulator",
                                        daemon=True)
        self.host = host
        self.port = 0

    def start(self, timeout: float = 10.0) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the emulator server did not start")
            time.sleep(0.005)
        sock = self._server.servers[0].sockets[0]
        self.port = sock.getsockname()[1]
        return self

    def request_stop(self) -> None:
        """Ask the server to exit now, dropping open connections."""
        self._server.should_exit = True
        self._server.force_exit = True

    def stop(self, timeout: float = 5.0) -> None:
        self.request_stop()
        self._thread.join(timeout)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


class Middleware:
    """Records requests, applies faults and the emulator's auth check."""

    def __init__(self, app: ASGIApp, emulator: Any, origin: str) -> None:
        self.app = app
        self.emulator = emulator
        self.origin = origin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        emu = self.emulator
        method = scope.get("method", "WS")
        path = scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        record = RecordedRequest(self.origin, method, path,
                                 scope.get("query_string", b"").decode("latin-1"),
                                 headers, emu.clock.now())
        emu.log.append(record)
        scope.setdefault("state", {})[RECORD_KEY] = record
        if scope["type"] == "websocket":
            fault = emu.faults.take("WS", path, websocket=True)
            if fault is not None:
                record.fault = fault.kind
                send = ws_fault_send(send, fault)
            await self.app(scope, receive, send)
            return

        async def counting_receive() -> Message:
            message = await receive()
            record.body_size += len(message.get("body", b""))
            return message

        headers_send = getattr(emu, "rate_headers", None)  # X-RateLimit-* on every answer
        if headers_send is not None:
            send = headers_send(method, path, send)
        fault = emu.faults.take(method, path)
        if fault is not None:
            record.fault = fault.kind
            if await self._apply(fault, scope, counting_receive, send):
                return
        refusal = emu.refuse(scope, headers)
        if refusal is not None:
            await refusal(scope, counting_receive, send)
            return
        limit = getattr(emu, "rate_limit", None)  # the API origin's rate limits
        if limit is not None:
            send, limited = limit(method, path, send)
            if limited is not None:
                record.fault = "throttled"
                await limited(scope, counting_receive, send)
                return
        await self.app(scope, counting_receive, send)

    async def _apply(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> bool:
        """Apply ``fault``; True when the request has been answered (or dropped)."""
        emu = self.emulator
        if fault.kind == "delay":
            await asyncio.sleep(fault.delay)
            return False
        if fault.kind == "reset":
            raw = transport(send)
            if raw is not None:
                raw.abort()
            return True
        if fault.kind == "malformed":
            await Response(b'{"truncated": ', media_type="application/json")(scope, receive,
                                                                              send)
            return True
        if fault.kind == "status":
            body = fault.body if fault.body is not None else b""
            await Response(body, status_code=fault.status, headers=dict(fault.headers),
                           media_type="application/json")(scope, receive, send)
            return True
        if fault.kind == "error":
            response = emu.error_response(fault.error or "server_error")
            if fault.message is not None:
                response = with_message(response, fault.message)
            await response(scope, receive, send)
            return True
        if fault.kind == "truncate":
            await self.app(scope, receive, truncating_send(send))
            return True
        return False


class HeaderSend:
    """Adds headers (computed when the answer starts) to a response's start, unless it has
    them; keeps the uvicorn transport reachable as ``send.__self__.transport`` for the
    reset faults."""

    def __init__(self, send: Send, headers: Callable[[], Mapping[str, str]]) -> None:
        self._send = send
        self._headers = headers
        self.transport = transport(send)

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {bytes(k).lower() for k, _ in headers}
            for name, value in self._headers().items():
                key = name.lower().encode("latin-1")
                if key not in present:
                    headers.append((key, value.encode("latin-1")))
            message = {**message, "headers": headers}
        await self._send(message)
