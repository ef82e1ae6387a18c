"""synthesize(): WAV/PCM at the voice's rate, options validated before any work, and the
voice's own defaults."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SAMPLES_PER_ID, build_voice
from voicekit_piper.provider import PiperProvider

import voicekit_core as vk
from voicekit_core.audio import parse_wav_header
from voicekit_core.errors import ConfigurationError, InvalidInput

ReadWav = Callable[[bytes], tuple[int, int, int, bytes]]


def test_wav_at_the_voices_rate(piper: PiperProvider, read_wav: ReadWav,
                                rms: Callable[[bytes], float]) -> None:
    for voice, rate in (("en_US-tiny-low", 16000), ("fr_FR-petit-low", 22050)):
        audio = piper.synthesize("Hello there, friend.", voice=voice)
        assert audio.format == "wav" and audio.sample_rate == rate and audio.channels == 1
        got_rate, channels, width, frames = read_wav(audio.data)
        assert (got_rate, channels, width) == (rate, 1, 2)
        assert audio.duration == pytest.approx(len(frames) / (2 * rate))
        assert len(frames) % (2 * SAMPLES_PER_ID) == 0  # whole ids of the tiny model
        assert rms(frames) > 1000


def test_pcm_format(piper: PiperProvider) -> None:
    wav = piper.synthesize("Hello.", voice="en-us")
    pcm = piper.synthesize("Hello.", voice="en-us", format="PCM")
    assert pcm.format == "pcm" and pcm.data == wav.data[44:]


def test_same_text_same_audio_and_text_matters(piper: PiperProvider) -> None:
    one = piper.synthesize("Good morning.", voice="en-us", format="pcm")
    assert piper.synthesize("Good morning.", voice="en-us", format="pcm").data == one.data
    assert piper.synthesize("Good evening.", voice="en-us", format="pcm").data != one.data


def test_sentences_are_spoken_one_after_the_other(piper: PiperProvider) -> None:
    first = piper.synthesize("Good morning.", voice="en-us", format="pcm").data
    second = piper.synthesize("See you soon!", voice="en-us", format="pcm").data
    both = piper.synthesize("Good morning.  See you\nsoon!", voice="en-us", format="pcm")
    assert both.data == first + second


@pytest.mark.parametrize("length_scale", [0.5, 2.0])
def test_length_scale_stretches_the_audio(piper: PiperProvider, length_scale: float) -> None:
    normal = piper.synthesize("Hello world.", voice="en-us", format="pcm")
    scaled = piper.synthesize("Hello world.", voice="en-us", format="pcm",
                              length_scale=length_scale)
    assert scaled.duration == pytest.approx(normal.duration * length_scale, rel=0.01)


def test_the_voices_inference_defaults_apply(tmp_path: Path) -> None:
    build_voice(tmp_path, "en_US-slow-low", inference={"length_scale": 2.0})
    build_voice(tmp_path, "en_US-tiny-low")
    provider = vk.connect("piper", voices_dir=tmp_path, voice_packages=False)
    slow = provider.synthesize("Hello world.", voice="en_US-slow-low")  # type: ignore[attr-defined]
    tiny = provider.synthesize("Hello world.", voice="en_US-tiny-low")  # type: ignore[attr-defined]
    assert slow.duration == pytest.approx(2 * tiny.duration, rel=0.01)
    again = provider.synthesize("Hello world.", voice="en_US-slow-low",  # type: ignore[attr-defined]
                                length_scale=1.0)
    assert again.duration == pytest.approx(tiny.duration, rel=0.01)


@pytest.mark.parametrize(("options", "field", "limit"), [
    ({"length_scale": 0}, "length_scale", "0.1..10"),
    ({"length_scale": 11}, "length_scale", "0.1..10"),
    ({"noise_scale": -0.1}, "noise_scale", "0..2"),
    ({"noise_w": 2.5}, "noise_w", "0..2"),
    ({"noise_w": math.nan}, "noise_w", "a finite number"),
    ({"length_scale": math.inf}, "length_scale", "a finite number"),
    ({"length_scale": True}, "length_scale", "a finite number"),
    ({"length_scale": "1.0"}, "length_scale", "a finite number"),
    ({"speed": 1.2}, "speed", None),
    ({"speaker": 1}, "speaker", "multi-speaker voices"),
    ({"max_credits": -1}, "max_credits", ">= 0"),
])
def test_bad_options_are_refused_before_any_work(
    tmp_path: Path, options: dict[str, object], field: str, limit: str | None
) -> None:
    """The voice's model file is garbage: an InvalidInput (not a load error) proves the
    options were checked before the model was touched."""
    model = build_voice(tmp_path, "en_US-broken-low")
    model.write_bytes(b"not an onnx model")
    provider = vk.connect("piper", voices_dir=tmp_path, voice_packages=False)
    with pytest.raises(InvalidInput) as info:
        provider.synthesize("Hello.", voice="en_US-broken-low", **options)  # type: ignore[attr-defined]
    assert info.value.field == field
    if limit is not None:
        assert info.value.limit == limit
    with pytest.raises(ConfigurationError) as loading:
        provider.synthesize("Hello.", voice="en_US-broken-low")  # type: ignore[attr-defined]
    assert "cannot load piper voice model" in str(loading.value)


@pytest.mark.parametrize(("text", "limit"), [
    ("", "non-empty"),
    ("   \n", "non-empty"),
    ("x" * 100_001, "at most 100000 characters"),
    ("a\0b", "no NUL characters"),
    ("bad \ud800 surrogate", "valid Unicode"),
    (b"bytes", "a str"),
])
def test_bad_text(piper: PiperProvider, text: object, limit: str) -> None:
    with pytest.raises(InvalidInput) as info:
        piper.synthesize(text, voice="en-us")  # type: ignore[arg-type]
    assert info.value.field == "text" and info.value.limit == limit


def test_bad_format(piper: PiperProvider) -> None:
    with pytest.raises(InvalidInput) as info:
        piper.synthesize("Hello.", voice="en-us", format="mp3")
    assert info.value.field == "format"


def test_text_without_speakable_symbols_gives_empty_audio(piper: PiperProvider) -> None:
    audio = piper.synthesize("...", voice="en-us")
    info = parse_wav_header(audio.data)
    assert info.sample_rate == 16000 and audio.duration is not None
    assert audio.duration == 0 and len(audio.data) == 44


def test_multi_speaker_voice(tmp_path: Path) -> None:
    build_voice(tmp_path, "en_US-many-low", speakers=3)
    provider = vk.connect("piper", voices_dir=tmp_path, voice_packages=False)
    voice = next(provider.list_voices())  # type: ignore[attr-defined]
    assert voice.raw["speakers"] == ["speaker0", "speaker1", "speaker2"]
    loud = provider.synthesize("Hi there.", voice=voice, format="pcm")  # type: ignore[attr-defined]
    quiet = provider.synthesize("Hi there.", voice=voice, format="pcm",  # type: ignore[attr-defined]
                                speaker="speaker2")
    by_number = provider.synthesize("Hi there.", voice=voice, format="pcm",  # type: ignore[attr-defined]
                                    speaker=2)
    assert quiet.data == by_number.data != loud.data
    assert len(quiet.data) == len(loud.data)
    for bad in (3, -1, "nobody", True):
        with pytest.raises(InvalidInput) as info:
            provider.synthesize("Hi.", voice=voice, speaker=bad)  # type: ignore[attr-defined]
        assert info.value.field == "speaker"


def test_a_model_that_is_not_a_piper_voice(tmp_path: Path) -> None:
    from conftest import build_model

    build_voice(tmp_path, "en_US-odd-low")
    build_model(tmp_path / "en_US-odd-low.onnx", inputs=("input", "input_lengths"))
    provider = vk.connect("piper", voices_dir=tmp_path, voice_packages=False)
    with pytest.raises(ConfigurationError) as info:
        provider.synthesize("Hello.")  # type: ignore[attr-defined]
    assert "lacks input(s) scales" in str(info.value)


def test_an_unknown_espeak_voice_is_not_found(tmp_path: Path) -> None:
    from voicekit_core.errors import NotFound

    build_voice(tmp_path, "xx_XX-nowhere-low", language="xx_XX", espeak_voice="no-such-voice")
    provider = vk.connect("piper", voices_dir=tmp_path, voice_packages=False)
    with pytest.raises(NotFound) as info:
        provider.synthesize("Hello.")  # type: ignore[attr-defined]
    assert "no-such-voice" in str(info.value)


def test_estimate_and_budget(piper: PiperProvider) -> None:
    cost = piper.estimate("synthesize", text="Hello.")
    assert cost is not None and cost.credits == 0
    assert piper.synthesize("Hello.", voice="en-us", max_credits=0).duration
    assert piper.estimate("dub") is None


def test_save(piper: PiperProvider, tmp_path: Path, read_wav: ReadWav) -> None:
    path = piper.synthesize("Hello.", voice="fr").save(tmp_path / "out.wav")
    assert read_wav(Path(path).read_bytes())[0] == 22050
