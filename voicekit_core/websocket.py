"""Simplex and duplex audio streaming over websocket-client.

:class:`WebSocketSession` wraps one connection with voicekit's contract: a timeout on every
read, keepalive pings, no redirects (a handshake must answer 101, so headers never reach
another host), frames read with their close code, and a stream that ends early raising
:class:`~voicekit_core.errors.StreamInterrupted` (or the vendor's error for a close code)
instead of ending short. Never reconnected mid-synthesis: that would bill twice.
"""

from __future__ import annotations

import json
import logging
import re
import struct
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs
import websocket

from .audio import one_wav
from .errormap import STATUS_ERRORS, ErrorMap, error_text
from .errors import (
    ConnectionFailed,
    InvalidRequest,
    PermissionDenied,
    ProviderError,
    ServerError,
    StreamInterrupted,
    Timeout,
    VoicekitError,
)
from .models import AudioStream, DuplexStream
from .urls import scrub_secrets

__all__ = [
    "CloseError",
    "CloseMap",
    "StreamErrors",
    "WebSocketSession",
    "default_close_error",
    "duplex_stream",
    "simplex_stream",
]

log = logging.getLogger("voicekit.websocket")

#: Maps a close (code, reason) to the error to raise; None means "a normal end".
CloseError = Callable[[int, str], "VoicekitError | None"]

#: Close codes of RFC 6455 that mean something besides "error".
_PROTOCOL_CLOSES: dict[int, type[VoicekitError]] = {
    1001: StreamInterrupted,  # going away: the server shut down mid-stream
    1003: InvalidRequest, 1007: InvalidRequest, 1009: InvalidRequest,
    1008: PermissionDenied,
    1011: ServerError, 1012: ServerError, 1013: ServerError, 1014: ServerError,
    1005: StreamInterrupted, 1006: StreamInterrupted,  # no status / abnormal closure
}


@attrs.frozen
class CloseMap:
    """How a vendor's WebSocket close codes map onto the error tree.

    Attributes:
        codes: close code -> error class, consulted first.
        http_mirror: 4xxx codes mirror the HTTP status ``xxx`` (4401 AuthenticationError,
            4402 InsufficientCredits, 4403 PermissionDenied, 4404 NotFound, 4429
            RateLimited, 4400/4422 InvalidRequest, 4500 and up ServerError).
        hints: ``(regex, class)`` searched in the close reason when the code alone says
            no more than ProviderError or PermissionDenied (e.g. an auth failure).

    1000 is a normal end; 1005/1006 (no status, dropped) are StreamInterrupted; 1011-1014
    are ServerError; anything else is ProviderError.
    """

    codes: Mapping[int, type[VoicekitError]] = attrs.field(factory=dict)
    http_mirror: bool = True
    hints: Sequence[tuple[str, type[VoicekitError]]] = ()

    def error_class(self, code: int, reason: str = "") -> type[VoicekitError] | None:
        """The class for ``code`` (None for a normal close)."""
        if code == 1000:
            return None
        cls = self.codes.get(code)
        if cls is None and self.http_mirror and 4000 <= code <= 4999:
            status = code - 4000
            cls = STATUS_ERRORS.get(status) or (ServerError if 500 <= status <= 599 else None)
        if cls is None:
            cls = _PROTOCOL_CLOSES.get(code)
        if cls is None or cls in (ProviderError, PermissionDenied):
            for pattern, hinted in self.hints:
                if re.search(pattern, reason, re.I):
                    return hinted
        return cls or ProviderError

    def error(self, code: int, reason: str, *, provider: str, received_bytes: int = 0,
              secrets: Sequence[str] = ()) -> VoicekitError | None:
        """The error for a close (None for a normal one); the reason scrubbed of secrets."""
        cls = self.error_class(code, reason)
        if cls is None:
            return None
        reason = scrub_secrets(reason.strip(), secrets)[:300]
        what = reason or ("no status code" if code == 1005 else "no reason given")
        return _make(cls, f"{provider} closed the stream after {received_bytes} bytes: {what} "
                          f"(close code {code})", provider=provider, code=str(code),
                     received_bytes=received_bytes)


def _make(cls: type[VoicekitError], message: str, *, provider: str, code: str | None,
          received_bytes: int) -> VoicekitError:
    if issubclass(cls, StreamInterrupted):
        return cls(message, provider=provider, code=code, received_bytes=received_bytes)
    try:
        return cls(message, provider=provider, code=code, received_bytes=received_bytes)
    except TypeError:  # a class with its own signature: the essentials only
        error = cls(message)
        error.provider, error.code, error.received_bytes = provider, code, received_bytes
        return error


