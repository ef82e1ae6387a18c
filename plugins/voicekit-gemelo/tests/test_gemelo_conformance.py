"""The voicekit conformance suite against the Gemelo emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from voicekit_gemelo.emulator import GemeloEmulator
from voicekit_gemelo.provider import CLONED_PAGE_SIZE, GemeloProvider

from voicekit_core.models import Voice
from voicekit_core.provider import Provider
from voicekit_core.testing.conformance import ProviderConformance
from voicekit_core.testing.emulator import Emulator
from voicekit_core.testing.media import tone_wav


class TestGemeloConformance(ProviderConformance):
    emulator_class = GemeloEmulator
    plugin_module = "voicekit_gemelo.plugin"
    probe_match = "GET /v1/tts/voices"
    # the paged listing is the account's cloned voices (limit/cursor)
    paging_match = "GET /v1/cloned-voices"

    def convert_args(self, provider: Provider, tmp_path: Path) -> dict[str, Any]:
        path = tmp_path / "input.wav"
        path.write_bytes(tone_wav(0.5))
        return {"audio": path, "voice": "133"}

    def clone_args(self, provider: Provider, tmp_path: Path) -> dict[str, Any]:
        path = tmp_path / "sample.wav"
        path.write_bytes(tone_wav(2.0))
        return {"samples": path, "name": "Conformance clone"}

    def video_args(self, provider: Provider) -> dict[str, Any]:
        return {"twin": 20, "script": "Hello there.", "voice": 181, "consent": True}

    def seed_pages(self, emulator: Emulator, pages: int) -> int | None:
        assert isinstance(emulator, GemeloEmulator)
        for i in range(1000, 1000 + pages * CLONED_PAGE_SIZE):
            emulator.cloned[i] = {"id": i, "name": f"Clone {i}", "previewUrls": []}
        return len(emulator.cloned)

    def list_all(self, provider: Provider) -> Iterator[Voice]:
        assert isinstance(provider, GemeloProvider)
        return provider.list_voices(kind="cloned")
