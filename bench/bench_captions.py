"""Benchmark: voicekit-captions against a raw ``requests.Session``, on the same emulator.

Figures (ratios: voicekit / raw, so 1.0 means "no overhead"):

* ``list_twins_ratio``: ``list_twins()`` (POST /api/twin/list, parsed into Twin values)
  vs a raw ``requests.Session`` POST with the same header and body, JSON decoded.
* ``twin_status_ratio``: ``job.refresh()`` of a twin job (POST /api/twin/status, parsed
  into a JobUpdate) vs the same raw POST.
* ``list_twins_ms`` / ``raw_post_ms``: the medians behind the first ratio.

The emulator runs in a child process, so it does not share the client's GIL. Medians over
interleaved runs; bounded to well under a minute. Run: ``python bench/bench_captions.py``.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests

import voicekit_core as vk

RUNS = 300
_SERVE = """
import json, sys
from voicekit_captions.emulator import CaptionsEmulator
with CaptionsEmulator() as emulator:
    print(json.dumps({"url": emulator.url, "keys": dict(emulator.credentials)}), flush=True)
    sys.stdin.read()
"""


def _timed(call: Callable[[], object]) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        call()
        return time.perf_counter() - start

    return run


def _median_pair(a: Callable[[], float], b: Callable[[], float], runs: int
                 ) -> tuple[float, float]:
    for _ in range(5):  # warm up connections and caches
        a(), b()
    xs, ys = [], []
    for i in range(runs):
        if i % 2:
            xs.append(a())
            ys.append(b())
        else:
            ys.append(b())
            xs.append(a())
    return statistics.median(xs), statistics.median(ys)


@contextlib.contextmanager
def _emulator() -> Iterator[tuple[str, dict[str, str]]]:
    """A Captions emulator in a child process: (url, credentials)."""
    child = subprocess.Popen([sys.executable, "-c", _SERVE], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line:
            raise RuntimeError("the emulator process did not start")
        info = json.loads(line)
        yield info["url"], info["keys"]
    finally:
        if child.stdin is not None:
            child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def run() -> dict[str, object]:
    """Run the benchmark against a fresh emulator; return the named figures."""
    with _emulator() as (url, keys):
        provider: Any = vk.connect("captions", base_url=url, **keys)
        session = requests.Session()
        headers = {"x-api-key": keys["api_key"], "Content-Type": "application/json"}

        def raw_post(path: str, body: dict[str, str]) -> Callable[[], object]:
            data = json.dumps(body)
            return lambda: session.post(url + path, data=data, headers=headers,
                                        timeout=(10, 60)).json()

        twin_vk, twin_raw = _median_pair(_timed(provider.list_twins),
                                         _timed(raw_post("/twin/list", {})), RUNS)
        job = provider.create_twin(name="bench", video_url="https://media.example.com/b.mp4",
                                   calibration_image_urls=["https://media.example.com/b.png"])
        status_vk, status_raw = _median_pair(
            _timed(job.refresh), _timed(raw_post("/twin/status", {"operationId": job.id})),
            RUNS)
        provider.close()
        session.close()
    return {
        "list_twins_ratio": round(twin_vk / twin_raw, 3),
        "twin_status_ratio": round(status_vk / status_raw, 3),
        "list_twins_ms": round(twin_vk * 1000, 3),
        "raw_post_ms": round(twin_raw * 1000, 3),
        "runs": RUNS,
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
