"""Fixtures for the Speechgen plugin tests: an emulator and a provider connected to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import voicekit_core as vk

from voicekit_speechgen.emulator import SpeechgenEmulator
from voicekit_speechgen.provider import SpeechgenProvider


@pytest.fixture
def speechgen_emulator() -> Iterator[SpeechgenEmulator]:
    with SpeechgenEmulator() as emulator:
        yield emulator


@pytest.fixture
def speechgen(speechgen_emulator: SpeechgenEmulator, voicekit_fast_retries: None
              ) -> Iterator[SpeechgenProvider]:
    provider = vk.connect("speechgen", **speechgen_emulator.connect_options())
    assert isinstance(provider, SpeechgenProvider)
    yield provider
    provider.close()
