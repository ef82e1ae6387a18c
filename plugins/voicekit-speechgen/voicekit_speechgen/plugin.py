"""Registration of the Speechgen provider (light: imports only voicekit_core models/hooks)."""

from __future__ import annotations

from voicekit_core.hookspecs import provides
from voicekit_core.registry import ProviderInfo

__all__ = ["INFO", "voicekit_register_providers"]

INFO = ProviderInfo(
    name="speechgen",
    factory="voicekit_speechgen.provider:SpeechgenProvider",
    capabilities=("ListVoices", "Synthesize", "CloneVoice"),
    credentials=("SPEECHGEN_API_KEY",),
    summary="Speechgen: stock and cloned voices, TTS (mp3/wav/ogg), voice cloning, models",
    default_base_url="https://api.speechgen.com/v1",
    emulator="voicekit_speechgen.emulator:SpeechgenEmulator",
)


voicekit_register_providers = provides(INFO)
