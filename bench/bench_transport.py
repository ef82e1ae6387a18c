"""Core transport benchmark: voicekit's HttpClient and WebSocketSession against raw
requests / websocket-client on the same loopback server, and memory while moving 500 MB.

Run: ``python bench/bench_transport.py`` (or through ``python bench/run_all.py``).
The server runs in a separate process so it does not share the client's GIL.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CALLS = 2000
TRANSFER_MB = 500


def serve(port_file: str) -> None:
    """The loopback server (run in a child process)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket

    async def ping(request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def echo(request: Request) -> Response:
        return JSONResponse({"got": len(await request.body())})

    async def big(request: Request) -> Response:
        size = int(request.query_params["mb"]) * 1024 * 1024
        block = b"\0" * (1024 * 1024)

        async def body() -> Any:
            for _ in range(size // len(block)):
                yield block

        return StreamingResponse(body(), media_type="application/octet-stream",
                                 headers={"Content-Length": str(size)})

    async def sink(request: Request) -> Response:
        total = 0
        async for chunk in request.stream():
            total += len(chunk)
        return JSONResponse({"got": total})

    async def ws(socket: WebSocket) -> None:
        await socket.accept()
        await socket.receive_text()
        await socket.send_bytes(b"RIFF" + b"\0" * 1020)
        await socket.close(code=1000)

    app = Starlette(routes=[Route("/ping", ping), Route("/echo", echo, methods=["POST"]),
                            Route("/big", big), Route("/sink", sink, methods=["PUT"]),
                            WebSocketRoute("/ws", ws)])
    from voicekit_core.testing.emulator import ServerThread

    server = ServerThread(app).start()
    Path(port_file).write_text(str(server.port))
    while True:
        time.sleep(3600)


class Server:
    def __enter__(self) -> str:
        fd, self._port_file = tempfile.mkstemp()
        os.close(fd)
        os.unlink(self._port_file)
        self._proc = subprocess.Popen([sys.executable, __file__, "--serve", self._port_file])
        deadline = time.monotonic() + 20
        while not os.path.exists(self._port_file) or not Path(self._port_file).read_text():
            if time.monotonic() > deadline:
                raise RuntimeError("bench server did not start")
            time.sleep(0.05)
        return f"http://127.0.0.1:{Path(self._port_file).read_text()}"

    def __exit__(self, *exc: object) -> None:
        self._proc.terminate()
        self._proc.wait(10)
        os.unlink(self._port_file)


def _client(url: str) -> Any:
    from voicekit_core.http import HttpClient

    return HttpClient(url, provider="bench", auth=lambda: {"X-API-Key": "bench"})


def _best_of(runs: int, fn: Any) -> float:
    return min(fn() for _ in range(runs))


def http_overhead(url: str) -> dict[str, float]:
    import requests

    client = _client(url)
    session = requests.Session()
    payload = {"text": "hello world", "voice": "v1"}

    def raw_get() -> float:
        t = time.perf_counter()
        for _ in range(CALLS):
            session.get(url + "/ping", headers={"X-API-Key": "bench"}, timeout=(10, 60)).json()
        return time.perf_counter() - t

    def vk_get() -> float:
        t = time.perf_counter()
        for _ in range(CALLS):
            client.json("GET", "/ping")
        return time.perf_counter() - t

    def raw_post() -> float:
        t = time.perf_counter()
        for _ in range(CALLS):
            session.post(url + "/echo", data=json.dumps(payload), timeout=(10, 60),
                         headers={"X-API-Key": "bench",
                                  "Content-Type": "application/json"}).json()
        return time.perf_counter() - t

    def vk_post() -> float:
        t = time.perf_counter()
        for _ in range(CALLS):
            client.json("POST", "/echo", json=payload)
        return time.perf_counter() - t

    vk_get(), raw_get()  # warm up connections
    results = {}
    for name, raw, ours in (("get", raw_get, vk_get), ("post", raw_post, vk_post)):
        raw_s = _best_of(3, raw)
        vk_s = _best_of(3, ours)
        results[f"http_{name}_raw_us_per_call"] = round(raw_s / CALLS * 1e6, 1)
        results[f"http_{name}_voicekit_us_per_call"] = round(vk_s / CALLS * 1e6, 1)
        results[f"http_{name}_ratio"] = round(vk_s / raw_s, 3)
    return results


def websocket_first_frame(url: str) -> dict[str, float]:
    import websocket

    from voicekit_core.websocket import WebSocketSession

    ws_url = "ws://" + url[len("http://"):] + "/ws"

    def raw() -> float:
        t = time.perf_counter()
        ws = websocket.create_connection(ws_url, timeout=10)
        ws.send("go")
        ws.recv()
        elapsed = time.perf_counter() - t
        ws.close()
        return elapsed

    def ours() -> float:
        t = time.perf_counter()
        session = WebSocketSession(ws_url, provider="bench", timeout=10).connect()
        session.send_text("go")
        next(session.iter_binary())
        elapsed = time.perf_counter() - t
        session.close()
        return elapsed

    raw_s = statistics.median(raw() for _ in range(200))
    vk_s = statistics.median(ours() for _ in range(200))
    return {"ws_first_frame_raw_ms": round(raw_s * 1e3, 3),
            "ws_first_frame_voicekit_ms": round(vk_s * 1e3, 3),
            "ws_first_frame_ratio": round(vk_s / raw_s, 3)}


def _peak_rss_child(mode: str, url: str) -> dict[str, float]:
    """Run one 500 MB transfer in a fresh process; return its RSS before and at peak."""
    out = subprocess.run([sys.executable, __file__, "--transfer", mode, url],
                         capture_output=True, text=True, check=True, timeout=600)
    return json.loads(out.stdout)


def transfer(mode: str, url: str) -> None:
    from voicekit_core.audio import AudioSource

    client = _client(url)
    client.json("GET", "/ping")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "blob.bin"
        if mode == "download":
            client.download(f"/big?mb={TRANSFER_MB}", path)
            assert path.stat().st_size == TRANSFER_MB * 1024 * 1024
        else:
            with open(path, "wb") as f:
                f.truncate(TRANSFER_MB * 1024 * 1024)
            got = client.upload(url + "/sink", AudioSource.from_input(path)).json()["got"]
            assert got == TRANSFER_MB * 1024 * 1024
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rss_before_mb": round(before, 1), "rss_peak_mb": round(peak, 1),
                      "seconds": round(seconds, 2)}))


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    with Server() as url:
        results.update(http_overhead(url))
        results.update(websocket_first_frame(url))
        for mode in ("download", "upload"):
            figures = _peak_rss_child(mode, url)
            results[f"{mode}_{TRANSFER_MB}mb_rss_before_mb"] = figures["rss_before_mb"]
            results[f"{mode}_{TRANSFER_MB}mb_rss_peak_mb"] = figures["rss_peak_mb"]
            results[f"{mode}_{TRANSFER_MB}mb_seconds"] = figures["seconds"]
    return results


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--serve":
        serve(sys.argv[2])
    elif len(sys.argv) > 3 and sys.argv[1] == "--transfer":
        transfer(sys.argv[2], sys.argv[3])
    else:
        for key, value in run().items():
            print(f"{key}: {value}")
