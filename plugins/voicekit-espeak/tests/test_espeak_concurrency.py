"""espeak-ng is process-global: concurrent calls are serialised and each gets its own audio."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from voicekit_espeak.provider import EspeakProvider

import voicekit_core as vk

TEXTS = [
    "One.",
    "Two words here.",
    "A somewhat longer sentence for the third thread.",
    "Four: the quick brown fox jumps over the lazy dog, twice over.",
    "Five.",
    "Six is a number that sits between five and seven.",
    "Seven seven seven.",
    "Eight threads speaking at once, each with its own text, must never mix their audio.",
]

ReadWav = Callable[[bytes], tuple[int, int, int, bytes]]


def test_eight_threads_get_correct_complete_audio(espeak: EspeakProvider,
                                                  read_wav: ReadWav) -> None:
    # espeak-ng output is not bit-for-bit reproducible (lengths vary by well under 2 %),
    # so each threaded result is compared with the serial one by duration; the texts
    # differ enough in length that any mixing of two syntheses would show.
    serial = [espeak.synthesize(t, voice="en").duration for t in TEXTS]
    barrier = threading.Barrier(len(TEXTS), timeout=30)

    def speak(text: str) -> vk.Audio:
        barrier.wait()
        return espeak.synthesize(text, voice="en")

    for _ in range(2):
        with ThreadPoolExecutor(max_workers=len(TEXTS)) as pool:
            results = list(pool.map(speak, TEXTS, timeout=60))
        for text, audio, expected in zip(TEXTS, results, serial, strict=True):
            rate, _, width, frames = read_wav(audio.data)
            assert rate == espeak.sample_rate
            assert audio.duration == pytest.approx(len(frames) / (rate * width))
            assert audio.duration == pytest.approx(expected, rel=0.03), text


def test_streams_and_synthesize_interleave_safely(espeak: EspeakProvider) -> None:
    expected = espeak.synthesize(TEXTS[7]).duration
    results: list[float | None] = []
    errors: list[BaseException] = []

    def stream() -> None:
        try:
            with espeak.stream_synthesize(TEXTS[7]) as s:
                results.append(s.read().duration)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=stream) for _ in range(4)]
    for t in threads:
        t.start()
    plain = [espeak.synthesize(TEXTS[7]).duration for _ in range(4)]
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert len(results) == 4
    for duration in [*results, *plain]:
        assert duration == pytest.approx(expected, rel=0.03)
