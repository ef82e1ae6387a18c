"""Error advice in the CLI's own words.

Library errors say what to do in Python (``list_voices()``, ``max_credits=``, "pass it to
connect()"); on the command line the same advice is given as the command or option to use.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

__all__ = ["for_cli"]

_Rewrite = tuple["re.Pattern[str]", "str | Callable[[re.Match[str], str], str]"]


def _voices(match: re.Match[str], provider: str) -> str:
    kind = match.group("kind")
    return f"`voicekit voices {provider}" + (f" --kind {kind}`" if kind else "`")


_REWRITES: tuple[_Rewrite, ...] = (
    (re.compile(r"see list_voices\(\) or (`voicekit voices \S+`)"), r"see \1"),
    (re.compile(r"list_voices\((?:kind=[\"'](?P<kind>\w+)[\"'])?\)"), _voices),
    (re.compile(r"pass it to connect\(\), set the environment variable, or store it"),
     "set the environment variable, or store it"),
    (re.compile(r"pass base_url=\.\.\., "), "give --base-url URL, "),
    (re.compile(r"or pass allow_http=True if this is really what you want"),
     "(the command line sends keys over plain http only to this machine)"),
    (re.compile(r"pass ids=\[\.\.\.\] \(e\.g\. from clone_voice\(\) results\) or use "
                r"get_voice\(id\)"),
     "use the voice ids `voicekit clone` printed (voicekit say/dub -v ID)"),
    (re.compile(r"\bmax_credits=(?=[\d.])"), "--max-credits "),
    (re.compile(r"\bmax_credits=?"), "--max-credits"),
    (re.compile(r"\btimeout=(?=[\d.])"), "--timeout "),
    (re.compile(r"\bclone_voice\(\)"), "`voicekit clone`"),
    (re.compile(r"\bsynthesize\(\)"), "`voicekit say`"),
)


def _call(function: Callable[[re.Match[str], str], str], name: str,
          match: re.Match[str]) -> str:
    return function(match, name)


def for_cli(message: str, provider: str | None) -> str:
    """``message`` with Python-only advice replaced by its command-line form."""
    name = provider or "NAME"
    for pattern, replacement in _REWRITES:
        if callable(replacement):
            message = pattern.sub(functools.partial(_call, replacement, name), message)
        else:
            message = pattern.sub(replacement, message)
    return message
