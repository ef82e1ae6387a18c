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

import datetime as dt
import fnmatch
import json
import math
import threading
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from voicekit_core.clock import ManualClock, wall_time
from voicekit_core.testing.asgi import ASGIApp, Message, Receive, Scope, Send
from voicekit_core.testing.exchanges import Exchange, ExchangeRecorder
from voicekit_core.testing.faults import ERROR_KINDS, Fault, FaultInjector
from voicekit_core.testing.ratelimit import RateLimit, RateWindow, Throttled
from voicekit_core.testing.server import (
    CREDENTIAL_HEADERS,
    HeaderSend,
    Middleware,
    RecordedRequest,
    ServerThread,
)
from voicekit_core.testing.storage import StorageServer
from voicekit_core.testing.timeline import TimedStatus

__all__ = [
    "CREDENTIAL_HEADERS",
    "ERROR_KINDS",
    "ASGIApp",
    "CreditLedger",
    "Emulator",
    "Exchange",
    "Fault",
    "FaultInjector",
    "Message",
    "RateLimit",
    "Receive",
    "RecordedRequest",
    "Scope",
    "Send",
    "ServerThread",
    "StorageServer",
    "TimedStatus",
    "iso",
    "json_error",
]


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
    #: windows end on a whole Unix second (the vendor rounds a window's start down), so
    #: ``X-RateLimit-Reset`` is exact
    rate_window_whole_seconds: ClassVar[bool] = False
    #: 429s from ``rate_limits`` carry ``Retry-After`` (False: the vendor sends only
    #: ``X-RateLimit-*``)
    rate_retry_after: ClassVar[bool] = True
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
        self.app: ASGIApp = Middleware(app, self, "api")
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
                window = self._windows[bucket] = self._new_window(rule)
            return window

    def _new_window(self, rule: RateLimit) -> RateWindow:
        if not self.rate_window_whole_seconds:
            return RateWindow(rule)
        return RateWindow(rule, slack=1e-3,
                          closes=lambda now: now + rule.per_seconds - self.wall(now) % 1)

    def _reset_unix(self, reset_at: float) -> int:
        wall = self.wall(reset_at)
        return round(wall) if self.rate_window_whole_seconds else math.ceil(wall)

    def rate_limit_headers(self, bucket: str) -> dict[str, str]:
        """``X-RateLimit-Limit/Remaining/Reset`` of ``bucket`` as of now (empty when the
        bucket has no limit)."""
        window = self._window(bucket)
        if window is None:
            return {}
        now = self.clock.now()
        remaining, reset_at = window.state(now)
        reset = (math.ceil(reset_at - now) if self.rate_reset_style == "seconds"
                 else self._reset_unix(reset_at))
        return {"X-RateLimit-Limit": str(window.rule.limit),
                "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": str(reset)}

    def throttle(self, request: Request, bucket: str) -> Response | None:
        """Count ``request`` in ``bucket``; the vendor's 429 answer when over the limit,
        else None. For routes that count in buckets of their own (the harness already
        counts every request in :meth:`throttle_bucket`'s bucket)."""
        return self._throttle(bucket, request.method, request.url.path)

    def rate_headers(self, method: str, path: str, send: Send) -> Send:
        """For the harness: ``send``, adding the bucket's headers to every answer (faults
        and refusals too) when ``rate_headers_always``."""
        bucket = self.throttle_bucket(method, path) if self.rate_headers_always else None
        if bucket is None:
            return send
        return HeaderSend(send, lambda: self.rate_limit_headers(bucket)).send

    def rate_limit(self, method: str, path: str, send: Send) -> tuple[Send, ASGIApp | None]:
        """For the harness: ``send`` and the 429 answer when this request is over the
        limit (None when it is within it)."""
        bucket = self.throttle_bucket(method, path)
        if bucket is None:
            return send, None
        return send, self._throttle(bucket, method, path)

    def _throttle(self, bucket: str, method: str, path: str) -> Response | None:
        window = self._window(bucket)
        if window is None:
            return None
        now = self.clock.now()
        if window.hit(now):
            return None
        _, reset_at = window.state(now)
        self.throttled.append(Throttled(bucket, now, reset_at, self._reset_unix(reset_at),
                                        method, path))
        response = self.error_response("rate_limited")
        response.status_code = 429
        for name, value in self.rate_limit_headers(bucket).items():
            response.headers[name] = value
        if self.rate_retry_after:
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
