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

import json
from collections.abc import Callable
from typing import Any

import requests
from _harness import child_emulator, median_pair, timed

import voicekit_core as vk

RUNS = 300
_SETUP = """
from voicekit_captions.emulator import CaptionsEmulator
emu = CaptionsEmulator().start()
"""


def run() -> dict[str, object]:
    """Run the benchmark against a fresh emulator; return the named figures."""
    with child_emulator(_SETUP) as child:
        url, keys = child["url"], child["keys"]
        provider: Any = vk.connect("captions", base_url=url, **keys)
        session = requests.Session()
        headers = {"x-api-key": keys["api_key"], "Content-Type": "application/json"}

        def raw_post(path: str, body: dict[str, str]) -> Callable[[], object]:
            data = json.dumps(body)
            return lambda: session.post(url + path, data=data, headers=headers,
                                        timeout=(10, 60)).json()

        twin_vk, twin_raw = median_pair(timed(provider.list_twins),
                                         timed(raw_post("/twin/list", {})), RUNS)
        job = provider.create_twin(name="bench", video_url="https://media.example.com/b.mp4",
                                   calibration_image_urls=["https://media.example.com/b.png"])
        status_vk, status_raw = median_pair(
            timed(job.refresh), timed(raw_post("/twin/status", {"operationId": job.id})),
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
