"""The voicekit conformance suite against the Beautyface emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voicekit_core.provider import Provider
from voicekit_core.testing.conformance import ProviderConformance
from voicekit_core.testing.media import tone_wav

from voicekit_beautyface.emulator import BeautyfaceEmulator


class TestBeautyfaceConformance(ProviderConformance):
    emulator_class = BeautyfaceEmulator
    plugin_module = "voicekit_beautyface.plugin"
    probe_match = "GET /api/v1/credits"

    def clone_args(self, provider: Provider, tmp_path: Path) -> dict[str, Any]:
        path = tmp_path / "sample.wav"
        path.write_bytes(tone_wav(3.0, sample_rate=8000))
        return {"samples": path, "name": "Conformance clone"}

    def synthesize_args(self, provider: Provider) -> dict[str, Any]:
        return {"text": "Hello from voicekit.", "voice": self.voice(provider), "format": "wav"}
