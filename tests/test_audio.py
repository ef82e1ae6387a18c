"""Format sniffing, WAV headers, input sources, atomic writes and durations."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest

import voicekit_core as vk
from voicekit_core.audio import (
    AudioSource,
    atomic_write,
    finalize_wav_bytes,
    media_duration,
    parse_wav_header,
    sniff_format,
    wav_header,
)
from voicekit_core.testing.media import mp3_bytes, ogg_bytes, tone_pcm, tone_wav


@pytest.mark.parametrize(("head", "fmt"), [
    (tone_wav(0.01), "wav"),
    (b"ID3\x04\x00" + b"\0" * 20, "mp3"),
    (mp3_bytes(0.1), "mp3"),
    (ogg_bytes(0.1), "ogg"),
    (b"\x1a\x45\xdf\xa3" + b"\0" * 20, "webm"),
    (b"fLaC\0\0\0\x22", "flac"),
    (b"\0\0\0\x20ftypM4A \0\0\0\0", "m4a"),
    (b"\0\0\0\x14ftypqt  \0\0\0\0", "mov"),
    (b"\0\0\0\x18ftypisom\0\0\0\0", "mp4"),
    (b"hello world", None),
    (b"", None),
])
def test_sniff_format(head: bytes, fmt: str | None) -> None:
    assert sniff_format(head[:64]) == fmt


def test_wav_header_round_trip() -> None:
    header = wav_header(sample_rate=22050, channels=2, data_size=4000)
    info = parse_wav_header(header)
    assert (info.sample_rate, info.channels, info.sample_width, info.data_offset,
            info.data_size) == (22050, 2, 2, 44, 4000)
    assert info.duration() == pytest.approx(4000 / (22050 * 4))


def test_streamed_wav_sizes_are_finalised() -> None:
    pcm = tone_pcm(0.1, sample_rate=8000)
    data = finalize_wav_bytes(wav_header(sample_rate=8000, data_size=0xFFFFFFFF) + pcm)
    with wave.open(io.BytesIO(data)) as w:
        assert w.getnframes() == len(pcm) // 2


def test_not_a_wav_is_invalid_input() -> None:
    with pytest.raises(vk.InvalidInput):
        parse_wav_header(b"OggS" + b"\0" * 40)


def test_audio_knows_wav_and_pcm_durations(tmp_path: Path) -> None:
    audio = vk.Audio(data=tone_wav(1.5, sample_rate=16000), format="wav")
    assert (audio.sample_rate, audio.channels) == (16000, 1)
    assert audio.duration == pytest.approx(1.5)
    pcm = vk.Audio(data=tone_pcm(0.5, sample_rate=8000), format="pcm", sample_rate=8000)
    assert pcm.duration == pytest.approx(0.5)
    assert audio.save(tmp_path / "a.wav").read_bytes() == audio.data


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path) -> None:
    def chunks() -> object:
        yield b"partial"
        raise OSError("disk on fire")

    with pytest.raises(OSError):
        atomic_write(tmp_path / "out.bin", chunks())  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_sources_from_every_kind_of_input(tmp_path: Path) -> None:
    data = tone_wav(0.2)
    path = tmp_path / "s.bin"  # the name says nothing: the format comes from the bytes
    path.write_bytes(data)
    with open(path, "rb") as f:
        f.read(10)  # a file object keeps its starting position
        from_file = AudioSource.from_input(f)
        with from_file.open() as g:
            assert g.read() == data[10:]
    for source in (AudioSource.from_input(path), AudioSource.from_input(str(path)),
                   AudioSource.from_input(data)):
        assert (source.format, source.size) == ("wav", len(data))
        with source.open() as g:
            assert g.read() == data
    url = AudioSource.from_input("https://cdn.example/a/song.mp3?x=1", allow_url=True)
    assert (url.is_url, url.format, url.size) == (True, "mp3", None)


def test_bad_inputs_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(vk.InvalidInput, match="not found"):
        AudioSource.from_input(tmp_path / "missing.wav")
    with pytest.raises(vk.InvalidInput, match="links"):
        AudioSource.from_input("https://x.example/a.wav")
    with pytest.raises(vk.InvalidInput, match="expected a path"):
        AudioSource.from_input(42)  # type: ignore[arg-type]
    with pytest.raises(vk.InvalidInput, match="allowed formats: wav"):
        AudioSource.from_input(mp3_bytes(1)).require_format(["wav"])


def test_size_limit_is_checked_without_reading_the_file(tmp_path: Path) -> None:
    big = tmp_path / "big.wav"
    with open(big, "wb") as f:
        f.write(wav_header(sample_rate=8000))
        f.truncate(21 * 1024 * 1024)  # sparse: nothing is read or written
    source = AudioSource.from_input(big)
    with pytest.raises(vk.InvalidInput, match="20 MB") as info:
        source.require_max_size(20 * 1024 * 1024)
    assert info.value.limit == "at most 20 MB"


def test_durations_of_wav_mp3_and_ogg() -> None:
    assert media_duration(AudioSource.from_input(tone_wav(2.0))) == pytest.approx(2.0)
    assert media_duration(AudioSource.from_input(mp3_bytes(12))) == pytest.approx(12, abs=0.1)
    assert media_duration(AudioSource.from_input(ogg_bytes(7.5))) == pytest.approx(7.5)
    with pytest.raises(vk.InvalidInput, match="minimum is 10 s"):
        AudioSource.from_input(mp3_bytes(3)).require_duration(minimum=10)
    with pytest.raises(vk.InvalidInput, match="maximum is 60 s"):
        AudioSource.from_input(tone_wav(61, sample_rate=8000)).require_duration(maximum=60)
