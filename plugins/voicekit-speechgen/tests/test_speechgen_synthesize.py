"""Synthesize: formats, speed and pitch, headers onto Audio, local validation, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import voicekit_core as vk
from voicekit_core.audio import parse_wav_header, sniff_format
from voicekit_core.errors import (
    BadResponse,
    InsufficientCredits,
    InvalidInput,
    InvalidRequest,
    NotFound,
    ServerError,
)
from voicekit_core.testing.media import tone_wav

from voicekit_speechgen.emulator import SpeechgenEmulator
from voicekit_speechgen.provider import SpeechgenProvider

TTS = "/v1/text-to-speech"


@pytest.mark.parametrize(("fmt", "ctype"), [("mp3", "audio/mpeg"), ("wav", "audio/wav"),
                                            ("ogg", "audio/ogg")])
def test_formats(speechgen: SpeechgenProvider, fmt: str, ctype: str) -> None:
    audio = speechgen.synthesize("Hello there, world.", voice="en-US-aria", format=fmt)
    assert audio.format == fmt
    assert sniff_format(audio.data[:64]) == fmt
    assert audio.metadata["content_type"] == ctype
    assert audio.metadata["characters_used"] == len("Hello there, world.")
    assert audio.duration == pytest.approx(len("Hello there, world.") * 0.06, abs=1e-3)
    assert audio.metadata["request_id"]


def test_default_format_is_wav_and_real(speechgen: SpeechgenProvider) -> None:
    assert speechgen.synthesize("Hi", voice="en-US-guy", format="MP3").format == "mp3"
    wav = speechgen.synthesize("A longer sentence to speak.", voice="en-US-guy")
    assert wav.format == "wav"
    info = parse_wav_header(wav.data)
    assert wav.sample_rate == info.sample_rate and wav.channels == 1
    assert wav.duration == pytest.approx(info.duration(len(wav.data) - info.data_offset),
                                         abs=1e-3)


@pytest.mark.parametrize("fmt", ["wav", "mp3"])
def test_to_path_writes_the_answer_straight_into_the_file(speechgen: SpeechgenProvider,
                                                          tmp_path: Path, fmt: str) -> None:
    text = "A longer sentence to speak."
    in_memory = speechgen.synthesize(text, voice="en-US-guy", format=fmt)
    saved = speechgen.synthesize(text, voice="en-US-guy", format=fmt,
                                 to=tmp_path / f"a.{fmt}")
    assert isinstance(saved, vk.SavedAudio) and saved.data == in_memory.data
    assert (saved.format, saved.duration) == (in_memory.format, in_memory.duration)
    assert saved.metadata["characters_used"] == len(text)


def test_speed_and_pitch_are_sent(speechgen: SpeechgenProvider) -> None:
    text = "x" * 100
    assert speechgen.tts_payload(text, voice="en-US-aria", speed=2.0, pitch=-3) == {
        "text": text, "voice": "en-US-aria", "format": "wav", "speed": 2.0, "pitch": -3.0}
    slow = speechgen.synthesize(text, voice="en-US-aria", speed=0.5, pitch=4)
    fast = speechgen.synthesize(text, voice="en-US-aria", speed=2.0, pitch=-4)
    assert slow.duration == pytest.approx(12.0) and fast.duration == pytest.approx(3.0)


def test_ssml_counts_characters(speechgen: SpeechgenProvider,
                                speechgen_emulator: SpeechgenEmulator) -> None:
    ssml = '<speak>Hello <break time="1s"/> there</speak>'
    audio = speechgen.synthesize(ssml, voice="en-US-aria")
    assert audio.metadata["characters_used"] == len(ssml)
    assert speechgen_emulator.ledger.spent == len(ssml)
    assert speechgen.estimate("synthesize", text=ssml) == vk.Cost(len(ssml), "characters",
                                                                  exact=False)


def test_cloned_voice_speaks(speechgen: SpeechgenProvider) -> None:
    voice = speechgen.clone_voice(tone_wav(10.5, sample_rate=8000), name="Me").wait(600)
    assert speechgen.synthesize("Hello", voice=voice).data
    assert speechgen.synthesize("Hello", voice=voice.id).data
    assert speechgen.get_model(voice.raw["model_id"]).usage_count == 2


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"text": ""}, "text"),
    ({"text": "   \n"}, "text"),
    ({"text": None}, "text"),
    ({"format": "flac"}, "format"),
    ({"format": "pcm"}, "format"),
    ({"speed": 0.1}, "speed"),
    ({"speed": 4.5}, "speed"),
    ({"speed": "fast"}, "speed"),
    ({"speed": True}, "speed"),
    ({"speed": float("nan")}, "speed"),
    ({"pitch": -21}, "pitch"),
    ({"pitch": 20.5}, "pitch"),
    ({"voice": ""}, "voice"),
    ({"emotion": "happy"}, "emotion"),
])
def test_local_validation_before_any_request(
    speechgen: SpeechgenProvider, speechgen_emulator: SpeechgenEmulator,
    kwargs: dict[str, object], field: str,
) -> None:
    args: dict[str, object] = {"text": "Hello", "voice": "en-US-aria", **kwargs}
    with pytest.raises(InvalidInput) as info:
        speechgen.synthesize(**args)  # type: ignore[arg-type]
    assert info.value.field == field
    assert info.value.limit
    assert speechgen_emulator.requests() == []


def test_range_messages_name_limit_and_value(speechgen: SpeechgenProvider) -> None:
    with pytest.raises(InvalidInput, match=r"speed=5 is out of range; allowed 0\.25\.\.4"):
        speechgen.synthesize("Hi", voice="en-US-aria", speed=5)


def test_ranges_are_configurable(speechgen_emulator: SpeechgenEmulator,
                                 voicekit_fast_retries: None) -> None:
    narrow = vk.connect("speechgen", speed_range=(0.5, 2.0), pitch_range=(-5, 5),
                        max_text_chars=10, **speechgen_emulator.connect_options())
    with pytest.raises(InvalidInput, match=r"allowed 0\.5\.\.2"):
        narrow.synthesize("Hi", voice="en-US-aria", speed=3)
    with pytest.raises(InvalidInput, match="the limit is 10"):
        narrow.synthesize("x" * 11, voice="en-US-aria")
    # no local range: Speechgen itself refuses, with its envelope
    open_ = vk.connect("speechgen", speed_range=None, **speechgen_emulator.connect_options())
    with pytest.raises(InvalidRequest) as info:
        open_.synthesize("Hi", voice="en-US-aria", speed=9)
    assert info.value.code == "invalid_parameter" and "param: speed" in str(info.value)
    with pytest.raises(vk.ConfigurationError, match="min <= max"):
        vk.connect("speechgen", speed_range=(2, 1), **speechgen_emulator.connect_options())
    with pytest.raises(vk.ConfigurationError, match="max_text_chars"):
        vk.connect("speechgen", max_text_chars=0, **speechgen_emulator.connect_options())
    assert open_.speed_range is None and open_.pitch_range == (-20.0, 20.0)


def test_model_id_as_voice_is_explained_locally(speechgen: SpeechgenProvider,
                                                speechgen_emulator: SpeechgenEmulator) -> None:
    job = speechgen.clone_voice(tone_wav(10.5, sample_rate=8000), name="Mine")
    before = len(speechgen_emulator.requests())
    with pytest.raises(InvalidInput) as info:
        speechgen.synthesize("Hello", voice=job.id)
    message = str(info.value)
    assert job.id in message and "model_id" in message and "voice_id" in message
    assert "custom-" in message and "get_model" in message
    assert info.value.field == "voice"
    assert len(speechgen_emulator.requests()) == before


def test_unknown_voice_is_not_found(speechgen: SpeechgenProvider) -> None:
    with pytest.raises(NotFound) as info:
        speechgen.synthesize("Hello", voice="custom-nope")
    assert info.value.code == "invalid_voice" and info.value.status == 400
    assert "custom-nope" in str(info.value) and "param: voice" in str(info.value)


def test_insufficient_credits(voicekit_fast_retries: None) -> None:
    with SpeechgenEmulator(credits=5) as emu:
        provider = vk.connect("speechgen", **emu.connect_options())
        with pytest.raises(InsufficientCredits) as info:
            provider.synthesize("more than five", voice="en-US-aria")
        assert info.value.code == "insufficient_credits"
        provider.synthesize("four", voice="en-US-aria")
        assert emu.ledger.balance == 1


def test_max_credits(speechgen: SpeechgenProvider,
                     speechgen_emulator: SpeechgenEmulator) -> None:
    with pytest.raises(vk.CreditLimitExceeded):
        speechgen.synthesize("twelve chars", voice="en-US-aria", max_credits=11)
    assert speechgen_emulator.requests() == []
    speechgen.synthesize("twelve chars", voice="en-US-aria", max_credits=12)


def test_spending_post_is_not_retried(speechgen: SpeechgenProvider,
                                      speechgen_emulator: SpeechgenEmulator) -> None:
    speechgen_emulator.faults.add(f"POST {TTS}", "error", error="server_error", count=5)
    with pytest.raises(ServerError) as info:
        speechgen.synthesize("Hello", voice="en-US-aria")
    assert info.value.code == "internal_error"
    assert len(speechgen_emulator.requests("POST", TTS)) == 1


def test_rate_limited_post_is_retried(speechgen: SpeechgenProvider,
                                      speechgen_emulator: SpeechgenEmulator) -> None:
    speechgen_emulator.faults.add(f"POST {TTS}", "error", error="rate_limited", count=1)
    assert speechgen.synthesize("Hello", voice="en-US-aria").data
    assert len(speechgen_emulator.requests("POST", TTS)) == 2


def test_json_instead_of_audio_is_bad_response(speechgen: SpeechgenProvider,
                                               speechgen_emulator: SpeechgenEmulator) -> None:
    speechgen_emulator.faults.add(f"POST {TTS}", "status", status=200, body=b'{"ok": true}')
    with pytest.raises(BadResponse):
        speechgen.synthesize("Hello", voice="en-US-aria")
