"""Fixtures for the voicedub tests, and the contract check against VoiceDub's OpenAPI spec.

Every test that starts an emulator through these fixtures validates, at teardown, every
answer the emulator's API origin gave against the spec's schemas (OAS 3.1 through
openapi-schema-validator). Answers whose status the spec leaves undocumented (401, 403,
429, 500, and 400s other than the documented ones) are checked against the vendor's error
envelope ``{code, message}`` with the code/status pairs of VoiceDub's guides. Bodies made
by deliberate faults (malformed, truncated, raw status) are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from voicekit_voicedub.emulator import VoiceDubEmulator
from voicekit_voicedub.provider import VoiceDubProvider

from voicekit_core.registry import connect
from voicekit_core.testing.contract import OpenApiContract

SPEC_PATH = Path(__file__).with_name("voicedub-openapi.json")

#: error codes by HTTP status, from VoiceDub's guides (429 and 5xx: any code)
ERROR_CODES: dict[int, tuple[str, ...] | None] = {
    400: ("invalid_arguments", "voice_not_found", "dub_is_not_new",
          "dub_is_not_in_preprocessed_state", "voice_is_not_new"),
    401: ("unauthorized",),
    403: ("not_enough_credits",),
    404: ("not_found", "voice_not_found"),
    429: None,
    500: None,
}


def voicedub_contract(path: Path = SPEC_PATH) -> OpenApiContract:
    """VoiceDub's OpenAPI document with its error envelope ``{code, message}``."""
    return OpenApiContract(path, error_codes=ERROR_CODES, envelope=("code", "message"))


@pytest.fixture(scope="session")
def spec_contract() -> OpenApiContract:
    return voicedub_contract()


@pytest.fixture
def emu_factory(spec_contract: OpenApiContract) -> Iterator[Callable[..., VoiceDubEmulator]]:
    """Start emulators (``emu_factory(instant=True)``); checked against the spec after."""
    started: list[VoiceDubEmulator] = []

    def make(**kwargs: Any) -> VoiceDubEmulator:
        emulator = VoiceDubEmulator(**kwargs).start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        emulator.stop()
    for emulator in started:
        spec_contract.check(emulator)
        assert not emulator.storage.violations, "credentials reached the storage origin"


@pytest.fixture
def emu(emu_factory: Callable[..., VoiceDubEmulator]) -> VoiceDubEmulator:
    return emu_factory()


@pytest.fixture
def vd(emu: VoiceDubEmulator, voicekit_fast_retries: None) -> Iterator[VoiceDubProvider]:
    provider = connect("voicedub", **emu.connect_options())
    assert isinstance(provider, VoiceDubProvider)
    yield provider
    provider.close()


@pytest.fixture
def public_voice(emu: VoiceDubEmulator) -> str:
    voice_id: str = emu.public_voices[0]["id"]
    return voice_id
