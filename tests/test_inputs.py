"""Checked inputs (voicekit_core.inputs): text, audio, path segments, languages."""

from __future__ import annotations

import io
import os
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import voicekit_core as vk
from voicekit_core.audio import AudioSource
from voicekit_core.inputs import (
    AudioRules,
    TextRules,
    language_code,
    language_name,
    not_audio,
    segment,
)
from voicekit_core.testing.media import tone_wav

# -- text --------------------------------------------------------------------------------


def test_text_rules_check_limits_and_name_the_field() -> None:
    rules = TextRules(max_chars=5, max_bytes=6)
    assert rules.check("héllo") == "héllo"
    with pytest.raises(vk.InvalidInput, match="6 characters") as info:
        rules.check("hello!")
    assert info.value.field == "text" and info.value.limit == "at most 5 characters"
    with pytest.raises(vk.InvalidInput, match="UTF-8 bytes") as info:
        rules.check("日本語")
    with pytest.raises(vk.InvalidInput) as info:
        rules.check(" \n", field="script")
    assert info.value.field == "script"
    for bad in (None, 5, b"hi", ["hi"], "a\ud800", "a\0b"):
        with pytest.raises(vk.InvalidInput):
            rules.check(bad)


def test_text_rules_may_take_utf8_bytes() -> None:
    rules = TextRules(max_chars=10, bytes_ok=True)
    assert rules.check("héllo".encode()) == "héllo"
    with pytest.raises(vk.InvalidInput, match="not valid UTF-8") as info:
        rules.check(b"\xff\xfe")
    assert info.value.limit == "UTF-8"
    with pytest.raises(vk.InvalidInput, match="10 characters"):
        rules.check(b"x" * 41)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.binary(), st.integers(), st.none(), st.floats()))
def test_text_rules_let_only_invalid_input_escape(value: Any) -> None:
    try:
        checked = TextRules(max_bytes=20, bytes_ok=True).check(value)
    except vk.InvalidInput:
        return
    assert checked.strip() and len(checked.encode("utf-8")) <= 20


# -- audio -------------------------------------------------------------------------------


def test_one_input_unwraps_a_list_of_one(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(tone_wav(0.2))
    source = AudioRules().check([str(path)])
    assert isinstance(source, AudioSource) and source.format == "wav"
    assert AudioRules().check(path).name == "a.wav"
    with pytest.raises(vk.InvalidInput, match="exactly 1") as info:
        AudioRules().check([path, path], field="sample")
    assert info.value.field == "sample"
    with pytest.raises(vk.InvalidInput, match="exactly 1"):
        AudioRules().check([])


def test_many_inputs_give_a_list_within_the_count() -> None:
    rules = AudioRules(count=(1, 5))
    assert [s.format for s in rules.check(tone_wav(0.1))] == ["wav"]  # type: ignore[union-attr]
    assert len(rules.check((tone_wav(0.1),) * 5)) == 5  # type: ignore[arg-type]
    with pytest.raises(vk.InvalidInput, match="1 to 5") as info:
        rules.check([tone_wav(0.1)] * 6, field="samples")
    assert info.value.limit == "1 to 5 input(s)"
    with pytest.raises(vk.InvalidInput, match="1 to 5"):
        rules.check([], field="samples")
    with pytest.raises(vk.InvalidInput, match=r"samples\[1\]") as info:
        rules.check([tone_wav(0.1), b"just some text, not audio at all"], field="samples")
    assert info.value.field == "samples"


def test_iterables_of_inputs_are_read_with_a_bound() -> None:
    rules = AudioRules(count=(1, 3))
    assert len(rules.check(tone_wav(0.1) for _ in range(2))) == 2  # type: ignore[arg-type]

    def endless() -> Any:
        while True:
            yield tone_wav(0.1)

    with pytest.raises(vk.InvalidInput, match="1 to 3"):
        rules.check(endless(), field="samples")

    def broken() -> Any:
        yield tone_wav(0.1)
        raise OSError("disk gone")

    with pytest.raises(vk.InvalidInput, match="could not be read") as info:
        rules.check(broken(), field="samples")
    assert info.value.field == "samples"
    with pytest.raises(vk.InvalidInput, match="got dict"):
        rules.check({"a": tone_wav(0.1)}, field="samples")
    one = AudioRules().check(iter([tone_wav(0.1)]))
    assert isinstance(one, AudioSource)


_hostile_audio = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.binary(max_size=600),
    st.text(max_size=40), st.sampled_from(["/", ".", "..", "/etc/hostname", "/dev/null",
                                           "/proc/self/status", "https://", "http://x y"]),
)


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(_hostile_audio, st.lists(_hostile_audio, max_size=4)),
       urls=st.booleans())
