"""The shared input checks and voice language matching."""

from __future__ import annotations

import datetime as dt

import pytest

import voicekit_core as vk
from voicekit_core import validate
from voicekit_core.models import parse_datetime


def test_choice_folds_case_and_names_the_allowed_values() -> None:
    assert validate.choice(" MP3 ", ("mp3", "wav"), field="format") == "mp3"
    assert validate.choice(None, ("mp3",), field="format", default="mp3") == "mp3"
    assert validate.choice("user", ("USER", "SYSTEM"), field="type", case="upper") == "USER"
    with pytest.raises(vk.InvalidInput, match="format must be one of mp3, wav, got 'flac'"):
        validate.choice("flac", ("mp3", "wav"), field="format")
    with pytest.raises(vk.InvalidInput):
        validate.choice("Title", ("title",), field="sortBy", case="exact")


@pytest.mark.parametrize("value", [True, 1.5, "3", None])
def test_integer_refuses_non_integers(value: object) -> None:
    with pytest.raises(vk.InvalidInput, match="must be an integer"):
        validate.integer(value, field="limit")


def test_ranges_name_the_span() -> None:
    assert validate.integer(8, field="limit", low=8, high=50) == 8
    with pytest.raises(vk.InvalidInput, match=r"limit=51 is out of range; allowed 8\.\.50") as info:
        validate.integer(51, field="limit", low=8, high=50)
    assert info.value.limit == "8..50"
    with pytest.raises(vk.InvalidInput, match="allowed >= 1"):
        validate.integer(0, field="page", low=1)
    with pytest.raises(vk.InvalidInput, match="speed must be a number, got nan") as nan:
        validate.number(float("nan"), field="speed")
    assert nan.value.limit == "a finite number"
    assert validate.number(2, field="speed", low=0.25, high=4) == 2.0


def test_text_limits_count_characters_and_utf8_bytes() -> None:
    assert validate.text("hi", max_chars=2) == "hi"
    with pytest.raises(vk.InvalidInput, match="non-empty"):
        validate.text("  ")
    with pytest.raises(vk.InvalidInput, match="6 UTF-8 bytes; the limit is 5"):
        validate.text("日本", max_bytes=5)
    with pytest.raises(vk.InvalidInput, match="3 characters; the limit is 2"):
        validate.text("abc", max_chars=2)


@pytest.mark.parametrize(("languages", "asked", "speaks"), [
    (("en-US",), "en", True),
    (("en_GB",), "EN-gb", True),
    (("en",), "en-US", True),
    (("es-ES",), "en", False),
    ((), "en", False),
])
def test_voice_speaks_matches_language_tags(languages: tuple[str, ...], asked: str,
                                            speaks: bool) -> None:
    voice = vk.Voice(id="1", name="v", provider="p", languages=languages)
    assert voice.speaks(asked) is speaks


def test_parse_datetime_is_lenient_and_aware() -> None:
    assert parse_datetime("2026-01-02T03:04:05Z") == dt.datetime(2026, 1, 2, 3, 4, 5,
                                                                 tzinfo=dt.timezone.utc)
    assert parse_datetime("2026-01-02T03:04:05").tzinfo is dt.timezone.utc  # type: ignore[union-attr]
    assert parse_datetime("soon") is None and parse_datetime(None) is None


@pytest.mark.parametrize("text", ["2026-01-02T03:04:05.1Z", "2026-01-02T03:04:05.1234567+00:00",
                                  "2026-01-02T03:04:05.12345"])
def test_parse_datetime_reads_any_fraction_length(text: str) -> None:
    parsed = parse_datetime(text)
    assert parsed is not None and parsed.second == 5 and parsed.tzinfo is not None
