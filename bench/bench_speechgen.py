"""Speechgen benchmark: per-call overhead of synthesize, and the cost of clone validation.

Run: ``python bench/bench_speechgen.py`` (needs ``pip install plugins/voicekit-speechgen``
and ``voicekit-core[testing]`` for the emulator).

Figures:
    synthesize_ms / raw_post_ms: median time of ``provider.synthesize()`` vs a raw
        ``requests.Session().post()`` of the same JSON to the same emulator (served by a
        separate process), reading the same headers; ``synthesize_overhead_ratio`` is
        their ratio (1.0 = no overhead).
    clone_check_<file>_bytes_read / _ms: bytes read from the sample, and the median time,
        of ``check_clone_sample()`` (format, size, duration: what ``clone_voice`` checks
        before any request) for files of 1 MB and 10 MB (WAV, within limits), a 10 MB MP3
        (refused: too long) and a file just over 10 MB (refused: too large).
    clone_check_time_ratio_10mb_vs_1mb: validation time of the 10 MB WAV over the 1 MB
        one (about 1: the cost does not grow with the file).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _harness import child_emulator, median_pair

from voicekit_core.testing.media import CountingFile

_SETUP = """
from voicekit_speechgen.emulator import SpeechgenEmulator
emu = SpeechgenEmulator(credits=10**9).start()
"""
TEXT = "Hello from voicekit, speaking through Speechgen."
CALLS = 300
MB = 1024 * 1024


def synthesize_overhead(url: str, key: str) -> dict[str, float]:
    import requests

    import voicekit_core as vk

    provider: Any = vk.connect("speechgen", base_url=url, api_key=key)
    session = requests.Session()
    headers = {"Authorization": f"Bearer {key}"}
    payload = {"text": TEXT, "voice": "en-US-aria", "format": "mp3"}

    def raw() -> float:
        start = time.perf_counter()
        response = session.post(f"{url}/text-to-speech", json=payload, headers=headers,
                                timeout=(10, 60))
        response.raise_for_status()
        _ = (response.content, float(response.headers["X-Audio-Duration"]),
             int(response.headers["X-Characters-Used"]))
        return time.perf_counter() - start

    def ours() -> float:
        start = time.perf_counter()
        provider.synthesize(TEXT, voice="en-US-aria", format="mp3")
        return time.perf_counter() - start

    raw_s, our_s = median_pair(raw, ours, CALLS, warmup=20)
    provider.close()
    session.close()
    return {"raw_post_ms": round(raw_s * 1000, 3), "synthesize_ms": round(our_s * 1000, 3),
            "synthesize_overhead_ratio": round(our_s / raw_s, 3)}


def _wav(path: Path, size: int, *, rate: int = 44100, channels: int = 2) -> Path:
    from voicekit_core.audio import wav_header

    header = wav_header(sample_rate=rate, channels=channels, data_size=size - 44)
    noise = os.urandom(MB)
    with path.open("wb") as f:
        f.write(header)
        left = size - len(header)
        while left > 0:
            left -= f.write(noise[: min(left, MB)])
    return path


def _mp3(path: Path, size: int) -> Path:
    from voicekit_core.testing.media import mp3_bytes

    frame = mp3_bytes(0.01)[:417]
    path.write_bytes(frame * (size // len(frame)))
    return path


def clone_validation() -> dict[str, float]:
    from voicekit_speechgen.provider import (  # type: ignore[import-not-found]
        SpeechgenProvider,
    )

    import voicekit_core as vk
    from voicekit_core.errors import InvalidInput

    provider: Any = vk.connect("speechgen", base_url="https://api.speechgen.com/v1",
                          api_key="sk_test_bench_no_requests_are_made")
    assert isinstance(provider, SpeechgenProvider)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        files = {
            "wav_1mb": _wav(Path(tmp) / "a.wav", 1 * MB, rate=8000, channels=1),  # 65 s
            "wav_10mb": _wav(Path(tmp) / "b.wav", 10 * MB),  # 59 s
            "mp3_10mb": _mp3(Path(tmp) / "c.mp3", 10 * MB),
            "wav_over_10mb": _wav(Path(tmp) / "d.wav", 10 * MB + 1),
        }
        for path in files.values():  # warm up (imports, caches) before measuring
            with contextlib.suppress(InvalidInput):
                provider.check_clone_sample(path)
        for name, path in files.items():
            times, read = [], 0
            for _ in range(15):
                counting = CountingFile(path)
                start = time.perf_counter()
                with contextlib.suppress(InvalidInput):
                    provider.check_clone_sample(counting)
                times.append(time.perf_counter() - start)
                read = counting.bytes_read
                counting.close()
            results[f"clone_check_{name}_bytes_read"] = read
            results[f"clone_check_{name}_file_bytes"] = path.stat().st_size
            results[f"clone_check_{name}_ms"] = round(statistics.median(times) * 1000, 3)
    results["clone_check_time_ratio_10mb_vs_1mb"] = round(
        results["clone_check_wav_10mb_ms"] / results["clone_check_wav_1mb_ms"], 2)
    return results


def run() -> dict[str, object]:
    """All figures, in one run (about 10 s)."""
    with child_emulator(_SETUP) as child:
        figures: dict[str, object] = dict(synthesize_overhead(child["url"],
                                                              child["keys"]["api_key"]))
    figures.update(clone_validation())
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