class StreamErrors:
    """How one stream ends: remembers a JSON error frame (``{"type": "error", ...}`` or
    ``{"error": ...}``) and uses it for the close that follows.

    An error frame followed by a normal close (1000) still raises (ProviderError, or the
    class ``errors`` gives its code); a close without a reason takes the frame's message.
    """

    def __init__(self, provider: str, close_map: CloseMap | None = None, *,
                 errors: ErrorMap | None = None, secrets: Sequence[str] = ()) -> None:
        self.provider = provider
        self.close_map = close_map or CloseMap()
        self.errors = errors or ErrorMap()
        self.secrets = tuple(secrets)
        self.reported: tuple[str, str | None] | None = None  # (message, vendor code)

    def on_text(self, message: str) -> None:
        """Look at a text frame; remember it when it reports an error."""
        try:
            body = json.loads(message)
        except (ValueError, RecursionError):
            return
        if not isinstance(body, dict):
            return
        kind = body.get("type")
        kind = kind if isinstance(kind, str) else ""
        if kind.lower() != "error" and not body.get("error") and body.get("status") != "error":
            return
        fields = self.errors.unwrap(body)
        text = next((t for t in (error_text(fields.get(k)) for k in self.errors.message)
                     if t), None) or error_text(fields) or "unknown error"
        code = fields.get("code")
        vendor_code = str(code)[:100] if isinstance(code, (str, int)) \
            and not isinstance(code, bool) else None
        self.reported = (scrub_secrets(text, self.secrets)[:300], vendor_code)

    def close_error(self, code: int, reason: str, received_bytes: int = 0
                    ) -> VoicekitError | None:
        """The error a close means, given what the stream reported before it."""
        if self.reported is not None:
            text, vendor_code = self.reported
            if code == 1000:
                cls = self.errors.classify(0, vendor_code, text) or ProviderError
                return _make(cls, f"{self.provider} reported an error during the stream: "
                                  f"{text}", provider=self.provider, code=vendor_code,
                             received_bytes=received_bytes)
            if not reason.strip():
                reason = text
        return self.close_map.error(code, reason, provider=self.provider,
                                    received_bytes=received_bytes, secrets=self.secrets)


def default_close_error(provider: str) -> CloseError:
    """1000 is a normal end; any other code maps through a default :class:`CloseMap`."""
    close_map = CloseMap()

    def close_error(code: int, reason: str) -> VoicekitError | None:
        return close_map.error(code, reason, provider=provider)

    return close_error


