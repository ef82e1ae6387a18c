"""Output conversion: formats and sample rates as asked, or a clear refusal."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import voicekit_core as vk
from voicekit_core import convert
from voicekit_core.audio import parse_wav_header, sniff_format, wav_header
from voicekit_core.errors import BadResponse, ConfigurationError, InvalidInput
from voicekit_core.models import Audio, AudioStream
from voicekit_core.testing.media import tone_pcm, tone_wav

pytest.importorskip("soundfile")
pytest.importorskip("soxr")


def wav(seconds: float = 0.5, rate: int = 22050) -> Audio:
    return Audio(data=tone_wav(seconds, sample_rate=rate), format="wav")


@pytest.fixture
def no_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if voicekit-core[convert] were not installed (imports of it fail)."""
    for name in ("soundfile", "soxr"):
        monkeypatch.setitem(sys.modules, name, None)


@pytest.mark.parametrize(("suffix", "magic"), [
    (".mp3", "mp3"), (".ogg", "ogg"), (".opus", "ogg"), (".flac", "flac"), (".wav", "wav"),
])
def test_audio_save_converts_to_the_suffix(tmp_path: Path, suffix: str, magic: str) -> None:
    path = wav().save(tmp_path / f"x{suffix}")
    assert sniff_format(path.read_bytes()[:64]) == magic


def test_audio_save_pcm_strips_the_header_without_the_extra(tmp_path: Path,
                                                            no_extra: None) -> None:
    audio = wav(0.1)
    path = audio.save(tmp_path / "x.pcm")
    assert path.read_bytes() == tone_pcm(0.1)
    back = Audio(data=path.read_bytes(), format="pcm", sample_rate=22050, channels=1)
    assert back.convert("wav").data == audio.data  # and back, byte for byte


def test_unknown_suffix_writes_the_audio_as_it_is(tmp_path: Path) -> None:
    audio = wav(0.1)
    assert audio.save(tmp_path / "x.bin").read_bytes() == audio.data


def test_without_the_extra_mp3_is_refused_and_nothing_written(tmp_path: Path,
                                                              no_extra: None) -> None:
    with pytest.raises(ConfigurationError, match=r"voicekit-core\[convert\]"):
        wav().save(tmp_path / "x.mp3")
    assert list(tmp_path.iterdir()) == []


def test_a_format_nothing_writes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as err:
        wav().save(tmp_path / "x.m4a")
    assert err.value.field == "format" and "mp3" in str(err.value.limit)
    assert list(tmp_path.iterdir()) == []


def test_resampling_keeps_the_duration() -> None:
    audio = wav(1.0, rate=22050).convert("wav", sample_rate=16000)
    info = parse_wav_header(audio.data)
    assert info.sample_rate == 16000 and audio.duration == pytest.approx(1.0, abs=0.01)


def test_mp3_round_trip_keeps_rate_and_duration() -> None:
    mp3 = wav(1.0).convert("mp3")
    assert mp3.format == "mp3" and sniff_format(mp3.data[:64]) == "mp3"
    back = mp3.convert("wav")
    assert back.sample_rate == 22050 and back.duration == pytest.approx(1.0, abs=0.06)


def test_bad_sample_rate_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        wav().convert("wav", sample_rate=7)
    assert err.value.field == "sample_rate"


def test_undecodable_audio_is_a_bad_response() -> None:
    with pytest.raises(BadResponse, match="decode"):
        Audio(data=b"ID3 not really mp3" * 10, format="mp3").convert("wav")


def test_join_wav_parts_gives_one_header_with_right_sizes() -> None:
    joined = convert.join([wav(0.2), wav(0.3), wav(0.1, rate=16000)])
    info = parse_wav_header(joined.data)
    assert joined.data.count(b"RIFF") == 1
    assert info.data_size == len(joined.data) - info.data_offset
    assert joined.duration == pytest.approx(0.6, abs=0.01)


def test_join_mp3_parts_decodes_and_encodes_again() -> None:
    parts = [wav(0.5).convert("mp3"), wav(0.5).convert("mp3")]
    joined = convert.join(parts)
    assert joined.format == "mp3" and joined.duration == pytest.approx(1.0, abs=0.1)


def test_stream_save_to_another_format_converts(tmp_path: Path) -> None:
    pcm = tone_pcm(0.3)
    head = wav_header(sample_rate=22050, data_size=0xFFFFFFFF)
    stream = AudioStream(iter([head, pcm[:1000], pcm[1000:]]), format="wav")
    path = stream.save(tmp_path / "s.flac")
    assert sniff_format(path.read_bytes()[:64]) == "flac"


def test_stream_save_refuses_before_reading_without_the_extra(tmp_path: Path,
                                                              no_extra: None) -> None:
    read: list[bytes] = []

    def chunks() -> object:
        for chunk in (wav_header(sample_rate=22050, data_size=0xFFFFFFFF), tone_pcm(0.1)):
            read.append(chunk)
            yield chunk

    stream = AudioStream(chunks(), format="wav")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        stream.save(tmp_path / "s.mp3")
    assert read == [] and list(tmp_path.iterdir()) == []


class Liar(vk.Provider, vk.Synthesize):
    """Takes any format= and answers WAV anyway."""

    info = vk.ProviderInfo(name="liar", factory="x:Liar", capabilities=("Synthesize",))
    remote = False

    def synthesize(self, text: str, *, voice: object = None, format: str | None = None,
                   **options: object) -> Audio:
        return wav(0.2)


def test_synthesize_gives_the_format_asked_for_whatever_the_vendor_answers() -> None:
    audio = Liar().synthesize("Hi.", format="mp3")
    assert audio.format == "mp3" and sniff_format(audio.data[:64]) == "mp3"
    assert Liar().synthesize("Hi.").format == "wav"  # nothing asked: as answered
