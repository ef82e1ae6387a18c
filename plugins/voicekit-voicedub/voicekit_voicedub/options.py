"""The options of VoiceDub's calls, declared (catalogue filters, dubs, trainings)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from voicekit_core import kit
from voicekit_core.errors import InvalidInput
from voicekit_core.models import Voice

from .schema import Genre, Language, Style

__all__ = ["CatalogueFilters", "DubOptions", "TrainingOptions", "vocabulary"]


def vocabulary(enum_cls: type[enum.Enum], languages: bool = False
                ) -> Callable[[Any, str], list[str]]:
    """A catalogue filter: one value or several, each one of ``enum_cls`` (languages also
    as codes: ``"en"``, ``"en-US"``)."""
    allowed = [str(m.value) for m in enum_cls]

    def convert(value: Any, field: str) -> list[str]:
        items: list[Any] = [value]
        if isinstance(value, (list, tuple, set, frozenset)):
            items = list(value)
        elif not isinstance(value, (str, enum_cls)):
            raise InvalidInput(f"{field} must be text or a list of text, not "
                               f"{type(value).__name__}", field=field,
                               limit=f"one of {', '.join(allowed)}")
        out = []
        for item in items:
            text = item.value if isinstance(item, enum_cls) else item
            key = text.strip().lower() if isinstance(text, str) else None
            if key is not None and languages and key not in allowed:
                key = (kit.language_name(key.split("-")[0]) or key).lower()
            if key not in allowed:
                raise InvalidInput(f"{field}: unknown value {item!r}; VoiceDub knows "
                                   f"{', '.join(allowed)}", field=field,
                                   limit=f"one of {', '.join(allowed)}")
            out.append(key)
        return out

    return convert


def _ids(value: Any, field: str) -> list[str]:
    values = [value] if isinstance(value, (str, Voice)) else list(value)
    return [v.id if isinstance(v, Voice) else kit.segment(v, field=field, strip=True)
            for v in values]


class CatalogueFilters(kit.Options):
    """``GET /v1/voices`` filters (values OR'd within a filter, filters AND'd)."""

    search: str | None = kit.opt.text(max_chars=50, help="name search, 1-50 characters")
    genres: list[str] | None = kit.opt.value(convert=vocabulary(Genre), help="genres",
                                             limit="catalogue genres")
    languages: list[str] | None = kit.opt.value(convert=vocabulary(Language, True),
                                                help="languages (names or codes)",
                                                limit="catalogue languages")
    styles: list[str] | None = kit.opt.value(convert=vocabulary(Style), help="styles",
                                             limit="catalogue styles")
    limit: int | None = kit.opt.integer(8, 50, help="page size (vendor default 50)")
    ids: list[str] | None = kit.opt.value(convert=_ids, limit="voice ids",
                                          help="trained voices to fetch (none are listed)")


class DubOptions(kit.Options):
    """Options of ``dub()``."""

    pitch_shift: int | None = kit.opt.integer(-24, 24, help="semitones (default 0)")
    separate: bool | None = kit.opt.flag(help="separate the vocals first (default True)")


class TrainingOptions(kit.Options):
    """Options of ``clone_voice()`` (VoiceDub trains the voice)."""

    max_minutes: int | None = kit.opt.integer(5, 60, help="training minutes (default 10)")
    separate: bool | None = kit.opt.flag(help="separate the vocals first (default True)")
    description: str | None = kit.opt.value(
        convert=lambda v, f: _no_description(v), limit="none (VoiceDub has none)",
        help="not supported")


def _no_description(value: Any) -> None:
    if value:
        raise InvalidInput("VoiceDub voices have no description; leave it out",
                           field="description", limit="none")