def test_audio_rules_let_only_invalid_input_escape(value: Any, urls: bool) -> None:
    for rules in (AudioRules(urls=urls), AudioRules(count=(1, 3), urls=urls)):
        try:
            checked = rules.check(value, field="samples")
        except vk.InvalidInput as exc:
            assert exc.field == "samples" and exc.limit
            continue
        sources = checked if isinstance(checked, list) else [checked]
        assert all(isinstance(s, AudioSource) for s in sources)
        assert all(s.is_url or (s.size or 0) > 0 for s in sources)


@pytest.mark.parametrize("make", [
    lambda d: str(d / "missing.wav"),
    lambda d: d / "missing.wav",
    lambda d: str(d),
    lambda d: "",
    lambda d: "   ",
    lambda d: "a\0b.wav",
    lambda d: Path("a\0b.wav"),
    lambda d: "x" * 5000,
    lambda d: "\ud800.wav",
    lambda d: os.fsencode(str(d / "a.wav")).decode("latin-1") + "\udcff",
    lambda d: 42,
    lambda d: 4.2,
    lambda d: True,
    lambda d: None,
    lambda d: {"path": "a.wav"},
    lambda d: {"a.wav"},
    lambda d: object(),
    lambda d: io.StringIO("text mode"),
    lambda d: "https://example.com/a.wav",
])
def test_bad_audio_inputs_are_invalid_input(tmp_path: Path, make: Any) -> None:
    with pytest.raises(vk.InvalidInput) as info:
        AudioRules().check(make(tmp_path), field="audio")
    assert info.value.field == "audio" and info.value.limit


