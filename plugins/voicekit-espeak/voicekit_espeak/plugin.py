"""Entry point of the ``espeak`` provider: registration only, nothing heavy imported."""

from __future__ import annotations

from voicekit_core.hookspecs import provides
from voicekit_core.registry import ProviderInfo

__all__ = ["INFO", "voicekit_register_providers"]

INFO = ProviderInfo(
    name="espeak",
    factory="voicekit_espeak.provider:EspeakProvider",
    capabilities=("ListVoices", "Synthesize", "StreamSynthesize"),
    credentials=(),
    summary="espeak-ng, embedded and offline: the default voice (no account needed)",
    default_base_url=None,
    emulator=None,
)


voicekit_register_providers = provides(INFO)
