"""Registration of the Beautyface provider (light: imports only voicekit_core models/hooks)."""

from __future__ import annotations

from voicekit_core.hookspecs import provides
from voicekit_core.registry import ProviderInfo

__all__ = ["INFO", "voicekit_register_providers"]

INFO = ProviderInfo(
    name="beautyface",
    factory="voicekit_beautyface.provider:BeautyfaceProvider",
    capabilities=("ListVoices", "Synthesize", "CloneVoice", "Balance"),
    credentials=("BEAUTYFACE_API_KEY",),
    summary="Voice Clone & TTS API (white-label): voices, async TTS, voice cloning, credits",
    # white-label: every deployment has its own host, so there is no default to guess
    default_base_url=None,
    docs_url="https://beautyface.app/docs",
    emulator="voicekit_beautyface.emulator:BeautyfaceEmulator",
)


voicekit_register_providers = provides(INFO)
