"""Shared fixtures of the espeak tests: a provider and small audio measurements."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from voicekit_espeak.provider import EspeakProvider

import voicekit_core as vk
from voicekit_core.testing import media


@pytest.fixture
def espeak() -> Iterator[EspeakProvider]:
    provider = vk.connect("espeak")
    assert isinstance(provider, EspeakProvider)
    yield provider
    provider.close()


def _segments(pcm: bytes, rate: int, *, min_gap_ms: int = 120) -> list[int]:
    """Durations (ms) of the loud stretches of ``pcm`` separated by >= min_gap_ms of quiet."""
    samples = media.pcm_samples(pcm)
    window = rate // 100  # 10 ms
    loud = [max((abs(s) for s in samples[i : i + window]), default=0) > 64
            for i in range(0, len(samples), window)]
    segments: list[list[int]] = []
    gap = 0
    for i, is_loud in enumerate(loud):
        if is_loud:
            if segments and gap * 10 < min_gap_ms:
                segments[-1][1] = i
            else:
                segments.append([i, i])
            gap = 0
        else:
            gap += 1
    return [(end - start + 1) * 10 for start, end in segments]


@pytest.fixture
def rms() -> Callable[[bytes], float]:
    return media.rms


@pytest.fixture
def read_wav() -> Callable[[bytes], tuple[int, int, int, bytes]]:
    return media.read_wav


@pytest.fixture
def segments() -> Callable[..., list[int]]:
    return _segments
