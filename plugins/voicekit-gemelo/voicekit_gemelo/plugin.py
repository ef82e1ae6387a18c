"""Registration of the Gemelo provider (light: imports only voicekit_core models/hooks)."""

from __future__ import annotations

from voicekit_core.hookspecs import provides
from voicekit_core.registry import ProviderInfo

__all__ = ["INFO", "voicekit_register_providers"]

INFO = ProviderInfo(
    name="gemelo",
    factory="voicekit_gemelo.provider:GemeloProvider",
    capabilities=("ListVoices", "Synthesize", "StreamSynthesize", "ConvertVoice", "CloneVoice",
                  "GenerateVideo"),
    credentials=("GEMELO_CLIENT_KEY", "GEMELO_API_KEY"),
    summary="Gemelo: TTS, voice conversion, voice cloning, simplex/duplex WebSocket streaming, "
            "twin videos (v2)",
    default_base_url="https://api.gemelo.ai",
    emulator="voicekit_gemelo.emulator:GemeloEmulator",
)


voicekit_register_providers = provides(INFO)
