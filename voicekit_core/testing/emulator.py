"""A base for vendor emulators: Starlette apps served by uvicorn on 127.0.0.1.

An emulator is the vendor's API as documented, with state, credits, auth checks and the
vendor's errors, running in a background thread on an OS-chosen loopback port. Each
emulator also has a separate *storage* origin (its own port) for presigned uploads and
media downloads, which records and refuses any request that carries credentials.

Faults are injected by route: the next N matching requests answer with an error, a
rate limit, a connection reset, a delay, a malformed or truncated body; WebSocket
streams drop or close with a given code after K frames (:meth:`Emulator.fail_next` is the
short form). Declared ``rate_limits`` answer 429 with ``Retry-After`` and ``X-RateLimit-*``
on the emulator clock (:mod:`voicekit_core.testing.ratelimit`); jobs advance through
:class:`~voicekit_core.testing.timeline.TimedStatus`; ``record_exchanges`` keeps every
answer for :class:`~voicekit_core.testing.contract.OpenApiContract`.

Needs ``voicekit-core[testing]`` (starlette, uvicorn, wsproto).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import fnmatch
import json
import math
import os
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import Any, ClassVar

import attrs
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from voicekit_core.clock import ManualClock, wall_time
from voicekit_core.testing.exchanges import RECORD_KEY, Exchange, ExchangeRecorder
from voicekit_core.testing.ratelimit import RateLimit, RateWindow, Throttled
from voicekit_core.testing.timeline import TimedStatus

__all__ = [
    "CREDENTIAL_HEADERS",
    "ERROR_KINDS",
    "CreditLedger",
    "Emulator",
    "Exchange",
    "Fault",
    "FaultInjector",
    "RateLimit",
    "RecordedRequest",
    "ServerThread",
    "StorageServer",
    "TimedStatus",
    "iso",
    "json_error",
]

#: the error kinds every emulator's ``error_response`` knows
ERROR_KINDS = ("unauthorized", "not_found", "insufficient_credits", "rate_limited",
               "server_error", "invalid")
#: body fields :meth:`Emulator.fail_next` puts its ``message`` in
_MESSAGE_FIELDS = ("message", "detail", "error", "msg", "reason", "errorMessage",
                   "error_message", "description")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Headers that carry credentials at some vendor; storage refuses all of them.
CREDENTIAL_HEADERS = ("authorization", "x-api-key", "x-client-key", "x-client-id", "api-key",
                      "cookie")


def json_error(status: int, body: Mapping[str, Any],
               headers: Mapping[str, str] | None = None) -> JSONResponse:
    """A JSON error response."""
    return JSONResponse(dict(body), status_code=status, headers=dict(headers or {}))


def iso(unix: float, *, digits: int = 3) -> str:
    """Unix time ``unix`` as vendors write it: ``2026-01-01T12:00:00.000Z`` (``digits``
    fraction digits, 0 for none)."""
    moment = dt.datetime.fromtimestamp(unix, tz=dt.timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if digits > 0:
        text += "." + f"{moment.microsecond:06d}"[:digits]
    return text + "Z"


def _with_message(response: Response, message: str) -> Response:
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


# -- state helpers -----------------------------------------------------------------------


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


class CreditLedger:
    """An account balance that operations charge; thread-safe."""

    def __init__(self, credits: float = 100_000) -> None:
        self._lock = threading.Lock()
        self.balance = credits
        self.entries: list[tuple[str, float]] = []

    def can_pay(self, amount: float) -> bool:
        with self._lock:
            return self.balance >= amount

    def charge(self, amount: float, reason: str) -> bool:
        """Take ``amount``; False (nothing taken) when the balance is too low."""
        with self._lock:
            if amount > self.balance:
                return False
            self.balance -= amount
            self.entries.append((reason, amount))
            return True

    @property
    def spent(self) -> float:
        with self._lock:
            return sum(a for _, a in self.entries)


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


def _transport(send: Send) -> asyncio.Transport | None:
    """The uvicorn transport behind an ASGI ``send`` (for hard resets in fault injection)."""
    owner = getattr(send, "__self__", None)
    return getattr(owner, "transport", None)


# -- the server thread ---------------------------------------------------------------------


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


# -- the emulator ------------------------------------------------------------------------


class _Middleware:
    """Records requests, applies faults and the emulator's auth check."""

    def __init__(self, app: ASGIApp, emulator: Emulator | StorageServer, origin: str) -> None:
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
                send = _ws_fault_send(send, fault)
            await self.app(scope, receive, send)
            return

        async def counting_receive() -> Message:
            message = await receive()
            record.body_size += len(message.get("body", b""))
            return message

        fault = emu.faults.take(method, path)
        if fault is not None:
            record.fault = fault.kind
            if await self._apply(fault, scope, counting_receive, send):
                return
        refusal = emu.refuse(scope, headers)
        if refusal is not None:
            await refusal(scope, counting_receive, send)
            return
        if isinstance(emu, Emulator):
            bucket = emu.throttle_bucket(method, path)
            if emu.rate_headers_always and bucket is not None:
                send = _header_send(send, emu, bucket)
            limited = emu._throttle(bucket, method, path) if bucket is not None else None
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
            transport = _transport(send)
            if transport is not None:
                transport.abort()
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
                response = _with_message(response, fault.message)
            await response(scope, receive, send)
            return True
        if fault.kind == "truncate":
            await self.app(scope, receive, _truncating_send(send))
            return True
        return False


