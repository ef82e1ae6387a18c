"""The ``voicekit twin list|delete|script|languages`` commands of the Captions plugin.

``voicekit twin create`` is the core's generic command (any CreateTwin provider).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from voicekit_core.hookspecs import Commands

    from .provider import CaptionsProvider

__all__ = ["register"]

Arguments = list[tuple[tuple[str, ...], dict[str, Any]]]

_JSON: Arguments = [(("--json",), {"action": "store_true", "help": "print JSON"})]


def register(commands: Commands) -> None:
    """Add the commands to the CLI's registry."""
    commands.add("twin list", _twin_list, help="list your Captions AI Twins", arguments=_JSON)
    commands.add("twin delete", _twin_delete, help="delete a Captions AI Twin",
                 arguments=[(("name",), {"help": "the twin, as listed: twin-<id>-<name>"})])
    commands.add("twin script", _twin_script,
                 help="print the calibration script to read in the twin's video",
                 arguments=[(("--language",), {"default": "English"})])
    commands.add("twin languages", _twin_languages,
                 help="languages supported for AI Twin calibration", arguments=_JSON)


@contextlib.contextmanager
def _connect() -> Iterator[CaptionsProvider]:
    """The provider, configured from the environment (CAPTIONS_API_KEY, CAPTIONS_BASE_URL)."""
    import voicekit_core

    from .provider import CaptionsProvider

    provider = voicekit_core.connect("captions")
    assert isinstance(provider, CaptionsProvider)
    try:
        yield provider
    finally:
        provider.close()


def _twin_list(args: argparse.Namespace) -> int:
    with _connect() as captions:
        twins = captions.list_twins()
    if args.json:
        print(json.dumps([{"id": t.id, "name": t.name} for t in twins]))
    else:
        for twin in twins:
            print(twin.id)
    return 0


def _twin_delete(args: argparse.Namespace) -> int:
    with _connect() as captions:
        captions.delete_twin(args.name)
    print(f"deleted {args.name}", file=sys.stderr)
    return 0


def _twin_script(args: argparse.Namespace) -> int:
    with _connect() as captions:
        print(captions.twin_script(args.language))
    return 0


def _twin_languages(args: argparse.Namespace) -> int:
    with _connect() as captions:
        languages = captions.supported_languages()
    print(json.dumps(list(languages)) if args.json else "\n".join(languages))
    return 0
