"""A loopback HTTP server that answers each request with the next queued raw response.

:class:`FuzzResponse` is written byte for byte (any status, any header, broken framing), so
a client meets what no well-behaved framework would send: lying ``Content-Length``, broken
chunking, 1xx answers followed by nothing, bodies cut by a closed connection. Every answer
closes its connection. Requests are parsed with h11 (read fully before answering).

A WebSocket upgrade request met by a response with ``ws`` frames is accepted (101 with the
right ``Sec-WebSocket-Accept``) and then gets those frames raw: junk binary or text, JSON
error frames, close frames with any code and reason, frames cut short.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import hashlib
import http
import socket
import threading
from collections.abc import Iterable

import attrs
import h11

__all__ = ["FRAMINGS", "FuzzResponse", "FuzzServer", "ws_frame"]

_WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def ws_frame(opcode: int, payload: bytes, *, fin: bool = True, cut: bool = False) -> bytes:
    """One unmasked server frame (``cut``: its payload shorter than its length says)."""
    head = bytes([(0x80 if fin else 0) | (opcode & 0x0F)])
    size = len(payload) + (10 if cut else 0)
    if size < 126:
        head += bytes([size])
    elif size < 65536:
        head += bytes([126]) + size.to_bytes(2, "big")
    else:
        head += bytes([127]) + size.to_bytes(8, "big")
    return head + payload

#: how a body is framed on the wire
FRAMINGS = ("length", "close", "short", "long", "chunked", "chunked-bad")


@attrs.frozen
class FuzzResponse:
    """One raw HTTP answer.

    ``framing``: ``length`` (a correct Content-Length unless ``headers`` set one),
    ``close`` (no length: the body ends when the connection closes), ``short``
    (Content-Length larger than the body: a cut answer), ``long`` (Content-Length smaller
    than the body), ``chunked`` / ``chunked-bad`` (chunked encoding, well-formed or not).
    """

    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    framing: str = "length"
    #: raw frames sent after accepting a WebSocket upgrade (None: answer it as HTTP)
    ws: tuple[bytes, ...] | None = None

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def to_bytes(self) -> bytes:
        """The answer as sent on the wire."""
        try:
            reason = http.HTTPStatus(self.status).phrase
        except ValueError:
            reason = "Odd"
        lines = [f"HTTP/1.1 {self.status} {reason}"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        body = self.body
        has_length = self.header("content-length") is not None
        if self.framing == "length" and not has_length:
            lines.append(f"Content-Length: {len(body)}")
        elif self.framing == "short":
            lines.append(f"Content-Length: {len(body) * 2 + 10}")
        elif self.framing == "long":
            lines.append(f"Content-Length: {len(body) // 2}")
        elif self.framing.startswith("chunked"):
            lines.append("Transfer-Encoding: chunked")
            if self.framing == "chunked":
                body = (f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
                        if body else b"0\r\n\r\n")
            else:
                body = f"{len(body) + 7:x}zz\r\n".encode() + body + b"\r\n"
        lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogatepass")
        return head + body

    def summary(self, limit: int = 160) -> str:
        """A short, printable description (for reports)."""
        body = self.body[:limit]
        more = f"...(+{len(self.body) - limit} bytes)" if len(self.body) > limit else ""
        headers = ", ".join(f"{k}: {v[:60]!r}" for k, v in self.headers)
        frames = "" if self.ws is None else f" ws={[f[:40] for f in self.ws[:4]]!r}"
        return f"{self.status} [{self.framing}] {{{headers}}} {body!r}{more}{frames}"

    def accept(self, key: str) -> bytes:
        """The 101 answer to a WebSocket upgrade with ``key``, then the frames."""
        digest = hashlib.sha1((key + _WS_GUID).encode("latin-1")).digest()
        accept = base64.b64encode(digest).decode()
        head = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n")
        return head.encode() + b"".join(self.ws or ())


FALLBACK = FuzzResponse(404, (("Content-Type", "application/json"),),
                        b'{"message": "fuzz: no answer queued", "code": "not_found"}')


class FuzzServer:
    """Serves queued :class:`FuzzResponse` objects on 127.0.0.1 (OS-chosen port).

    ``reset(responses)`` replaces the queue; each request takes the next one (``fallback``
    once the queue is empty). ``hits`` counts requests; ``paths`` keeps the last 1000
    ``(method, target)``. Use as a context manager, or ``start()`` / ``stop()``.
    """

    def __init__(self, *, fallback: FuzzResponse = FALLBACK, timeout: float = 5.0) -> None:
        self.fallback = fallback
        self.timeout = timeout
        self.hits = 0
        self.paths: collections.deque[tuple[str, str]] = collections.deque(maxlen=1000)
        self._queue: collections.deque[FuzzResponse] = collections.deque()
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(256)
        self.port: int = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, name="voicekit-fuzz",
                                        daemon=True)
        self._closed = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FuzzServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._thread.join(2.0)

    def __enter__(self) -> FuzzServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self, responses: Iterable[FuzzResponse] = ()) -> None:
        """Replace the queue (and zero ``hits``)."""
        with self._lock:
            self._queue.clear()
            self._queue.extend(responses)
            self.hits = 0

    def push(self, *responses: FuzzResponse) -> None:
        """Append to the queue."""
        with self._lock:
            self._queue.extend(responses)

    def _next(self, method: str, target: str) -> FuzzResponse:
        with self._lock:
            self.hits += 1
            self.paths.append((method, target))
            return self._queue.popleft() if self._queue else self.fallback

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(self.timeout)
        parser = h11.Connection(h11.SERVER, max_incomplete_event_size=1 << 20)
        method = target = ""
        key: str | None = None
        try:
            while True:
                event = parser.next_event()
                if event is h11.NEED_DATA:
                    data = conn.recv(1 << 16)
                    if not data:
                        return
                    parser.receive_data(data)
                    continue
                if isinstance(event, h11.Request):
                    method = event.method.decode("latin-1")
                    target = event.target.decode("latin-1")
                    key = next((v.decode("latin-1") for k, v in event.headers
                                if k == b"sec-websocket-key"), None)
                elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)) \
                        or event is h11.PAUSED:
                    break
            answer = self._next(method, target)
            conn.sendall(answer.accept(key) if key is not None and answer.ws is not None
                         else answer.to_bytes())
            conn.shutdown(socket.SHUT_WR)
        except (OSError, h11.RemoteProtocolError):
            return
        finally:
            conn.close()
