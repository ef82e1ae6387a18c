"""The voicekit conformance suite against the Beautyface emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from voicekit_core.models import Voice
from voicekit_core.provider import Provider
from voicekit_core.testing.conformance import ProviderConformance
from voicekit_core.testing.emulator import Emulator
from voicekit_core.testing.media import tone_wav

from voicekit_beautyface.emulator import BeautyfaceEmulator
from voicekit_beautyface.provider import BeautyfaceProvider

#: a small page, so that a few seeded voices span several pages
PAGE = 10


class TestBeautyfaceConformance(ProviderConformance):
    emulator_class = BeautyfaceEmulator
    plugin_module = "voicekit_beautyface.plugin"
    probe_match = "GET /api/v1/credits"
    paging_match = "GET /api/v1/voices"
    audio_origin = "storage"

    def clone_args(self, provider: Provider, tmp_path: Path) -> dict[str, Any]:
        path = tmp_path / "sample.wav"
        path.write_bytes(tone_wav(3.0, sample_rate=8000))
        return {"samples": path, "name": "Conformance clone"}

    def synthesize_args(self, provider: Provider) -> dict[str, Any]:
        return {"text": "Hello from voicekit.", "voice": self.voice(provider), "format": "wav"}

    def seed_pages(self, emulator: Emulator, pages: int) -> int | None:
        assert isinstance(emulator, BeautyfaceEmulator)
        for i in range(pages * PAGE):
            emulator.add_voice(f"Seeded {i}", tags=["en"], age=float(i))
        return len(emulator.voices)

    def list_all(self, provider: Provider) -> Iterator[Voice]:
        assert isinstance(provider, BeautyfaceProvider)
        return provider.list_voices(limit=PAGE)
