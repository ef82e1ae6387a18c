"""Adapters benchmark: StreamAdapter time to first audio vs synthesizing the first sentence alone.

Figures (ratios: adapter / floor, so 1.0 means "no overhead"; goal for the stream ratios:
at most 1.1):

* ``espeak_stream_first_audio_ratio``: ``vk.adapters.stream(espeak).stream_synthesize(P)``
  until its first PCM chunk, vs ``espeak.synthesize(first sentence of P)``, for a
  multi-sentence paragraph P (plus the two times in ms).
* ``gemelo_stream_first_audio_ratio``: the same over HTTP, with the Gemelo emulator in a
  child process (skipped when voicekit-gemelo is not installed).
* ``adapter_overhead_ms``: the same difference (stream first audio minus synthesize of the
  first sentence) for an in-process provider that answers instantly: the adapter's own cost.
* ``espeak_split_ratio``: ``synthesize(P, split=True)`` with 80-character pieces vs the
  sum of ``synthesize()`` of the same pieces one by one (the cost of planning and joining).
* ``cache_hit_ms``: ``synthesize()`` through ``vk.adapters.cached`` when the entry exists.

Medians over interleaved runs. Run: ``python bench/bench_adapters.py``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from _harness import median_pair

import voicekit_core as vk
from voicekit_core.longtext import plan
from voicekit_core.sentences import split_sentences

PARAGRAPH = (
    "The adapter speaks the first sentence at once. Meanwhile the next one is already "
    "being synthesized on a worker thread. A listener hears no gap between them. "
    "Long texts are cut at sentence boundaries, never inside a word. That is all."
)
RUNS = 60


def _first_audio(adapter: Any, text: str, **kwargs: Any) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        with adapter.stream_synthesize(text, **kwargs) as stream:
            next(stream)  # WAV header (comes with the first sentence's audio)
            next(stream)  # first PCM
            first = time.perf_counter() - start
            for _ in stream:  # the rest, untimed: no work left over for the next run
                pass
        return first

    return run


def _synthesize(provider: Any, text: str, **kwargs: Any) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        provider.synthesize(text, **kwargs)
        return time.perf_counter() - start

    return run


def _stream_figures(prefix: str, provider: Any, **kwargs: Any) -> dict[str, object]:
    first_sentence = split_sentences(PARAGRAPH)[0]
    adapter = vk.adapters.stream(provider)
    stream_s, alone_s = median_pair(_first_audio(adapter, PARAGRAPH, **kwargs),
                                    _synthesize(provider, first_sentence, **kwargs), RUNS)
    return {
        f"{prefix}_stream_first_audio_ms": round(stream_s * 1000, 2),
        f"{prefix}_first_sentence_synthesize_ms": round(alone_s * 1000, 2),
        f"{prefix}_stream_first_audio_ratio": round(stream_s / alone_s, 3),
    }


def _gemelo() -> dict[str, object]:
    try:
        import voicekit_gemelo  # noqa: F401
    except ImportError:
        return {"gemelo": "skipped: voicekit-gemelo is not installed"}
    from _harness import child_emulator

    setup = ("from voicekit_gemelo.emulator import GemeloEmulator\n"
             "emu = GemeloEmulator(credits=1e12).start()")
    with child_emulator(setup) as child:
        provider = vk.connect("gemelo", base_url=child["url"], **child["keys"])
        try:
            return _stream_figures("gemelo", provider, voice=35)
        finally:
            provider.close()


def _instant_overhead_ms() -> float:
    from voicekit_core.testing.media import tone_wav

    wav = tone_wav(0.5)

    class Instant(vk.Provider, vk.Synthesize):
        info = vk.ProviderInfo(name="instant", factory="bench:Instant",
                               capabilities=("Synthesize",))
        remote = False

        def synthesize(self, text: str, *, voice: Any = None, format: str | None = None,
                       **options: Any) -> vk.Audio:
            return vk.Audio(data=wav, format="wav")

    provider = Instant()
    stream_s, alone_s = median_pair(_first_audio(vk.adapters.stream(provider), PARAGRAPH),
                                    _synthesize(provider, split_sentences(PARAGRAPH)[0]),
                                    RUNS * 5)
    return round((stream_s - alone_s) * 1000, 3)


def run() -> dict[str, object]:
    espeak = vk.connect("espeak")
    espeak.synthesize("Warm up.")  # loads espeak-ng
    figures = _stream_figures("espeak", espeak)
    figures.update(_gemelo())
    figures["adapter_overhead_ms"] = _instant_overhead_ms()

    pieces = plan(espeak, PARAGRAPH, max_chars=80)

    def split() -> float:
        start = time.perf_counter()
        espeak.synthesize(PARAGRAPH, split=True, max_chars=80)
        return time.perf_counter() - start

    def one_by_one() -> float:
        start = time.perf_counter()
        for piece in pieces:
            espeak.synthesize(piece)
        return time.perf_counter() - start

    split_s, pieces_s = median_pair(split, one_by_one, 7, warmup=1)
    figures["espeak_split_pieces"] = len(pieces)
    figures["espeak_split_ratio"] = round(split_s / pieces_s, 3)

    with tempfile.TemporaryDirectory() as folder:
        cached = vk.adapters.cached(espeak, folder)
        cached.synthesize(PARAGRAPH)
        hits = []
        for _ in range(RUNS):
            start = time.perf_counter()
            cached.synthesize(PARAGRAPH)
            hits.append(time.perf_counter() - start)
        figures["cache_hit_ms"] = round(statistics.median(hits) * 1000, 3)
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
    sys.exit(0)
