"""A loopback HTTP server that answers with exactly the bytes a test scripts (for responses no
well-behaved framework would send: short chunked bodies, junk headers, broken gzip)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress

import attrs


@attrs.define
class Answer:
    """One scripted answer: status line, headers and body as sent (no fixing up)."""

    status: int = 200
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    content_length: bool = True  # add a Content-Length matching the body
    chunked: bool = False  # send the body as one chunk, then close without the last chunk
    cut_after: int | None = None  # close the connection after this many body bytes

    def raw(self) -> bytes:
        lines = [f"HTTP/1.1 {self.status} X".encode()]
        for name, value in self.headers:
            lines.append(f"{name}: {value}".encode("latin-1"))
        if self.chunked:
            lines.append(b"Transfer-Encoding: chunked")
        elif self.content_length and not any(n.lower() == "content-length"
                                             for n, _ in self.headers):
            lines.append(f"Content-Length: {len(self.body)}".encode())
        lines.append(b"Connection: close")
        head = b"\r\n".join(lines) + b"\r\n\r\n"
        body = self.body[: self.cut_after] if self.cut_after is not None else self.body
        if self.chunked:
            body = f"{len(body):x}\r\n".encode() + body + b"\r\n"
            if self.cut_after is None:
                body += b"0\r\n\r\n"
        return head + body


class RawServer:
    """Answers each connection with the next scripted :class:`Answer` (the last repeats)."""

    def __init__(self) -> None:
        self.answers: list[Answer] = []
        self.requests: list[bytes] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._sock.getsockname()[:2]
        return f"http://{host}:{port}"

    def answer(self, *answers: Answer) -> None:
        self.answers = list(answers)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                except OSError:
                    continue
                self.requests.append(data)
                script = self.answers.pop(0) if len(self.answers) > 1 else (
                    self.answers[0] if self.answers else Answer(500))
                with suppress(OSError):
                    conn.sendall(script.raw())

    def start(self) -> RawServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()


@contextmanager
def raw_server() -> Iterator[RawServer]:
    server = RawServer().start()
    try:
        yield server
    finally:
        server.stop()
