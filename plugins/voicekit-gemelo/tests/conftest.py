"""Fixtures for the Gemelo plugin tests: an emulator and a provider connected to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from voicekit_gemelo.emulator import GemeloEmulator
from voicekit_gemelo.provider import GemeloProvider

import voicekit_core as vk


@pytest.fixture
def gemelo_emulator() -> Iterator[GemeloEmulator]:
    emulator = GemeloEmulator().start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def gemelo(gemelo_emulator: GemeloEmulator, voicekit_fast_retries: None
           ) -> Iterator[GemeloProvider]:
    provider = vk.connect("gemelo", **gemelo_emulator.connect_options())
    assert isinstance(provider, GemeloProvider)
    yield provider
    provider.close()
