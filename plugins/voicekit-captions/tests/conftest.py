"""Fixtures of the Captions tests: an emulator and a provider connected to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import voicekit_core as vk

from voicekit_captions.emulator import CaptionsEmulator
from voicekit_captions.provider import CaptionsProvider


@pytest.fixture
def emulator() -> Iterator[CaptionsEmulator]:
    with CaptionsEmulator() as emu:
        yield emu  # type: ignore[misc]


@pytest.fixture
def connect(voicekit_fast_retries: None) -> Iterator[Callable[..., CaptionsProvider]]:
    opened: list[CaptionsProvider] = []

    def make(emu: CaptionsEmulator, **overrides: Any) -> CaptionsProvider:
        provider = vk.connect("captions", **emu.connect_options(**overrides))
        assert isinstance(provider, CaptionsProvider)
        opened.append(provider)
        return provider

    yield make
    for provider in opened:
        provider.close()


@pytest.fixture
def captions(emulator: CaptionsEmulator,
             connect: Callable[..., CaptionsProvider]) -> CaptionsProvider:
    return connect(emulator)
