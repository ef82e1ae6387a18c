"""The core conformance suite, run for a local provider.

``ProviderConformance`` is written for HTTP vendors: its fixtures start an emulator and its
error-mapping and secret-hygiene tests inject HTTP faults. espeak has no emulator (there is
no vendor API), so the ``emulator`` fixture is replaced by a stand-in that only names the
provider, the ``provider`` fixture connects with no options, and the HTTP-only tests are
skipped with the reason. Everything else (declared capabilities == class, the plugin module
stays light, list_voices / synthesize / stream_synthesize / open_stream round trips) runs
unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from voicekit_espeak.provider import EspeakProvider

import voicekit_core as vk
from voicekit_core.provider import Provider
from voicekit_core.testing.conformance import ProviderConformance

_HTTP_ONLY = "espeak is local: no HTTP errors, faults or credentials to check"


class _Local:
    """What the suite reads from an emulator, for a provider that has none."""

    provider = "espeak"
    credentials: dict[str, str] = {}


class TestEspeakConformance(ProviderConformance):
    plugin_module = "voicekit_espeak.plugin"

    @pytest.fixture
    def emulator(self) -> Iterator[Any]:
        yield _Local()

    @pytest.fixture
    def provider(self) -> Iterator[Provider]:
        provider = vk.connect("espeak")
        yield provider
        provider.close()

    def synthesize_args(self, provider: Provider) -> dict[str, Any]:
        return {"text": "Hello from voicekit.", "voice": "en"}

    def test_provider_is_local(self, provider: Provider) -> None:
        assert isinstance(provider, EspeakProvider)
        assert provider.remote is False and provider.base_url is None

    @pytest.mark.skip(reason=_HTTP_ONLY)
    def test_bad_credentials_raise_authentication_error(self) -> None: ...

    @pytest.mark.skip(reason=_HTTP_ONLY)
    def test_vendor_errors_map_onto_the_tree(self) -> None: ...

    @pytest.mark.skip(reason=_HTTP_ONLY)
    def test_rate_limit_is_retried(self) -> None: ...

    @pytest.mark.skip(reason=_HTTP_ONLY)
    def test_rate_limit_that_persists_raises_rate_limited(self) -> None: ...

    @pytest.mark.skip(reason=_HTTP_ONLY)
    def test_malformed_body_is_bad_response(self) -> None: ...

    @pytest.mark.skip(reason=_HTTP_ONLY)
    def test_secrets_never_leak(self) -> None: ...
