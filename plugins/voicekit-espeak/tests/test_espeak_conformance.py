"""The core conformance suite, run against espeak.

espeak is local (no vendor API), so the suite runs in its local mode: ``provider_name``
instead of an emulator. Declared capabilities == class, the plugin module stays light, and
the list_voices / synthesize / stream_synthesize / open_stream round trips run; the
HTTP-only checks (credentials, error mapping, rate limits, malformed bodies, leaks) skip.
"""

from __future__ import annotations

from typing import Any

from voicekit_espeak.provider import EspeakProvider

from voicekit_core.provider import Provider
from voicekit_core.testing.conformance import ProviderConformance


class TestEspeakConformance(ProviderConformance):
    provider_name = "espeak"
    plugin_module = "voicekit_espeak.plugin"

    def synthesize_args(self, provider: Provider) -> dict[str, Any]:
        return {"text": "Hello from voicekit.", "voice": "en"}

    def test_provider_is_local(self, provider: Provider) -> None:
        assert isinstance(provider, EspeakProvider)
        assert provider.remote is False and provider.base_url is None
