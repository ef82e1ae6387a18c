"""Synthesize: real speech as WAV with the true sample rate, through voicekit_core.connect."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from voicekit_espeak.engine import get_engine
from voicekit_espeak.provider import EspeakProvider

import voicekit_core as vk

ReadWav = Callable[[bytes], tuple[int, int, int, bytes]]


def test_providers_lists_espeak_with_exactly_its_capabilities() -> None:
    infos = {i.name: i for i in vk.providers()}
    assert infos["espeak"].capabilities == ("ListVoices", "Synthesize", "StreamSynthesize")
    assert infos["espeak"].credentials == ()
    assert infos["espeak"].distribution == "voicekit-espeak"
    assert "espeak" in [i.name for i in vk.providers(vk.StreamSynthesize)]


def test_provider_is_local(espeak: EspeakProvider) -> None:
    assert espeak.remote is False
    assert espeak.base_url is None
    assert espeak.capabilities == ("ListVoices", "Synthesize", "StreamSynthesize")
    with pytest.raises(vk.CapabilityNotSupported) as info:
        vk.require(espeak, vk.Dub)
    dubbers = [i.name for i in vk.providers(vk.Dub)]  # voicedub, when it is installed too
    assert list(info.value.alternatives) == dubbers
    expected = ", ".join(dubbers) if dubbers else "no installed provider supports it"
    assert expected in str(info.value)


def test_wav_holds_speech(espeak: EspeakProvider, read_wav: ReadWav,
                          rms: Callable[[bytes], float], tmp_path: Path) -> None:
    audio = espeak.synthesize("Hello from voicekit", voice="en")
    path = audio.save(tmp_path / "hello.wav")
    rate, channels, width, frames = read_wav(path.read_bytes())
    assert rate == audio.sample_rate == get_engine().sample_rate == espeak.sample_rate
    assert (channels, width) == (1, 2)
    seconds = len(frames) / (rate * width)
    assert seconds > 0.5
    assert audio.duration == pytest.approx(seconds)
    assert rms(frames) > 500


def test_voice_defaults_to_en(espeak: EspeakProvider, read_wav: ReadWav) -> None:
    audio = espeak.synthesize("Hello there.")
    assert read_wav(audio.data)[0] == espeak.sample_rate
    assert audio.duration is not None and audio.duration > 0.5


def test_bytes_text_and_voice_object(espeak: EspeakProvider) -> None:
    voice = next(espeak.list_voices(language="de"))
    audio = espeak.synthesize("Grüß Gott, wie geht es?".encode(), voice=voice)
    assert audio.format == "wav" and audio.duration is not None and audio.duration > 0.5


def test_pcm_format(espeak: EspeakProvider) -> None:
    audio = espeak.synthesize("Raw samples please.", format="pcm")
    assert audio.format == "pcm" and audio.data[:4] != b"RIFF"
    assert audio.sample_rate == espeak.sample_rate and audio.channels == 1
    assert audio.duration == pytest.approx(len(audio.data) / (2 * espeak.sample_rate))


def test_rate_pitch_volume_change_the_audio(espeak: EspeakProvider,
                                            rms: Callable[[bytes], float]) -> None:
    text = "The quick brown fox jumps over the lazy dog."
    normal = espeak.synthesize(text, format="pcm")
    fast = espeak.synthesize(text, format="pcm", rate=400)
    slow = espeak.synthesize(text, format="pcm", rate=90)
    assert normal.duration and fast.duration and slow.duration
    assert fast.duration < normal.duration < slow.duration
    quiet = espeak.synthesize(text, format="pcm", volume=20)
    assert rms(quiet.data) < rms(normal.data) / 2
    low = espeak.synthesize(text, format="pcm", pitch=0)
    assert low.data != normal.data


def test_variant_voice(espeak: EspeakProvider) -> None:
    assert espeak.resolve_voice("en+f3") == "gmw/en+f3"
    audio = espeak.synthesize("A variant voice.", voice="en+f3")
    assert audio.duration is not None and audio.duration > 0.5


def test_estimate_is_free(espeak: EspeakProvider) -> None:
    assert espeak.estimate("synthesize", text="hi") == vk.Cost(credits=0.0, exact=True)
    assert espeak.estimate("dub") is None
    espeak.synthesize("Free.", max_credits=0)
