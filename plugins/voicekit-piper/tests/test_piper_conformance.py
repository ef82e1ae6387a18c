"""The core conformance suite, run against piper (local mode, like espeak's).

Declared capabilities == class, the plugin module stays light, and the list_voices /
synthesize / stream_synthesize / open_stream round trips run on the tiny voices; the
HTTP-only checks skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from voicekit_piper.provider import PiperProvider

from voicekit_core.provider import Provider
from voicekit_core.registry import connect
from voicekit_core.testing.conformance import ProviderConformance


class TestPiperConformance(ProviderConformance):
    provider_name = "piper"
    plugin_module = "voicekit_piper.plugin"

    @pytest.fixture
    def provider(self, voices_dir: Path) -> Iterator[Provider]:  # type: ignore[override]
        provider = connect("piper", voices_dir=voices_dir, voice_packages=False)
        yield provider
        provider.close()

    def synthesize_args(self, provider: Provider) -> dict[str, Any]:
        return {"text": "Hello from voicekit.", "voice": "en_US-tiny-low"}

    def test_provider_is_local(self, provider: Provider) -> None:
        assert isinstance(provider, PiperProvider)
        assert provider.remote is False and provider.base_url is None
