"""Faults injected into an emulator's answers, by route.

The next N requests matching a route glob (``"POST /tts"``, ``"/v1/*"``, ``"*"``) answer
with the vendor's error, a raw status, a reset connection, a delay, a malformed or
truncated body; WebSocket streams drop or close with a given code after K frames.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import threading
from collections.abc import Mapping
from typing import Any

import attrs
from starlette.responses import JSONResponse, Response

from voicekit_core.testing.asgi import Message, Send, transport

__all__ = ["ERROR_KINDS", "Fault", "FaultInjector", "truncating_send", "with_message",
           "ws_fault_send"]

#: the error kinds every emulator's ``error_response`` knows
ERROR_KINDS = ("unauthorized", "not_found", "insufficient_credits", "rate_limited",
               "server_error", "invalid")
#: body fields :meth:`Emulator.fail_next` puts its ``message`` in
_MESSAGE_FIELDS = ("message", "detail", "error", "msg", "reason", "errorMessage",
                   "error_message", "description")


def with_message(response: Response, message: str) -> Response:
    """``response`` with its vendor message replaced by ``message`` (JSON bodies: the first
    message-like string field, looking into nested envelopes)."""
    try:
        body = json.loads(bytes(response.body))
    except ValueError:
        return response

    def put(node: Any) -> bool:
        if not isinstance(node, dict):
            return False
        for key in _MESSAGE_FIELDS:
            if isinstance(node.get(key), str):
                node[key] = message
                return True
        return any(put(v) for v in node.values())

    if not put(body):
        return response
    headers = {k: v for k, v in response.headers.items()
               if k.lower() not in ("content-length", "content-type")}
    return JSONResponse(body, status_code=response.status_code, headers=headers)


@attrs.define
class Fault:
    """A fault waiting for matching requests.

    ``kind`` is one of: ``error`` (the emulator's envelope for ``error=``: unauthorized,
    not_found, insufficient_credits, rate_limited, server_error, invalid; with its message
    replaced by ``message`` when given), ``status`` (a raw
    ``status`` / ``body`` / ``headers``), ``reset`` (drop the connection before any
    answer), ``delay`` (wait ``delay`` real seconds first), ``malformed`` (200 with a broken
    JSON body), ``truncate`` (send half the real body, then drop), ``ws_drop`` (drop the
    connection after ``frames`` binary frames), ``ws_close`` (close with ``code``/``reason``
    after ``frames`` frames).
    """

    match: str
    kind: str
    remaining: int = 1
    error: str | None = None
    status: int = 500
    body: bytes | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict)
    delay: float = 0.0
    frames: int = 0
    code: int = 1011
    reason: str = ""
    message: str | None = None

    def matches(self, method: str, path: str) -> bool:
        pattern = self.match
        if " " in pattern:
            want_method, pattern = pattern.split(" ", 1)
            if want_method.upper() != method.upper():
                return False
        return fnmatch.fnmatchcase(path, pattern)


class FaultInjector:
    """Faults by route pattern (``"POST /tts"``, ``"/v1/*"``, ``"*"``); thread-safe."""

    KINDS = ("error", "status", "reset", "delay", "malformed", "truncate", "ws_drop",
             "ws_close")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, match: str, kind: str, *, count: int = 1, **params: Any) -> Fault:
        """Make the next ``count`` requests matching ``match`` fail as ``kind``."""
        if kind not in self.KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(self.KINDS)}")
        fault = Fault(match=match, kind=kind, remaining=count, **params)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str, *, websocket: bool = False) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.kind.startswith("ws_") != websocket:
                    continue
                if fault.remaining > 0 and fault.matches(method, path):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


def truncating_send(send: Send) -> Send:
    state: dict[str, Any] = {"length": None, "sent": 0}

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            for k, v in message.get("headers", []):
                if k.lower() == b"content-length":
                    state["length"] = int(v)
            await send(message)
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            total = state["length"] or len(body)
            keep = max(0, total // 2 - state["sent"])
            if keep < len(body):
                await send({"type": "http.response.body", "body": body[:keep],
                            "more_body": True})
                await asyncio.sleep(0.01)
                raw = transport(send)
                if raw is not None:
                    raw.abort()
                raise asyncio.CancelledError
            state["sent"] += len(body)
            await send(message)
        else:
            await send(message)

    return wrapped


def ws_fault_send(send: Send, fault: Fault) -> Send:
    state = {"frames": 0, "done": False}

    async def wrapped(message: Message) -> None:
        if state["done"]:
            return
        if message["type"] == "websocket.send" and message.get("bytes") is not None:
            if state["frames"] >= fault.frames:
                state["done"] = True
                if fault.kind == "ws_drop":
                    raw = transport(send)
                    if raw is not None:
                        raw.abort()
                else:
                    await send({"type": "websocket.close", "code": fault.code,
                                "reason": fault.reason})
                return
            state["frames"] += 1
        await send(message)

    return wrapped
