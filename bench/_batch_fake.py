"""A vendor with a fixed latency, for bench_batch.py (not itself a benchmark).

:func:`serve` starts a loopback HTTP server (stdlib, one thread per request) whose
``POST /tts`` answers a short WAV after ``latency`` seconds; ``python _batch_fake.py L``
serves it in its own process (printing its URL), so it does not share the measuring
process's GIL. :class:`LatencyProvider` speaks through it with voicekit's transport.
Dask workers import this module by name.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from typing import Any

import voicekit_core as vk
from voicekit_core.testing.media import tone_wav

INFO = vk.ProviderInfo(name="latency", factory="_batch_fake:LatencyProvider",
                       capabilities=("Synthesize",), summary="fixed-latency bench vendor")
_AUDIO = tone_wav(0.05)


class LatencyProvider(vk.Provider, vk.Synthesize):
    """1 credit per item, reported in a ``credits_spent`` event."""

    info = INFO

    def estimate(self, operation: str, **args: Any) -> vk.Cost | None:
        return vk.Cost(credits=1.0) if operation == "synthesize" else None

    def synthesize(self, text: str, *, voice: str | vk.Voice, format: str | None = None,
                   **options: Any) -> vk.Audio:
        options.pop("max_credits", None)
        response = self.http.request("POST", "/tts", json={"text": text,
                                                           "voice": self.voice_id(voice)})
        self._emit("credits_spent", credits=1.0, operation="synthesize")
        return vk.Audio(data=response.content, format="wav")


def serve(latency: float) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Start the server; return it and its URL (``server.shutdown()`` stops it)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body go out in two writes: with Nagle's algorithm on, the body
        # waits for the client's delayed ACK (~40 ms on Linux) and every call would
        # take L + 40 ms
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            size = int(self.headers.get("Content-Length") or 0)
            json.loads(self.rfile.read(size) or b"{}")
            time.sleep(latency)
            self.send_response(200)
            self.send_header("Content-Type", "audio/wav")
            self.send_header("Content-Length", str(len(_AUDIO)))
            self.end_headers()
            self.wfile.write(_AUDIO)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


if __name__ == "__main__":
    import sys

    server, url = serve(float(sys.argv[1]))
    print(url, flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    server.shutdown()
