"""pluggy hook specifications of the ``voicekit`` project.

A plugin module (the target of a ``voicekit`` entry point) implements some of these with
``@voicekit_core.hookimpl``. Keep that module tiny: it must not import the vendor code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .cli import CommandRegistry
    from .models import Event, ProviderInfo

hookspec = pluggy.HookspecMarker("voicekit")
hookimpl = pluggy.HookimplMarker("voicekit")


@hookspec
def voicekit_register_providers(register: Callable[[ProviderInfo], None]) -> None:
    """Register providers: call ``register(ProviderInfo(...))`` once for each."""


@hookspec
def voicekit_on_event(event: Event) -> None:
    """Observe what providers do: requests, responses, retries, job updates, credits spent.

    Called synchronously on the caller's thread; keep it quick. Exceptions are logged and
    ignored, so an observer can never break a call.
    """


@hookspec
def voicekit_register_commands(commands: CommandRegistry) -> None:
    """Add subcommands to the ``voicekit`` CLI: ``commands.add("twin list", handler, ...)``."""