class WebSocketSession:
    """One WebSocket connection to a provider.

    Args:
        url: ws:// or wss:// URL (from ``HttpClient.websocket_url``).
        provider: provider name, for errors.
        headers: handshake headers (credentials allowed: redirects are refused).
        timeout: seconds for connect and for each read.
        ping_interval: seconds between keepalive pings (0 disables).
        close_map: the vendor's close codes (default: :class:`CloseMap`).
        errors: the vendor's :class:`ErrorMap`, for codes in JSON error frames.
        secrets: values to scrub from close reasons and error frames.
        close_error: a hand-written close mapping (overrides ``close_map``).
        redact: turns the URL into its log-safe form.
        one_wav: the frames are one WAV even when the vendor starts a new one (a RIFF
            header) for each piece of text: later headers are dropped.

    Every error that ends the stream carries ``received_bytes``.
    """

    def __init__(
        self,
        url: str,
        *,
        provider: str,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        ping_interval: float = 20.0,
        close_map: CloseMap | None = None,
        errors: ErrorMap | None = None,
        secrets: Sequence[str] = (),
        close_error: CloseError | None = None,
        redact: Callable[[str], str] = lambda u: u.split("?")[0],
        one_wav: bool = False,
    ) -> None:
        self.url = url
        self._one_wav = one_wav
        self.provider = provider
        self.timeout = timeout
        self.received_bytes = 0
        self._headers = dict(headers or {})
        self._ping_interval = ping_interval
        self._secrets = tuple(s for s in secrets if s)
        self.stream_errors = StreamErrors(provider, close_map, errors=errors,
                                          secrets=self._secrets)
        self._close_error = close_error
        self._redacted = redact(url)
        self._ws: websocket.WebSocket | None = None
        self._stop = threading.Event()
        self._closed = False

    def _error_for_close(self, code: int, reason: str) -> VoicekitError | None:
        if self._close_error is not None:
            error = self._close_error(code, scrub_secrets(reason, self._secrets))
        else:
            error = self.stream_errors.close_error(code, reason, self.received_bytes)
        if error is not None:
            error.received_bytes = self.received_bytes
        return error

    # -- lifecycle -----------------------------------------------------------------------

    def connect(self) -> WebSocketSession:
        """Open the connection; handshake failures map onto the error tree."""
        try:
            ws = websocket.create_connection(
                self.url,
                timeout=self.timeout,
                header=[f"{k}: {v}" for k, v in self._headers.items()],
                redirect_limit=0,
                enable_multithread=True,
                suppress_origin=True,
                skip_utf8_validation=True,
            )
        except websocket.WebSocketBadStatusException as exc:
            status = exc.status_code if isinstance(exc.status_code, int) else 0
            cls = STATUS_ERRORS.get(status) or (ServerError if status >= 500 else ProviderError)
            raise cls(f"{self.provider} refused the stream at {self._redacted} (HTTP {status})",
                      provider=self.provider, status=status) from None
        except websocket.WebSocketTimeoutException:
            raise Timeout(f"timed out connecting to {self._redacted}",
                          provider=self.provider) from None
        except (OSError, websocket.WebSocketException, ValueError) as exc:
            cause = "connection refused" if isinstance(exc, ConnectionRefusedError) \
                else type(exc).__name__
            raise ConnectionFailed(f"cannot open {self._redacted}: {cause}",
                                   provider=self.provider, never_sent=True) from None
        answered = ws.getstatus()
        if answered != 101:
            ws.shutdown()  # type: ignore[no-untyped-call]
            raise ProviderError(
                f"{self.provider} answered the stream handshake with HTTP {answered} "
                "(redirects are not followed)", provider=self.provider, status=answered)
        self._ws = ws
        if self._ping_interval > 0:
            _KEEPALIVE.add(self)
        log.debug("websocket open %s", self._redacted)
        return self

    def _ping(self) -> bool:
        """Send one keepalive ping; False once the session is over."""
        ws = self._ws
        if ws is None or self._closed:
            return False
        try:
            ws.ping()
        except Exception:
            return False
        return True

    def close(self, code: int = 1000) -> None:
        """Close politely (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        _KEEPALIVE.discard(self)
        ws = self._ws
        if ws is not None:
            try:
                ws.close(status=code, timeout=1.0)
            except Exception:
                ws.shutdown()  # type: ignore[no-untyped-call]

    def __enter__(self) -> WebSocketSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sending -------------------------------------------------------------------------

    def send_json(self, message: Mapping[str, Any]) -> None:
        """Send a JSON text message."""
        self.send_text(json.dumps(message, separators=(",", ":")))

    def send_text(self, text: str) -> None:
        ws = self._require()
        try:
            ws.send(text)
        except (OSError, websocket.WebSocketException) as exc:
            error = self._pending_close_error()
            if error is not None:  # the server closed first: its reason says why
                raise error from None
            raise StreamInterrupted(
                f"the stream to {self._redacted} broke while sending: {type(exc).__name__}",
                received_bytes=self.received_bytes, provider=self.provider) from None

    def _pending_close_error(self) -> VoicekitError | None:
        """After a failed send: the error of a close frame the server sent, if one waits."""
        ws = self._ws
        if ws is None:
            return None
        try:
            ws.settimeout(1.0)
            opcode, frame = ws.recv_data_frame(control_frame=True)
        except Exception:
            return None
        if opcode != websocket.ABNF.OPCODE_CLOSE:
            return None
        self._closed = True
        _KEEPALIVE.discard(self)
        code, reason = _close_status(frame.data)
        return self._error_for_close(code, reason)

    # -- receiving -----------------------------------------------------------------------

    def iter_binary(
        self, on_text: Callable[[str], None] | None = None
    ) -> Iterator[bytes]:
        """Yield binary frames as they arrive until the server closes with a normal code.

        Text frames go to ``on_text`` (vendor control messages; it may raise). An abnormal
        close, an error close code or a read timeout raise — never a silent short stream.
        """
        frames = self._frames(on_text)
        return one_wav(frames) if self._one_wav else frames

    def _frames(self, on_text: Callable[[str], None] | None) -> Iterator[bytes]:
        ws = self._require()
        while True:
            try:
                opcode, frame = ws.recv_data_frame(control_frame=True)
            except websocket.WebSocketTimeoutException:
                self.close()
                raise Timeout(
                    f"no data from {self._redacted} for {self.timeout:g} s "
                    f"({self.received_bytes} bytes received)", provider=self.provider,
                    received_bytes=self.received_bytes) from None
            except (OSError, websocket.WebSocketException) as exc:
                if self._closed:
                    return
                self.close()
                if self.stream_errors.reported is not None:  # it said why before dropping
                    error = self._error_for_close(1006, "")
                    if error is not None:
                        raise error from None
                raise StreamInterrupted(
                    f"the stream from {self._redacted} broke after {self.received_bytes} "
                    f"bytes ({type(exc).__name__})",
                    received_bytes=self.received_bytes, provider=self.provider) from None
            if opcode == websocket.ABNF.OPCODE_BINARY:
                data = bytes(frame.data)
                self.received_bytes += len(data)
                yield data
            elif opcode == websocket.ABNF.OPCODE_TEXT:
                text = frame.data.decode("utf-8", errors="replace")
                self.stream_errors.on_text(text)
                if on_text is not None:
                    on_text(text)
            elif opcode == websocket.ABNF.OPCODE_CLOSE:
                self._closed = True
                self._stop.set()
                _KEEPALIVE.discard(self)
                code, reason = _close_status(frame.data)
                ws.shutdown()  # type: ignore[no-untyped-call]
                error = self._error_for_close(code, reason)
                if error is None:
                    return
                raise error

    def _require(self) -> websocket.WebSocket:
        if self._ws is None:
            raise ConnectionFailed("the stream is not open", provider=self.provider)
        return self._ws


class _Keepalive:
    """One daemon thread that pings every open session on its interval.

    Shared by all sessions so that opening a stream costs no thread start (which would
    delay the first audio frame).
    """

    TICK = 1.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._due: dict[WebSocketSession, float] = {}
        self._thread: threading.Thread | None = None

    def add(self, session: WebSocketSession) -> None:
        with self._lock:
            self._due[session] = time.monotonic() + session._ping_interval
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="voicekit-ws-keepalive",
                                                daemon=True)
                self._thread.start()

    def discard(self, session: WebSocketSession) -> None:
        with self._lock:
            self._due.pop(session, None)

    def _run(self) -> None:
        while True:
            time.sleep(self.TICK)
            now = time.monotonic()
            with self._lock:
                due = [s for s, at in self._due.items() if at <= now]
            for session in due:
                alive = session._ping()
                with self._lock:
                    if not alive:
                        self._due.pop(session, None)
                    elif session in self._due:
                        self._due[session] = now + session._ping_interval


_KEEPALIVE = _Keepalive()


def _close_status(data: bytes) -> tuple[int, str]:
    if len(data) < 2:
        return 1005, ""  # no status given: treat as abnormal
    (code,) = struct.unpack("!H", data[:2])
    return code, bytes(data[2:]).decode("utf-8", errors="replace")


def simplex_stream(
    session: WebSocketSession,
    *,
    messages: list[Mapping[str, Any]],
    format: str,
    sample_rate: int | None = None,
    on_text: Callable[[str], None] | None = None,
) -> AudioStream:
    """Connect ``session``, send ``messages`` in order, and stream the audio back."""
    session.connect()
    try:
        for message in messages:
            session.send_json(message)
    except BaseException:
        session.close()
        raise
    return AudioStream(session.iter_binary(on_text), format=format, sample_rate=sample_rate,
                       on_close=session.close)


def duplex_stream(
    session: WebSocketSession,
    *,
    first_messages: list[Mapping[str, Any]],
    text_message: Callable[[str], Mapping[str, Any]],
    finish_message: Mapping[str, Any] | None,
    format: str,
    sample_rate: int | None = None,
    on_text: Callable[[str], None] | None = None,
) -> DuplexStream:
    """Connect ``session`` for two-way use: ``send()`` from any thread, iterate from another.

    Sends happen on the caller's thread (websocket-client serialises them with a lock); the
    iteration reads frames as they come, so audio for earlier text arrives while later
    text is still being sent.
    """
    session.connect()
    try:
        for message in first_messages:
            session.send_json(message)
    except BaseException:
        session.close()
        raise

    def send(text: str) -> None:
        session.send_json(text_message(text))

    def finish() -> None:
        if finish_message is not None:
            session.send_json(finish_message)

    return DuplexStream(session.iter_binary(on_text), send=send, finish=finish,
                        abort=session.close, format=format, sample_rate=sample_rate)


