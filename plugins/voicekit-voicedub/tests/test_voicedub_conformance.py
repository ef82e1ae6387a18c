"""voicekit's conformance suite against the VoiceDub emulator (answers checked against the spec)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from voicekit_voicedub.emulator import VoiceDubEmulator
from voicekit_voicedub.provider import VoiceDubProvider

from voicekit_core.models import Voice
from voicekit_core.provider import Provider
from voicekit_core.testing.conformance import ProviderConformance
from voicekit_core.testing.emulator import Emulator
from voicekit_core.testing.media import mp3_bytes, tone_wav

PAGE = 8


class TestVoiceDubConformance(ProviderConformance):
    emulator_class = VoiceDubEmulator
    plugin_module = "voicekit_voicedub.plugin"
    probe_match = "GET /v1/me"
    paging_match = "GET /v1/voices"

    @pytest.fixture
    def emulator(self, spec_contract: Any) -> Iterator[Emulator]:
        with VoiceDubEmulator() as emu:
            yield emu
        spec_contract.check(emu)

    def dub_args(self, provider: Provider, tmp_path: Path) -> dict[str, Any]:
        path = tmp_path / "song.mp3"
        path.write_bytes(mp3_bytes(20.0))
        return {"source": path, "voice": self.voice(provider), "pitch_shift": 2}

    def clone_args(self, provider: Provider, tmp_path: Path) -> dict[str, Any]:
        return {"samples": [tone_wav(1.0), tone_wav(1.5)], "name": "Conformance Voice"}

    def seed_pages(self, emulator: Emulator, pages: int) -> int | None:
        # the 60 seeded catalogue voices span 8 pages of PAGE (the vendor's smallest limit)
        assert isinstance(emulator, VoiceDubEmulator)
        assert len(emulator.public_voices) > pages * PAGE
        return len(emulator.public_voices)

    def list_all(self, provider: Provider) -> Iterator[Voice]:
        assert isinstance(provider, VoiceDubProvider)
        return provider.list_voices(limit=PAGE)
