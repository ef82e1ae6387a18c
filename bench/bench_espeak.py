"""espeak benchmark: real-time factor of synthesize and time to first chunk of streaming.

Run: ``python bench/bench_espeak.py`` (needs ``pip install plugins/voicekit-espeak``).

Figures:
    init_seconds: loading and initialising libespeak-ng (first use in the process).
    synthesize_rtf_<size>: seconds of audio produced per second of wall time (higher is
        faster; 1.0 is real time), median of several runs, for a short sentence and a
        paragraph.
    stream_first_chunk_ms / synthesize_total_ms: time from ``stream_synthesize()`` to the
        first PCM chunk (after the WAV header) vs the whole ``synthesize()`` of the same
        paragraph; ``stream_first_chunk_ratio`` is their ratio (lower is better).
    duplex_first_chunk_ms: from ``send()`` of the first piece to its first PCM chunk.
    concurrent_8_threads_rtf: audio seconds per wall second with 8 threads synthesising at
        once (espeak's global lock serialises them: close to the serial figure).
"""

from __future__ import annotations

import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

SHORT = "Hello from voicekit."
PARAGRAPH = (
    "The embedded voice of voicekit runs espeak-ng inside the Python process. It needs no "
    "account and no network, and it speaks more than a hundred languages. Audio is handed "
    "over in chunks of about a tenth of a second, as the engine produces them. "
) * 4
RUNS = 7


def _median_rtf(provider: Any, text: str) -> float:
    figures = []
    for _ in range(RUNS):
        start = time.perf_counter()
        audio = provider.synthesize(text)
        figures.append(audio.duration / (time.perf_counter() - start))
    return round(statistics.median(figures), 1)


def _first_chunk_ms(provider: Any, text: str) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        with provider.stream_synthesize(text) as stream:
            next(stream)  # WAV header: produced before any synthesis
            next(stream)  # first PCM chunk
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _total_ms(provider: Any, text: str) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        provider.synthesize(text)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _duplex_first_chunk_ms(provider: Any) -> float:
    times = []
    for _ in range(RUNS):
        with provider.open_stream(format="pcm") as duplex:
            start = time.perf_counter()
            duplex.send(PARAGRAPH)
            next(duplex)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _concurrent_rtf(provider: Any, threads: int = 8) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        audios = list(pool.map(lambda _: provider.synthesize(PARAGRAPH), range(threads)))
    return round(sum(a.duration for a in audios) / (time.perf_counter() - start), 1)


def run() -> dict[str, object]:
    import voicekit_core as vk

    provider = vk.connect("espeak")
    start = time.perf_counter()
    sample_rate = provider.sample_rate  # first use: loads and initialises espeak-ng
    init = time.perf_counter() - start
    first = _first_chunk_ms(provider, PARAGRAPH)
    total = _total_ms(provider, PARAGRAPH)
    return {
        "espeak_version": provider.version,
        "sample_rate": sample_rate,
        "init_seconds": round(init, 3),
        "synthesize_rtf_short": _median_rtf(provider, SHORT),
        "synthesize_rtf_paragraph": _median_rtf(provider, PARAGRAPH),
        "paragraph_audio_seconds": round(provider.synthesize(PARAGRAPH).duration, 2),
        "stream_first_chunk_ms": round(first, 2),
        "synthesize_total_ms": round(total, 2),
        "stream_first_chunk_ratio": round(first / total, 3),
        "duplex_first_chunk_ms": round(_duplex_first_chunk_ms(provider), 2),
        "concurrent_8_threads_rtf": _concurrent_rtf(provider),
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
    sys.exit(0)
