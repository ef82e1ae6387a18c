"""pytest plugin (entry point ``pytest11``): fixtures for testing voicekit providers.

Loaded in every pytest run where voicekit-core is installed, so it imports nothing heavy and
changes nothing unless a fixture is asked for.

Fixtures:
    voicekit_fast_retries: stamina's testing mode (no backoff sleeps) for the test.
    voicekit_clock: a fresh :class:`~voicekit_core.clock.ManualClock`.
    voicekit_emulator: a factory ``voicekit_emulator(EmulatorClass, **kw)`` that starts an
        emulator and stops it after the test.
    voicekit_connect: a factory ``voicekit_connect(emulator, **overrides)`` that connects the
        emulator's provider to it (same clock, valid credentials).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from voicekit_core.clock import ManualClock
    from voicekit_core.provider import Provider
    from voicekit_core.testing.emulator import Emulator


@pytest.fixture
def voicekit_fast_retries() -> Iterator[None]:
    import stamina

    stamina.set_testing(True, attempts=10)
    try:
        yield
    finally:
        stamina.set_testing(False)


@pytest.fixture
def voicekit_clock() -> ManualClock:
    from voicekit_core.clock import ManualClock

    return ManualClock()


@pytest.fixture
def voicekit_emulator() -> Iterator[Callable[..., Emulator]]:
    started: list[Emulator] = []

    def start(cls: type[Emulator], **kwargs: Any) -> Emulator:
        emulator = cls(**kwargs).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture
def voicekit_connect() -> Iterator[Callable[..., Provider]]:
    from voicekit_core.registry import connect

    opened: list[Provider] = []

    def make(emulator: Emulator, **overrides: Any) -> Provider:
        provider = connect(emulator.provider, **emulator.connect_options(**overrides))
        opened.append(provider)
        return provider

    yield make
    for provider in opened:
        provider.close()
