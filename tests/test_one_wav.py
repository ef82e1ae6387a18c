"""audio.one_wav: streamed frames as one WAV when a vendor restarts the WAV per text."""

from __future__ import annotations

from voicekit_core.audio import one_wav, wav_header

HEADER = wav_header(sample_rate=22050, data_size=0xFFFFFFFF)


def test_later_headers_are_dropped() -> None:
    frames = [HEADER, b"\x01\x00" * 4, HEADER + b"\x02\x00", HEADER, b"\x03\x00"]
    assert b"".join(one_wav(frames)) == HEADER + b"\x01\x00" * 4 + b"\x02\x00\x03\x00"


def test_a_frame_that_only_looks_like_a_header_is_kept() -> None:
    fake = b"RIFF\x00\x00\x00\x00WAVEjunk"
    assert list(one_wav([HEADER, fake])) == [HEADER, fake]


def test_a_first_header_after_empty_frames_is_kept() -> None:
    assert list(one_wav([b"", HEADER, b"\x01\x00"])) == [b"", HEADER, b"\x01\x00"]
