"""``synthesize(..., to=PATH)``: an audio answer goes from the network to the file in
chunks (flat memory), checked like any answer, and nothing partial is ever left."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

import pytest
from fakevendor import FakeEmulator

import voicekit_core as vk
from voicekit_core.audio import wav_header
from voicekit_core.errors import BadResponse, StreamInterrupted
from voicekit_core.testing.media import tone_pcm

RATE = 16000


def _wav(seconds: float, *, streamed: bool = False) -> bytes:
    pcm = tone_pcm(seconds, sample_rate=RATE)
    size = 0xFFFFFFFF if streamed else len(pcm)  # a streamed WAV does not know its size
    return wav_header(sample_rate=RATE, data_size=size) + pcm


def _peak_while(call: object) -> int:
    """Peak bytes Python allocated (all threads, the emulator's too) while ``call`` ran."""
    gc.collect()
    tracemalloc.start()
    try:
        call()  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_large_answer_goes_to_the_file_in_flat_memory(
        emulator: FakeEmulator, provider: vk.Provider, tmp_path: Path) -> None:
    emulator.tts_chunked = True
    emulator.tts_body = _wav(0.5)
    provider.synthesize("Hi", voice="v1", to=tmp_path / "warm.wav")  # first-use imports
    emulator.tts_body = body = _wav(750)  # 24 MB
    target = tmp_path / "long.wav"
    saved: list[object] = []
    to_file = _peak_while(lambda: saved.append(
        provider.synthesize("Hello", voice="v1", to=target)))
    in_memory = _peak_while(lambda: provider.synthesize("Hello", voice="v1"))
    assert target.read_bytes() == body
    assert in_memory > len(body)  # the measure sees a body held in memory...
    assert to_file < 2 * 1024 * 1024  # ...and with to=PATH there is none
    audio = saved[0]
    assert isinstance(audio, vk.SavedAudio) and audio.path == target
    assert (audio.format, audio.sample_rate, audio.channels, len(audio)) == \
        ("wav", RATE, 1, len(body))
    assert audio.duration == pytest.approx(750)


def test_a_streamed_wav_gets_its_sizes_fixed_in_the_file(
        emulator: FakeEmulator, provider: vk.Provider, tmp_path: Path) -> None:
    emulator.tts_body = _wav(1.5, streamed=True)
    emulator.tts_chunked = True
    audio = provider.synthesize("Hello", voice="v1", to=tmp_path / "a.wav")
    info = vk.audio.parse_wav_header(audio.head())
    assert info.data_size == audio.size - 44 == len(audio.data) - 44
    assert audio.duration == pytest.approx(1.5)
    assert audio.read().data == (tmp_path / "a.wav").read_bytes()
    assert audio.metadata["content_type"] == "audio/wav"


def test_a_text_answer_is_refused_and_nothing_is_written(
        emulator: FakeEmulator, provider: vk.Provider, tmp_path: Path) -> None:
    emulator.tts_body = b'{"message": "voice v1 is resting"}'
    emulator.tts_chunked = True
    emulator.tts_type = "application/json"
    with pytest.raises(BadResponse, match="voice v1 is resting"):
        provider.synthesize("Hello", voice="v1", to=tmp_path / "a.wav")
    assert list(tmp_path.iterdir()) == []  # no file, no temporary file


def test_an_answer_cut_short_leaves_no_file(
        emulator: FakeEmulator, provider: vk.Provider, tmp_path: Path) -> None:
    emulator.tts_body = _wav(20)
    emulator.tts_cut = True  # announces all of it, sends half, closes
    with pytest.raises(StreamInterrupted) as caught:
        provider.synthesize("Hello", voice="v1", to=tmp_path / "a.wav")
    assert caught.value.received_bytes > 0
    assert list(tmp_path.iterdir()) == []


def test_without_to_the_answer_is_audio_in_memory(
        emulator: FakeEmulator, provider: vk.Provider, tmp_path: Path) -> None:
    emulator.tts_body = body = _wav(1.0)
    audio = provider.synthesize("Hello", voice="v1")
    assert isinstance(audio, vk.Audio) and audio.data == body
    copy = vk.SavedAudio(path=audio.save(tmp_path / "a.wav"), format="wav", size=len(body))
    assert copy.save(tmp_path / "b.wav").read_bytes() == body
