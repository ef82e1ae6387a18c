"""Fixtures for the Gemelo plugin tests: an emulator and a provider connected to it (built
on voicekit's own ``voicekit_emulator`` / ``voicekit_connect`` fixtures)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from voicekit_gemelo.emulator import GemeloEmulator
from voicekit_gemelo.provider import GemeloProvider


@pytest.fixture
def gemelo_emulator(voicekit_emulator: Callable[..., Any]) -> GemeloEmulator:
    emulator = voicekit_emulator(GemeloEmulator)
    assert isinstance(emulator, GemeloEmulator)
    return emulator


@pytest.fixture
def gemelo(gemelo_emulator: GemeloEmulator, voicekit_connect: Callable[..., Any],
           voicekit_fast_retries: None) -> GemeloProvider:
    provider = voicekit_connect(gemelo_emulator)
    assert isinstance(provider, GemeloProvider)
    return provider
