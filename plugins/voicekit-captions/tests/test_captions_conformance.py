"""The voicekit conformance suite against the Captions emulator."""

from __future__ import annotations

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

    def probe(self, provider: Provider) -> object:
        assert isinstance(provider, CaptionsProvider)
        return provider.list_twins()
