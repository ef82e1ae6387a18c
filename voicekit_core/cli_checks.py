"""Checks the CLI makes before a command spends anything, and safe saving of paid results.

Imported only when a command runs (never by ``voicekit --help``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import registry
from .audio import check_target
from .capabilities import Capability
from .errors import ConfigurationError, InvalidInput, VoicekitError
from .options import accepts

__all__ = [
    "AUDIO_SUFFIXES",
    "check_output",
    "format_options",
    "pick_provider",
    "save_paid_audio",
    "spend_options",
    "wanted_format",
]

#: file name suffixes that name an audio format (``-o hi.mp3`` asks for mp3)
AUDIO_SUFFIXES = frozenset({"wav", "mp3", "ogg", "opus", "flac", "pcm", "m4a", "aac", "webm"})


def check_output(output: str | None, *, option: str = "-o") -> Path | None:
    """``-o FILE`` checked before any request (folder exists and is writable, not a folder)."""
    if output is None:
        return None
    try:
        return check_target(output, field="output")
    except InvalidInput as exc:
        raise InvalidInput(f"{option}: {exc.message}; nothing was sent", field="output",
                           limit=exc.limit) from None


def wanted_format(output: str | None, fmt: str | None) -> str | None:
    """The audio format asked for by ``--format`` and/or the suffix of ``-o``.

    A suffix that is not an audio format (``-o hi.txt``), or one that contradicts
    ``--format``, is refused before anything is spent.
    """
    suffix = Path(output).suffix.lower().lstrip(".") if output else ""
    if suffix and suffix not in AUDIO_SUFFIXES:
        raise InvalidInput(f"-o {output}: .{suffix} is not an audio file suffix (use one of "
                           f"{', '.join(sorted(AUDIO_SUFFIXES))}, or no suffix); nothing was "
                           "sent", field="output", limit="an audio file suffix")
    if fmt and suffix and fmt.lower() != suffix:
        raise InvalidInput(f"--format {fmt} contradicts -o {output}: give a file ending in "
                           f".{fmt.lower()}; nothing was sent", field="format")
    return (fmt.lower() if fmt else None) or suffix or None


def format_options(method: Callable[..., Any], fmt: str | None) -> dict[str, Any]:
    """``{"format": fmt}`` when the call takes a format (it refuses one it cannot make,
    before any request); ``{}`` otherwise (the result's format is checked when saving)."""
    if fmt and accepts(method, "format"):
        return {"format": fmt}
    return {}


def spend_options(method: Callable[..., Any], args: argparse.Namespace) -> dict[str, Any]:
    """``{"max_credits": C}`` from ``--max-credits`` (refused when the call cannot honour it)."""
    limit = getattr(args, "max_credits", None)
    if limit is None:
        return {}
    if not accepts(method, "max_credits"):
        name = getattr(method, "__name__", "this command")
        raise InvalidInput(f"--max-credits: {name} on this provider spends no credits it can "
                           "limit; leave --max-credits out", field="max_credits")
    return {"max_credits": limit}


def pick_provider(name: str | None, capability: type[Capability],
                  default: str | None = None) -> str:
    """The provider to use: ``-p NAME``; else the only installed one with ``capability``;
    else ``default`` when it is installed and able (espeak for ``say``). The same rule in
    every command."""
    if name:
        return name
    having = [i.name for i in registry.providers(capability)]
    if len(having) == 1:
        return having[0]
    if default is not None and default in having:
        return default
    if not having:
        raise ConfigurationError(f"no installed provider supports {capability.__name__}; "
                                 "see `voicekit providers`")
    raise ConfigurationError(f"several providers support {capability.__name__} "
                             f"({', '.join(having)}): choose one with -p")


def save_paid_audio(audio: Any, output: str, wanted: str | None) -> Path:
    """Save a result that was paid for, never in the wrong format and never lost.

    When the audio's format is not the one ``-o`` names, it goes to the same name with the
    right suffix (said on stderr). When the target cannot be written after all (the folder
    went away meanwhile), the audio goes to a temporary file whose name is printed.
    """
    path = Path(output)
    have = getattr(audio, "format", None)
    if wanted and have and have != wanted:
        path = path.with_suffix(f".{have}")
        _err(f"voicekit: the result is {have}, not {wanted}: writing {path} instead")
    try:
        saved: Path = audio.save(path)
        return saved
    except VoicekitError as exc:
        fd, spare = tempfile.mkstemp(prefix="voicekit-", suffix=path.suffix or ".audio")
        os.close(fd)
        rescued: Path = audio.save(spare)
        _err(f"voicekit: {exc.message}; the result was saved to {rescued} instead")
        return rescued


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
