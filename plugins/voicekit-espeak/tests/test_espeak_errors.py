"""Bad input gives InvalidInput / NotFound before espeak-ng is called, never a crash."""

from __future__ import annotations

from typing import Any

import pytest
from voicekit_espeak.provider import MAX_TEXT_CHARS, EspeakProvider

import voicekit_core as vk

BAD: list[tuple[dict[str, Any], type[vk.VoicekitError], str]] = [
    ({"text": ""}, vk.InvalidInput, "empty"),
    ({"text": "   \n"}, vk.InvalidInput, "empty"),
    ({"text": "x" * 1_000_000}, vk.InvalidInput, "100000"),
    ({"text": "x" * (MAX_TEXT_CHARS + 1)}, vk.InvalidInput, "100000"),
    ({"text": b"x" * 1_000_000}, vk.InvalidInput, "100000"),
    ({"text": "hello", "voice": "no-such-voice"}, vk.NotFound, "no-such-voice"),
    ({"text": "hello", "voice": "en+no-such-variant"}, vk.NotFound, "no-such-variant"),
    ({"text": "hello", "voice": ""}, vk.InvalidInput, "voice"),
    ({"text": b"caf\xe9 \xff"}, vk.InvalidInput, "UTF-8"),
    ({"text": "a\ud800b"}, vk.InvalidInput, "surrogate"),
    ({"text": "nul\0inside"}, vk.InvalidInput, "NUL"),
    ({"text": 42}, vk.InvalidInput, "str"),
    ({"text": "hello", "rate": 79}, vk.InvalidInput, "80..450"),
    ({"text": "hello", "rate": 451}, vk.InvalidInput, "80..450"),
    ({"text": "hello", "rate": 1e9}, vk.InvalidInput, "80..450"),
    ({"text": "hello", "rate": True}, vk.InvalidInput, "80..450"),
    ({"text": "hello", "pitch": 101}, vk.InvalidInput, "0..100"),
    ({"text": "hello", "volume": -1}, vk.InvalidInput, "0..200"),
    ({"text": "hello", "speed": 2}, vk.InvalidInput, "speed"),
    ({"text": "hello", "format": "mp3"}, vk.InvalidInput, "wav"),
    ({"text": "hello", "max_credits": -1}, vk.InvalidInput, "max_credits"),
]


def _ids() -> list[str]:
    return [f"{i}-{error.__name__}-{match}" for i, (_, error, match) in enumerate(BAD)]


@pytest.mark.parametrize(("args", "error", "match"), BAD, ids=_ids())
def test_synthesize_rejects(espeak: EspeakProvider, args: dict[str, Any],
                            error: type[vk.VoicekitError], match: str) -> None:
    with pytest.raises(error, match=match) as info:
        espeak.synthesize(**args)
    assert info.value.provider == "espeak" or error is vk.InvalidInput


@pytest.mark.parametrize(("args", "error", "match"), BAD, ids=_ids())
def test_stream_synthesize_rejects_before_streaming(
    espeak: EspeakProvider, args: dict[str, Any], error: type[vk.VoicekitError], match: str
) -> None:
    with pytest.raises(error, match=match):
        espeak.stream_synthesize(**args)


@pytest.mark.parametrize(("args", "error"), [
    ({"voice": "no-such-voice"}, vk.NotFound),
    ({"rate": 1000}, vk.InvalidInput),
    ({"format": "ogg"}, vk.InvalidInput),
])
def test_open_stream_rejects(espeak: EspeakProvider, args: dict[str, Any],
                             error: type[vk.VoicekitError]) -> None:
    with pytest.raises(error):
        espeak.open_stream(**args)


def test_duplex_send_rejects_bad_text(espeak: EspeakProvider) -> None:
    with espeak.open_stream() as duplex:
        with pytest.raises(vk.InvalidInput):
            duplex.send("")
        with pytest.raises(vk.InvalidInput, match="100000"):
            duplex.send("y" * 1_000_000)
        with pytest.raises(vk.InvalidInput, match="NUL"):
            duplex.send("a\0b")
        duplex.send("Still usable.")
        duplex.finish()
        audio = duplex.read()
    assert audio.duration is not None and audio.duration > 0.3


def test_engine_still_works_after_bad_input(espeak: EspeakProvider) -> None:
    for args, error, _ in BAD:
        with pytest.raises(error):
            espeak.synthesize(**args)
    audio = espeak.synthesize("Still alive.")
    assert audio.duration is not None and audio.duration > 0.5


def test_unknown_connect_option() -> None:
    with pytest.raises(vk.ConfigurationError):
        vk.connect("espeak", api_key="nope")
