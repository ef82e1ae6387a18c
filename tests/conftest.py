from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fakevendor import FakeEmulator, FakePlugin

import voicekit_core as vk
from voicekit_core.registry import get_registry

get_registry().register_plugin(FakePlugin(), name="fakevendor")


@pytest.fixture
def emulator() -> object:
    with FakeEmulator() as emu:
        yield emu


@pytest.fixture
def provider(emulator: FakeEmulator, voicekit_fast_retries: None) -> object:
    p = vk.connect("fakevendor", **emulator.connect_options())
    yield p
    p.close()
