"""The voicekit conformance suite against the Gemelo emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voicekit_gemelo.emulator import GemeloEmulator

from voicekit_core.provider import Provider
from voicekit_core.testing.conformance import ProviderConformance
from voicekit_core.testing.media import tone_wav


class TestGemeloConformance(ProviderConformance):
    emulator_class = GemeloEmulator
    plugin_module = "voicekit_gemelo.plugin"
    probe_match = "GET /v1/tts/voices"

    def convert_args(self, provider: Provider, tmp_path: Path) -> dict[str, Any]:
        path = tmp_path / "input.wav"
        path.write_bytes(tone_wav(0.5))
        return {"audio": path, "voice": "133"}

    def clone_args(self, provider: Provider, tmp_path: Path) -> dict[str, Any]:
        path = tmp_path / "sample.wav"
        path.write_bytes(tone_wav(2.0))
        return {"samples": path, "name": "Conformance clone"}
