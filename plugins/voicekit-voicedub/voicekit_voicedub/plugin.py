"""The ``voicekit`` entry point of voicekit-voicedub: registration only, nothing heavy."""

from __future__ import annotations

from voicekit_core.hookspecs import provides
from voicekit_core.registry import ProviderInfo

__all__ = ["INFO", "voicekit_register_providers"]

INFO = ProviderInfo(
    name="voicedub",
    factory="voicekit_voicedub.provider:VoiceDubProvider",
    capabilities=("ListVoices", "CloneVoice", "Dub", "Balance"),
    credentials=("VOICEDUB_API_KEY",),
    summary="VoiceDub: AI voice dubs of songs and speech, voice training, public voice catalogue",
    default_base_url="https://api.voicedub.ai",
    docs_url="https://voicedub.ai",
    emulator="voicekit_voicedub.emulator:VoiceDubEmulator",
)


voicekit_register_providers = provides(INFO)