class _HeaderSend:
    """Adds a bucket's ``X-RateLimit-*`` headers to a response's start (keeps the uvicorn
    transport reachable as ``send.__self__.transport`` for the reset faults)."""

    def __init__(self, send: Send, emulator: Emulator, bucket: str) -> None:
        self._send = send
        self._emulator = emulator
        self._bucket = bucket
        self.transport = _transport(send)

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {bytes(k).lower() for k, _ in headers}
            for name, value in self._emulator.rate_limit_headers(self._bucket).items():
                key = name.lower().encode("latin-1")
                if key not in present:
                    headers.append((key, value.encode("latin-1")))
            message = {**message, "headers": headers}
        await self._send(message)


def _header_send(send: Send, emulator: Emulator, bucket: str) -> Send:
    return _HeaderSend(send, emulator, bucket).send


def _truncating_send(send: Send) -> Send:
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
                transport = _transport(send)
                if transport is not None:
                    transport.abort()
                raise asyncio.CancelledError
            state["sent"] += len(body)
            await send(message)
        else:
            await send(message)

    return wrapped


def _ws_fault_send(send: Send, fault: Fault) -> Send:
    state = {"frames": 0, "done": False}

    async def wrapped(message: Message) -> None:
        if state["done"]:
            return
        if message["type"] == "websocket.send" and message.get("bytes") is not None:
            if state["frames"] >= fault.frames:
                state["done"] = True
                if fault.kind == "ws_drop":
                    transport = _transport(send)
                    if transport is not None:
                        transport.abort()
                else:
                    await send({"type": "websocket.close", "code": fault.code,
                                "reason": fault.reason})
                return
            state["frames"] += 1
        await send(message)

    return wrapped


