"""Registration of the Captions provider and its ``voicekit twin ...`` commands.

Light on purpose (the ``voicekit`` entry point imports it): the command handlers live in
:mod:`voicekit_captions.commands`, imported when the CLI asks for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicekit_core.hookspecs import hookimpl, provides
from voicekit_core.registry import ProviderInfo

if TYPE_CHECKING:
    from voicekit_core.hookspecs import Commands

__all__ = ["INFO", "voicekit_register_commands", "voicekit_register_providers"]

INFO = ProviderInfo(
    name="captions",
    factory="voicekit_captions.provider:CaptionsProvider",
    capabilities=("CreateTwin", "GenerateVideo"),
    credentials=("CAPTIONS_API_KEY",),
    summary="Captions: AI Twins (create, list, delete, calibration script) and AI Creator videos",
    default_base_url="https://api.captions.ai/api",
    docs_url="https://docs.captions.ai",
    emulator="voicekit_captions.emulator:CaptionsEmulator",
)

voicekit_register_providers = provides(INFO)


@hookimpl
def voicekit_register_commands(commands: Commands) -> None:
    """Add ``voicekit twin list|delete|script|languages`` (handlers imported on use)."""
    from . import commands as handlers

    handlers.register(commands)
