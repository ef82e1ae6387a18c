"""pluggy hook specifications of the ``voicekit`` project.

A plugin module (the target of a ``voicekit`` entry point) implements some of these with
``@voicekit_core.hookimpl``. Keep that module tiny: it must not import the vendor code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import pluggy

if TYPE_CHECKING:
    import argparse

    from .events import Event
    from .registry import ProviderInfo

__all__ = ["CommandHandler", "Commands", "hookimpl", "hookspec", "provides"]

hookspec = pluggy.HookspecMarker("voicekit")
hookimpl = pluggy.HookimplMarker("voicekit")

#: A CLI command's body: takes the parsed arguments, returns the exit status (None: 0).
CommandHandler = Callable[["argparse.Namespace"], "int | None"]


@runtime_checkable
class Commands(Protocol):
    """What ``voicekit_register_commands`` receives: where commands are added to the CLI."""

    def add(
        self,
        path: str,
        handler: CommandHandler | str,
        *,
        help: str = "",
        arguments: Sequence[tuple[tuple[str, ...], dict[str, Any]]] = (),
        description: str | None = None,
    ) -> argparse.ArgumentParser | None:
        """Add command ``path`` (``"twin list"``) running ``handler(args)``; ``arguments``
        are ``(flags, options)`` pairs for ``add_argument``. None when ``path`` was taken."""

    def group(self, path: str, *, help: str = "") -> argparse.ArgumentParser:
        """The parser of command group ``path`` (``"twin"``), created if needed."""


@hookspec
def voicekit_register_providers(register: Callable[[ProviderInfo], None]) -> None:
    """Register providers: call ``register(ProviderInfo(...))`` once for each."""


def provides(*infos: ProviderInfo) -> Callable[[Callable[[ProviderInfo], None]], None]:
    """A plugin's ``voicekit_register_providers`` hook, registering ``infos``::

        INFO = ProviderInfo(name="acme", factory="voicekit_acme.provider:AcmeProvider", ...)
        voicekit_register_providers = provides(INFO)
    """

    @hookimpl
    def voicekit_register_providers(register: Callable[[ProviderInfo], None]) -> None:
        for info in infos:
            register(info)

    return voicekit_register_providers


@hookspec
def voicekit_on_event(event: Event) -> None:
    """Observe what providers do: requests, responses, retries, job updates, credits spent.

    Called synchronously on the caller's thread; keep it quick. Exceptions are logged and
    ignored, so an observer can never break a call.
    """


@hookspec
def voicekit_register_commands(commands: Commands) -> None:
    """Add subcommands to the ``voicekit`` CLI: ``commands.add("twin list", handler, ...)``."""
