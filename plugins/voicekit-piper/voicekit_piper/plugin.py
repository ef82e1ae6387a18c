"""Entry point of the ``piper`` provider: registration only, nothing heavy imported."""

from __future__ import annotations

from collections.abc import Callable

from voicekit_core.hookspecs import hookimpl
from voicekit_core.models import ProviderInfo

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


@hookimpl
def voicekit_register_providers(register: Callable[[ProviderInfo], None]) -> None:
    """Register the piper provider."""
    register(INFO)
