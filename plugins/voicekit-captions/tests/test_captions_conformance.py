"""The voicekit conformance suite against the Captions emulator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from voicekit_core.provider import Provider
from voicekit_core.testing.conformance import ProviderConformance

from voicekit_captions.emulator import CaptionsEmulator
from voicekit_captions.provider import CaptionsProvider


class TestCaptionsConformance(ProviderConformance):
    emulator_class = CaptionsEmulator
    plugin_module = "voicekit_captions.plugin"
    probe_match = "POST /api/twin/list"

    def twin_args(self, provider: Provider) -> dict[str, Any]:
        return {"name": "conformance",
                "video_url": "https://media.example.com/me.mov",
                "calibration_image_urls": ["https://media.example.com/1.jpeg"]}

    def video_args(self, provider: Provider) -> dict[str, Any]:
        return {"twin": "Kate", "script": "Hello there.", "consent": True}

    def probe(self, provider: Provider) -> object:
        assert isinstance(provider, CaptionsProvider)
        return provider.list_twins()

    def options_probe(self, provider: Provider, tmp_path: Path
                      ) -> dict[str, Callable[..., Any]]:
        assert isinstance(provider, CaptionsProvider)
        return {"create_twin": lambda **o: provider.create_twin(**self.twin_args(provider), **o),
                "generate_video": lambda **o: provider.generate_video(
                    script="Hi.", consent=True, twin="Kate", **o)}

    def spending_calls(self, provider: Provider, tmp_path: Path
                       ) -> dict[str, Callable[[Any], Any]]:
        assert isinstance(provider, CaptionsProvider)
        return {"generate_video": lambda budget: provider.generate_video(
            script="Hello there, twin.", twin="Kate", consent=True, max_credits=budget)}
