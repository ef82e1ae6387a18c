"""Entry point of the ``piper`` provider: registration only, nothing heavy imported."""

from __future__ import annotations

from voicekit_core.hookspecs import provides
from voicekit_core.registry import ProviderInfo

__all__ = ["INFO", "voicekit_register_providers"]

INFO = ProviderInfo(
    name="piper",
    factory="voicekit_piper.provider:PiperProvider",
    capabilities=("ListVoices", "Synthesize", "StreamSynthesize"),
    credentials=(),
    summary="Piper neural voices on onnxruntime, offline: natural-sounding, no account",
    default_base_url=None,
    emulator=None,
)


voicekit_register_providers = provides(INFO)
