"""The voicekit conformance suite against the Speechgen emulator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from voicekit_core.provider import Provider
from voicekit_core.testing.conformance import ProviderConformance
from voicekit_core.testing.media import tone_wav

from voicekit_speechgen.emulator import SpeechgenEmulator
from voicekit_speechgen.provider import SpeechgenProvider


class TestSpeechgenConformance(ProviderConformance):
    emulator_class = SpeechgenEmulator
    plugin_module = "voicekit_speechgen.plugin"
    probe_match = "GET /v1/voices"
    # Speechgen's listings (GET /voices, GET /models) are not paged: the paging checks skip

    def synthesize_args(self, provider: Provider) -> dict[str, Any]:
        return {"text": "Hello from voicekit.", "voice": self.voice(provider), "format": "wav"}

    def clone_args(self, provider: Provider, tmp_path: Path) -> dict[str, Any]:
        path = tmp_path / "sample.wav"
        path.write_bytes(tone_wav(12.0, sample_rate=8000))
        return {"samples": path, "name": "Conformance clone"}

    def options_probe(self, provider: Provider, tmp_path: Path
                      ) -> dict[str, Callable[..., object]]:
        assert isinstance(provider, SpeechgenProvider)
        calls = super().options_probe(provider, tmp_path)
        calls["tts_payload"] = lambda **o: provider.tts_payload("Hi", voice="en-US-aria", **o)
        return calls