class StorageServer:
    """A second origin for presigned uploads and media downloads.

    It never accepts credentials: any request carrying an auth header (or a known
    credential value anywhere in its headers) is refused with 403 and recorded in
    ``violations``.
    """

    def __init__(self, *, clock: ManualClock, forbidden_values: Iterable[str] = ()) -> None:
        self.clock = clock
        self.log: list[RecordedRequest] = []
        self.violations: list[RecordedRequest] = []
        self.faults = FaultInjector()
        self.files: dict[str, tuple[bytes, str]] = {}
        self.uploads: dict[str, bytes] = {}
        self._tokens: dict[str, str] = {}
        self._forbidden = tuple(v for v in forbidden_values if v)
        app = Starlette(routes=[
            Route("/upload/{key:path}", self._put, methods=["PUT"]),
            Route("/files/{key:path}", self._get, methods=["GET", "HEAD"]),
        ])
        self._server = ServerThread(_Middleware(app, self, "storage"))

    def start(self) -> StorageServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    @property
    def url(self) -> str:
        return self._server.url

    def presign_upload(self, key: str) -> str:
        """A presigned PUT URL for ``key`` (with a signature in its query)."""
        token = uuid.uuid4().hex
        self._tokens[key] = token
        return f"{self.url}/upload/{key}?X-Amz-Signature={token}&X-Amz-Expires=3600"

    def publish(self, key: str, data: bytes, content_type: str = "application/octet-stream"
                ) -> str:
        """Serve ``data`` at a signed download URL; return it."""
        self.files[key] = (data, content_type)
        token = uuid.uuid4().hex
        self._tokens["get:" + key] = token
        return f"{self.url}/files/{key}?X-Amz-Signature={token}"

    def refuse(self, scope: Scope, headers: Mapping[str, str]) -> ASGIApp | None:
        carried = [h for h in CREDENTIAL_HEADERS if h in headers]
        if not carried and self._forbidden:
            carried = [k for k, v in headers.items() if any(s in v for s in self._forbidden)]
        if carried:
            self.violations.append(self.log[-1])
            return Response(
                "<Error><Code>InvalidRequest</Code><Message>Only one auth mechanism "
                "allowed; credentials were sent to storage</Message></Error>",
                status_code=403, media_type="application/xml")
        return None

    def error_response(self, kind: str) -> Response:
        status = {"not_found": 404, "unauthorized": 403}.get(kind, 500)
        return Response(f"<Error><Code>{kind}</Code></Error>", status_code=status,
                        media_type="application/xml")

    async def _put(self, request: Request) -> Response:
        key = request.path_params["key"]
        if request.query_params.get("X-Amz-Signature") != self._tokens.get(key):
            return Response("<Error><Code>SignatureDoesNotMatch</Code></Error>",
                            status_code=403, media_type="application/xml")
        chunks = []
        async for chunk in request.stream():
            chunks.append(chunk)
        self.uploads[key] = b"".join(chunks)
        return Response(status_code=200, headers={"ETag": f'"{uuid.uuid4().hex}"'})

    async def _get(self, request: Request) -> Response:
        key = request.path_params["key"]
        if key not in self.files:
            return Response("<Error><Code>NoSuchKey</Code></Error>", status_code=404,
                            media_type="application/xml")
        if request.query_params.get("X-Amz-Signature") != self._tokens.get("get:" + key):
            return Response("<Error><Code>SignatureDoesNotMatch</Code></Error>",
                            status_code=403, media_type="application/xml")
        data, ctype = self.files[key]
        return Response(data if request.method == "GET" else b"", media_type=ctype,
                        headers={"Content-Length": str(len(data))})


