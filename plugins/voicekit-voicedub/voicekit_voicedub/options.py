"""The options of VoiceDub's calls, declared (catalogue filters, dubs, trainings)."""

from __future__ import annotations

import enum
from typing import Any

from voicekit_core import kit
from voicekit_core.errors import InvalidInput
from voicekit_core.models import Voice

from .schema import Genre, Language, Style

__all__ = ["LANGUAGES", "CatalogueFilters", "DubOptions", "LanguageFilter", "TrainingOptions",
           "language_option"]


def _vocabulary(enum_cls: type[enum.Enum]) -> list[str]:
    return [str(m.value) for m in enum_cls]


def _language_word(word: str) -> str:
    """A language code (``"en"``, ``"en-US"``) as the catalogue's name for it."""
    key = word.strip().lower()
    if key in LANGUAGES:
        return key
    return (kit.language_name(key.split("-")[0]) or key).lower()


#: the catalogue's languages (names)
LANGUAGES = _vocabulary(Language)


def language_option(help: str = "") -> Any:
    """A catalogue-languages option: names or codes, one or several."""
    return kit.opt.choice(LANGUAGES, many=True, words=_language_word, help=help)


def _ids(value: Any, field: str) -> list[str]:
    values = [value] if isinstance(value, (str, Voice)) else list(value)
    return [v.id if isinstance(v, Voice) else kit.segment(v, field=field, strip=True)
            for v in values]


class LanguageFilter(kit.Options):
    """``list_voices(language=...)``: the catalogue languages, by name or code."""

    language: tuple[str, ...] | None = language_option(help="languages (names or codes)")


class CatalogueFilters(kit.Options):
    """``GET /v1/voices`` filters (values OR'd within a filter, filters AND'd)."""

    search: str | None = kit.opt.text(max_chars=50, help="name search, 1-50 characters")
    genres: tuple[str, ...] | None = kit.opt.choice(_vocabulary(Genre), many=True,
                                                    help="genres")
    languages: tuple[str, ...] | None = language_option(help="languages (names or codes)")
    styles: tuple[str, ...] | None = kit.opt.choice(_vocabulary(Style), many=True,
                                                    help="styles")
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
