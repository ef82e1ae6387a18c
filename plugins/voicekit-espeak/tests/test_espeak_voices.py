"""ListVoices: the real espeak-ng voices, with the languages of espeak_ListVoices."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator

import pytest
from voicekit_espeak.provider import EspeakProvider

import voicekit_core as vk


def test_lists_real_voices_with_languages(espeak: EspeakProvider) -> None:
    voices = espeak.list_voices()
    assert isinstance(voices, Iterator)
    listed = list(voices)
    assert len(listed) > 50
    by_id = {v.id: v for v in listed}
    assert len(by_id) == len(listed)  # ids are unique
    en = by_id["en"]
    assert en.name == "English (Great Britain)"
    assert en.languages == ("en-gb", "en")
    assert en.provider == "espeak" and en.kind == "system"
    assert en.raw["identifier"] == "gmw/en"
    assert en.raw["languages"] == [[2, "en-gb"], [2, "en"]]
    assert by_id["en-US"].languages[0] == "en-us"
    assert all(v.languages for v in listed)


def test_language_filter(espeak: EspeakProvider) -> None:
    english = list(espeak.list_voices(language="en"))
    assert {"en", "en-US", "en-029"} <= {v.id for v in english}
    assert all(any(lang == "en" or lang.startswith("en-") for lang in v.languages)
               for v in english)
    french = [v.id for v in espeak.list_voices(language="FR")]
    assert "fr" in french and "en" not in french
    assert list(espeak.list_voices(language="xx-none")) == []


def test_kind_filter_and_unknown_filters(espeak: EspeakProvider) -> None:
    assert list(espeak.list_voices(kind="cloned")) == []
    with pytest.raises(vk.InvalidInput, match="'bogus'"):  # a kind no provider has: said
        list(espeak.list_voices(kind="bogus"))
    assert next(espeak.list_voices(kind="system")).kind == "system"
    with pytest.raises(vk.InvalidInput, match="gender"):
        espeak.list_voices(gender="female")


def test_variants(espeak: EspeakProvider) -> None:
    variants = espeak.list_variants()
    ids = {v.id for v in variants}
    assert {"f3", "m1"} <= ids
    assert all(v.kind == "variant" for v in variants)


@pytest.mark.parametrize(("given", "espeak_name"), [
    ("en", "gmw/en"),
    ("EN-us", "gmw/en-US"),
    ("gmw/en-US", "gmw/en-US"),
    ("English (America)", "gmw/en-US"),
    ("en-gb", "gmw/en"),  # a language: its preferred voice
    ("fr+m3", "roa/fr+m3"),
    (None, "gmw/en"),
])
def test_resolve_voice(espeak: EspeakProvider, given: str | None, espeak_name: str) -> None:
    assert espeak.resolve_voice(given) == espeak_name


def test_espeak_is_initialised_lazily() -> None:
    code = textwrap.dedent("""
        import json, os
        import voicekit_core as vk
        p = vk.connect("espeak")
        from voicekit_espeak import engine
        def loaded():
            with open("/proc/self/maps") as f:
                return "libespeak-ng" in f.read()
        before = (engine._engine is None, loaded())
        voices = p.list_voices()  # lazy too: nothing happens until iterated
        middle = engine._engine is None
        next(voices)
        print(json.dumps([*before, middle, engine._engine is None, loaded()]))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert json.loads(out.stdout) == [True, False, True, False, True]


def test_every_listed_voice_speaks(espeak: EspeakProvider,
                                   rms: Callable[[bytes], float]) -> None:
    for voice in espeak.list_voices():
        audio = espeak.synthesize("Hello 123.", voice=voice, format="pcm")
        assert audio.duration is not None and audio.duration > 0.3, voice.id
        assert rms(audio.data) > 100, voice.id


def test_voice_without_its_dictionary_is_not_listed_and_not_found(
    espeak: EspeakProvider,
) -> None:
    from voicekit_espeak.engine import get_engine

    broken = [v for v in get_engine().voices if not v.usable]
    listed = {v.id for v in espeak.list_voices()}
    for entry in broken:  # gmq/fo, trk/kaa, art/xex with espeakng-loader 0.2.4
        assert entry.id not in listed
        with pytest.raises(vk.NotFound, match="dictionary"):
            espeak.synthesize("Hello.", voice=entry.id)