def test_a_closed_file_and_an_unreadable_file_are_invalid_input(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(tone_wav(0.1))
    with path.open("rb") as f:
        pass
    with pytest.raises(vk.InvalidInput):
        AudioRules().check(f)
    if os.geteuid() != 0:  # root reads anything
        path.chmod(0)
        try:
            with pytest.raises(vk.InvalidInput, match="cannot read"):
                AudioRules().check(path)
        finally:
            path.chmod(0o600)


def test_empty_input_is_refused_unless_allowed(tmp_path: Path) -> None:
    empty = tmp_path / "e.wav"
    empty.write_bytes(b"")
    with pytest.raises(vk.InvalidInput, match="empty") as info:
        AudioRules().check(empty)
    assert info.value.limit == "not empty"
    with pytest.raises(vk.InvalidInput, match="empty"):
        AudioRules().check(b"")
    assert AudioRules(not_empty=False).check(b"").size == 0  # type: ignore[union-attr]


@pytest.mark.parametrize(("data", "kind"), [
    (b"hello, this is the transcript, not the recording\n", "text"),
    (b"\xef\xbb\xbf  plain text with a BOM", "text"),
    (b'  {"error": "not audio"}', "JSON text"),
    (b"[1, 2, 3]", "JSON text"),
    (b"<!DOCTYPE html><html><body>Bad gateway</body></html>", "an HTML page"),
    (b"<?xml version='1.0'?><Error/>", "XML or HTML text"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "a PDF document"),
    (b"PK\x03\x04\x14\x00\x00\x00", "a zip archive"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "a PNG image"),
    ("caf\u00e9 ".encode() * 200, "text"),  # a multi-byte character cut by the head
])
def test_sniff_refuses_what_is_clearly_not_audio(tmp_path: Path, data: bytes, kind: str) -> None:
    assert not_audio(data[:512]) == kind
    path = tmp_path / "voice.wav"  # the name says audio; the bytes do not
    path.write_bytes(data)
    with pytest.raises(vk.InvalidInput, match="not audio") as info:
        AudioRules().check(path, field="samples")
    assert info.value.limit == "audio data" and kind in str(info.value)
    with pytest.raises(vk.InvalidInput, match="not audio"):
        AudioRules().check(data)
    assert AudioRules(sniff=False).check(data).size == len(data)  # type: ignore[union-attr]


@pytest.mark.parametrize("data", [
    bytes(2000),  # raw PCM silence
    bytes(range(256)) * 4,  # binary of an unknown container
    b"\xff\xf1\x50\x80" + bytes(100),  # an AAC ADTS frame
])
def test_sniff_lets_unknown_binary_through(data: bytes) -> None:
    assert not_audio(data[:512]) is None
    assert AudioRules().check(data).size == len(data)  # type: ignore[union-attr]


def test_formats_sizes_and_durations(tmp_path: Path) -> None:
    wav = tone_wav(1.0)
    with pytest.raises(vk.InvalidInput, match="allowed formats: mp3"):
        AudioRules(formats=("mp3",)).check(wav)
    with pytest.raises(vk.InvalidInput, match="the limit is 100 bytes"):
        AudioRules(max_bytes=100).check(wav)
    with pytest.raises(vk.InvalidInput, match="the minimum is 2 s"):
        AudioRules(min_seconds=2).check(wav)
    with pytest.raises(vk.InvalidInput, match=r"the maximum is 0\.5 s"):
        AudioRules(max_seconds=0.5).check(wav)
    checked = AudioRules(formats=("wav",), min_seconds=0.5, max_seconds=2).check(wav)
    assert isinstance(checked, AudioSource) and checked.format == "wav"


def test_urls_only_when_allowed() -> None:
    link = AudioSource.from_input("https://example.com/a.mp3", allow_url=True)
    with pytest.raises(vk.InvalidInput, match="does not take links"):
        AudioRules().check(link)
    assert AudioRules(urls=True).check(link) is link
    with pytest.raises(vk.InvalidInput, match="does not take links"):
        AudioRules().check("https://example.com/a.mp3")
    source = AudioRules(urls=True).check("https://example.com/a.mp3")
    assert isinstance(source, AudioSource) and source.url == "https://example.com/a.mp3"
    for bad in ("https://exa mple.com/a.mp3", "https://\x00/a", "http://[::1/a.mp3"):
        with pytest.raises(vk.InvalidInput):
            AudioRules(urls=True).check(bad)


def test_file_objects_and_sources_pass(tmp_path: Path) -> None:
    buffer = io.BytesIO(b"xx" + tone_wav(0.1))
    buffer.seek(2)
    source = AudioRules().check(buffer)
    assert isinstance(source, AudioSource) and source.format == "wav"
    already = AudioSource.from_input(tone_wav(0.1))
    assert AudioRules().check(already) is already


# -- path segments -------------------------------------------------------------------------


def test_segment_quotes_safe_ids() -> None:
    assert segment("voice_1") == "voice_1"
    assert segment(42) == "42"
    assert segment("a b%c") == "a%20b%25c"
    assert segment("é") == "%C3%A9"
    assert segment(" v 1 ") == "%20v%201%20"  # kept as given by default
    assert segment(" v 1 ", strip=True) == "v%201"
    with pytest.raises(vk.InvalidInput):
        segment("  ", strip=True)


@pytest.mark.parametrize("value", [
    "", " ", ".", "..", " .. ", "a/b", "a?b", "a#b", "a\\b", "a\nb", "\x00", "a\x7fb",
    "a\x85b", "\ud800", True, False, None, 1.5, b"id", ["id"], 10**30, "x" * 2000,
])
def test_segment_refuses_what_could_change_the_path(value: Any) -> None:
    with pytest.raises(vk.InvalidInput) as info:
        segment(value, field="voice_id")
    assert info.value.field == "voice_id" and info.value.limit


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), st.integers()))
def test_segment_output_never_leaves_its_segment(value: Any) -> None:
    try:
        quoted = segment(value)
    except vk.InvalidInput:
        return
    assert quoted not in ("", ".", "..")
    assert not set(quoted) & set("/?#\\ ")
    assert urllib.parse.unquote(quoted) == str(value)


# -- languages -----------------------------------------------------------------------------


def test_language_names_and_codes_round_trip() -> None:
    assert language_code("English") == "en"
    assert language_code(" japanese ") == "ja"
    assert language_code("EN") == "en"
    assert language_code("Klingon") is None
    assert language_code(None) is None  # type: ignore[arg-type]
    assert language_name("en") == "English"
    assert language_name("pt-BR") == "Portuguese"
    assert language_name("th") == "Thai"
    assert language_name("xx") is None
    assert language_name(3) is None  # type: ignore[arg-type]
    for name in ("english", "spanish", "french", "german", "italian", "portuguese", "polish",
                 "dutch", "russian", "ukrainian", "japanese", "chinese", "korean", "hindi",
                 "arabic", "turkish", "swedish", "czech", "thai"):
        code = language_code(name)
        assert code is not None and (language_name(code) or "").lower() == name


@pytest.mark.parametrize("value", ["a\0b.wav", "\ud800.wav", "x" * 5000, Path("a\0b")])
def test_audio_source_itself_refuses_unusable_paths(value: Any) -> None:
    # providers that call AudioSource.from_input directly get InvalidInput too
    with pytest.raises(vk.InvalidInput) as info:
        AudioSource.from_input(value, field="source")
    assert info.value.field == "source"
