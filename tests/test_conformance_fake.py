"""The conformance suite, run against the test-only vendor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fakevendor import FakeEmulator

from voicekit_core.provider import Provider
from voicekit_core.testing.conformance import ProviderConformance
from voicekit_core.testing.media import tone_wav


class TestFakeVendorConformance(ProviderConformance):
    emulator_class = FakeEmulator
    plugin_module = "voicekit_core.hookspecs"
    paging_match = "GET /voices"

    def seed_pages(self, emulator: Any, pages: int) -> int:
        emulator.voice_names = [f"Voice {i}" for i in range(pages * emulator.page_size + 1)]
        return len(emulator.voice_names)

    def clone_args(self, provider: Provider, tmp_path: Path) -> dict[str, Any]:
        return {"samples": tone_wav(1.0), "name": "me"}

    @pytest.mark.skip(reason="the fake vendor lives in tests/, not in an installed plugin")
    def test_plugin_module_is_light(self, emulator: Any) -> None:
        raise AssertionError
