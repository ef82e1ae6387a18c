"""Fixtures for the Beautyface plugin tests: an emulator and a provider connected to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import voicekit_core as vk

from voicekit_beautyface.emulator import BeautyfaceEmulator
from voicekit_beautyface.provider import BeautyfaceProvider


@pytest.fixture
def bf_emulator() -> Iterator[BeautyfaceEmulator]:
    emulator = BeautyfaceEmulator()
    with emulator:
        yield emulator


@pytest.fixture
def bf(bf_emulator: BeautyfaceEmulator, voicekit_fast_retries: None
       ) -> Iterator[BeautyfaceProvider]:
    provider = vk.connect("beautyface", **bf_emulator.connect_options())
    assert isinstance(provider, BeautyfaceProvider)
    yield provider
    provider.close()