class Emulator:
    """Base of every vendor emulator.

    Subclasses set ``provider`` and ``credentials`` (option name -> the valid value), and
    implement :meth:`routes`, :meth:`authorized` and :meth:`error_response`. Use as a
    context manager, or ``start()`` / ``stop()``::

        with GemeloEmulator() as emu:
            tts = voicekit_core.connect("gemelo", **emu.connect_options())

    Attributes:
        clock: the emulator's :class:`ManualClock`; share it with the provider so jobs
            advance without sleeping (``connect_options()`` does).
        ledger: the account's :class:`CreditLedger`.
        faults: the :class:`FaultInjector` for the API origin.
        log: every request received, in order (:class:`RecordedRequest`).
        storage: the :class:`StorageServer` origin.
        rate_limits: bucket name -> :class:`RateLimit` (a copy of the class's; tests may
            change it). Requests are counted after the auth check, in the bucket
            :meth:`throttle_bucket` names; the one over the limit gets the vendor's
            ``rate_limited`` answer with 429, ``Retry-After`` and ``X-RateLimit-*``.
        throttled: every request answered 429 by the rate limits (:class:`Throttled`).
        exchanges: every API answer (:class:`Exchange`) when ``record_exchanges``.
    """

    provider: ClassVar[str]
    credentials: ClassVar[Mapping[str, str]] = {"api_key": "test-api-key"}
    #: paths reachable without credentials
    public_paths: ClassVar[tuple[str, ...]] = ()
    initial_credits: ClassVar[float] = 100_000
    #: the vendor's rate limits by bucket (``{"read": RateLimit(10_000, 60), ...}``)
    rate_limits: ClassVar[Mapping[str, RateLimit]] = {}
    #: every API answer carries its bucket's ``X-RateLimit-*`` headers (not only 429s)
    rate_headers_always: ClassVar[bool] = False
    #: ``X-RateLimit-Reset`` as a Unix time (``"unix"``) or seconds from now (``"seconds"``)
    rate_reset_style: ClassVar[str] = "unix"
    #: keep every API answer in ``exchanges`` (for :mod:`voicekit_core.testing.contract`)
    record_exchanges: ClassVar[bool] = False

    def __init__(self, *, clock: ManualClock | None = None, credits: float | None = None,
                 port: int = 0) -> None:
        self.clock = clock or ManualClock()
        self.ledger = CreditLedger(self.initial_credits if credits is None else credits)
        self.faults = FaultInjector()
        self.log: list[RecordedRequest] = []
        self.storage = StorageServer(clock=self.clock,
                                     forbidden_values=self.credentials.values())
        self._port = port
        # a subclass may have set these before calling us: keep its objects
        if "rate_limits" not in self.__dict__:
            self.rate_limits = dict(type(self).rate_limits)  # type: ignore[misc]
        if "exchanges" not in self.__dict__:
            self.exchanges: list[Exchange] = []
        self.throttled: list[Throttled] = []
        self._windows: dict[str, RateWindow] = {}
        self._window_lock = threading.Lock()
        self._failures: dict[str, list[str | None]] = {}
        app = Starlette(routes=list(self.routes()))
        self.app: ASGIApp = _Middleware(app, self, "api")
        if self.record_exchanges:
            self.app = ExchangeRecorder(self.app, self.exchanges)
        self._server: ServerThread | None = None

    # -- to implement --------------------------------------------------------------------

    def routes(self) -> Iterable[BaseRoute]:
        """The vendor's endpoints (Starlette Route / WebSocketRoute)."""
        raise NotImplementedError

    def authorized(self, headers: Mapping[str, str]) -> bool:
        """Whether request ``headers`` (lower-case names) carry valid credentials."""
        raise NotImplementedError

    def error_response(self, kind: str) -> Response:
        """The vendor's error answer for ``kind``: unauthorized, not_found,
        insufficient_credits, rate_limited, server_error, invalid."""
        raise NotImplementedError

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> Emulator:
        self.storage.start()
        self._server = ServerThread(self.app, port=self._port).start()
        return self

    def stop(self, *, wait: bool = False) -> None:
        """Stop serving. The servers wind down in their daemon threads (uvicorn takes
        ~0.2 s); pass ``wait=True`` to block until they have (e.g. to reuse a port)."""
        servers = [self.storage._server] + ([self._server] if self._server else [])
        for server in servers:
            server.request_stop()
        if wait:
            for server in servers:
                server.stop()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The API root, as a provider's ``base_url``."""
        assert self._server is not None, "start() the emulator first"
        return self._server.url + self.base_path

    #: path prefix of the API root (``/v1`` when the vendor's base URL includes it)
    base_path: ClassVar[str] = ""

    def connect_options(self, **overrides: Any) -> dict[str, Any]:
        """Options for ``voicekit_core.connect()`` aimed at this emulator."""
        options: dict[str, Any] = {"base_url": self.url, "clock": self.clock,
                                   **self.credentials}
        options.update(overrides)
        return options

    # -- time ----------------------------------------------------------------------------

    def wall(self, at: float | None = None) -> float:
        """The Unix time at emulator-clock time ``at`` (default: now)."""
        now = self.clock.now()
        return wall_time(self.clock) + ((now if at is None else at) - now)

    def iso(self, at: float | None = None, *, digits: int = 3) -> str:
        """Emulator-clock time ``at`` (default now) as an ISO-8601 UTC string."""
        return iso(self.wall(at), digits=digits)

    def timeline(self, stages: Iterable[tuple[str, float]], *, final: str,
                 fail: str | None = None, error: str | None = None) -> TimedStatus:
        """A :class:`TimedStatus` starting now on the emulator clock."""
        return TimedStatus(tuple(stages), final=final, fail=fail, start=self.clock.now(),
                           error=error)

    # -- faults ------------------------------------------------------------------------

    def fail_next(self, kind: str, n: int = 1, message: str | None = None, *,
                  match: str = "*") -> None:
        """Make the next ``n`` things of ``kind`` fail.

        ``kind`` in :data:`ERROR_KINDS` (``"server_error"``, ``"not_found"``...): the next
        ``n`` API requests matching the route glob ``match`` (``"POST /v1/dubs"``) get the
        vendor's error answer for it, its message replaced by ``message`` when given.

        Any other ``kind`` names a vendor job (``"clone"``, ``"dub"``): the next ``n`` jobs
        the emulator creates of that kind end failed with ``message``. The emulator's
        routes ask :meth:`take_failure` when creating one (e.g. ``TimedStatus(...,
        fail="FAILED" if failure else None, error=failure)``).
        """
        if n < 1:
            raise ValueError("n must be >= 1")
        if kind in ERROR_KINDS:
            self.faults.add(match, "error", count=n, error=kind, message=message)
            return
        with self._window_lock:
            self._failures.setdefault(kind, []).extend([message] * n)

    def take_failure(self, kind: str, default: str = "failed") -> str | None:
        """The failure message queued by :meth:`fail_next` for the next job of ``kind``
        (``default`` when it was queued without one), or None: the job succeeds."""
        with self._window_lock:
            queue = self._failures.get(kind)
            if not queue:
                return None
            message = queue.pop(0)
        return default if message is None else message

    # -- rate limits -------------------------------------------------------------------

    def throttle_bucket(self, method: str, path: str) -> str | None:
        """The rate-limit bucket of a request, or None (not limited). Default: ``"read"``
        for GET/HEAD and ``"write"`` for the rest, else ``"all"``, when declared in
        ``rate_limits``. Override for per-route buckets."""
        limits = self.rate_limits
        if not limits:
            return None
        bucket = "read" if method.upper() in ("GET", "HEAD") else "write"
        for name in (bucket, "all"):
            if isinstance(limits.get(name), RateLimit):
                return name
        return None

    def _window(self, bucket: str) -> RateWindow | None:
        rule = self.rate_limits.get(bucket)
        if not isinstance(rule, RateLimit):
            return None
        with self._window_lock:
            window = self._windows.get(bucket)
            if window is None or window.rule != rule:
                window = self._windows[bucket] = RateWindow(rule)
            return window

    def rate_limit_headers(self, bucket: str) -> dict[str, str]:
        """``X-RateLimit-Limit/Remaining/Reset`` of ``bucket`` as of now (empty when the
        bucket has no limit)."""
        window = self._window(bucket)
        if window is None:
            return {}
        now = self.clock.now()
        remaining, reset_at = window.state(now)
        reset = (math.ceil(reset_at - now) if self.rate_reset_style == "seconds"
                 else math.ceil(self.wall(reset_at)))
        return {"X-RateLimit-Limit": str(window.rule.limit),
                "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": str(reset)}

    def throttle(self, request: Request, bucket: str) -> Response | None:
        """Count ``request`` in ``bucket``; the vendor's 429 answer when over the limit,
        else None. For routes that count in buckets of their own (the harness already
        counts every request in :meth:`throttle_bucket`'s bucket)."""
        return self._throttle(bucket, request.method, request.url.path)

    def _throttle(self, bucket: str, method: str, path: str) -> Response | None:
        window = self._window(bucket)
        if window is None:
            return None
        now = self.clock.now()
        if window.hit(now):
            return None
        _, reset_at = window.state(now)
        self.throttled.append(Throttled(bucket, now, reset_at, math.ceil(self.wall(reset_at)),
                                        method, path))
        response = self.error_response("rate_limited")
        response.status_code = 429
        for name, value in self.rate_limit_headers(bucket).items():
            response.headers[name] = value
        response.headers["Retry-After"] = str(max(1, math.ceil(reset_at - now)))
        return response

    # -- helpers for subclasses ------------------------------------------------------------

    def refuse(self, scope: Scope, headers: Mapping[str, str]) -> ASGIApp | None:
        path = scope["path"]
        if any(fnmatch.fnmatchcase(path, p) for p in self.public_paths):
            return None
        if self.authorized(headers):
            return None
        return self.error_response("unauthorized")

    def requests(self, method: str | None = None, path: str | None = None
                 ) -> list[RecordedRequest]:
        """Recorded API requests, filtered by method and path glob."""
        return [r for r in self.log
                if (method is None or r.method == method.upper())
                and (path is None or fnmatch.fnmatchcase(r.path, path))]

    @staticmethod
    async def json_body(request: Request) -> Any:
        """The request's JSON body, or None if it is not JSON."""
        try:
            return json.loads(await request.body() or b"null")
        except ValueError:
            return None
