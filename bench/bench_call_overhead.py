"""Per-call overhead of voicekit's HTTP client over a raw ``requests.Session`` (issue 14
item 19; goal <= 1.05x), measured interleaved so machine load hits both alike.

Both send the same JSON POST and GET to the same loopback server (a child process, so it
does not share this process's GIL) and parse the JSON answer. Reported: the median of
``ROUNDS`` rounds of ``BATCH`` calls each, per call, and the ratio.

    python bench/bench_call_overhead.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import requests
from _harness import median_pair
from bench_transport import Server, _client

BATCH = 50
ROUNDS = 60
PAYLOAD = {"text": "hello", "n": 3}


def _calls(fn: object, n: int = 200) -> float:
    """Python function calls per request (deterministic, unlike timings on a busy box)."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(n):
        fn()  # type: ignore[operator]
    profile.disable()
    return pstats.Stats(profile).total_calls / n  # type: ignore[attr-defined,no-any-return]


def main() -> None:
    with Server() as url:
        session = requests.Session()
        client = _client(url)

        def raw_get() -> float:
            start = time.perf_counter()
            for _ in range(BATCH):
                session.get(url + "/ping", headers={"X-API-Key": "bench"},
                            timeout=(10, 60)).json()
            return (time.perf_counter() - start) / BATCH

        def vk_get() -> float:
            start = time.perf_counter()
            for _ in range(BATCH):
                client.json("GET", "/ping")
            return (time.perf_counter() - start) / BATCH

        def raw_post() -> float:
            start = time.perf_counter()
            for _ in range(BATCH):
                session.post(url + "/echo", data=json.dumps(PAYLOAD), timeout=(10, 60),
                             headers={"X-API-Key": "bench",
                                      "Content-Type": "application/json"}).json()
            return (time.perf_counter() - start) / BATCH

        def vk_post() -> float:
            start = time.perf_counter()
            for _ in range(BATCH):
                client.json("POST", "/echo", json=PAYLOAD)
            return (time.perf_counter() - start) / BATCH

        for name, raw, ours in (("get", raw_get, vk_get), ("post", raw_post, vk_post)):
            raw_calls, vk_calls = _calls(raw), _calls(ours)
            print(f"http_{name}_calls_ratio: {vk_calls / raw_calls:.3f} "
                  f"({vk_calls:.0f} vs {raw_calls:.0f} function calls per batch)")
            r, v = median_pair(raw, ours, ROUNDS)
            print(f"http_{name}_raw_us_per_call: {r * 1e6:.1f}")
            print(f"http_{name}_voicekit_us_per_call: {v * 1e6:.1f}")
            print(f"http_{name}_ratio: {v / r:.3f}")


if __name__ == "__main__":
    main()
