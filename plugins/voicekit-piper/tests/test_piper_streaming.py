"""Streams: simplex (one PCM chunk per sentence, made as the reader asks) and duplex
(text sent from one thread, audio read in order on another)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from voicekit_piper.provider import PiperProvider

import voicekit_core as vk
from voicekit_core.audio import parse_wav_header
from voicekit_core.errors import InvalidInput, NotFound, StreamInterrupted

TEXT = "Good morning. How are you today? I am fine!"


def test_simplex_yields_a_header_then_one_chunk_per_sentence(piper: PiperProvider) -> None:
    whole = piper.synthesize(TEXT, voice="en-us", format="pcm").data
    with piper.stream_synthesize(TEXT, voice="en-us") as stream:
        chunks = list(stream)
    head = parse_wav_header(chunks[0])
    assert head.sample_rate == 16000 and stream.sample_rate == 16000
    assert len(chunks) == 1 + 3
    assert b"".join(chunks[1:]) == whole
    for sentence, chunk in zip(["Good morning.", "How are you today?", "I am fine!"],
                               chunks[1:], strict=True):
        assert chunk == piper.synthesize(sentence, voice="en-us", format="pcm").data


def test_simplex_read_and_save_fix_wav_sizes(piper: PiperProvider, tmp_path: Path) -> None:
    expected = piper.synthesize(TEXT, voice="fr")
    with piper.stream_synthesize(TEXT, voice="fr") as stream:
        audio = stream.read()
    assert audio.data == expected.data
    with piper.stream_synthesize(TEXT, voice="fr") as stream:
        path = stream.save(tmp_path / "s.wav")
    assert Path(path).read_bytes() == expected.data


def test_simplex_pcm_and_early_close(piper: PiperProvider) -> None:
    with piper.stream_synthesize(TEXT, voice="en-us", format="pcm") as stream:
        first = next(stream)
    assert first == piper.synthesize("Good morning.", voice="en-us", format="pcm").data
    assert list(stream) == []  # closed: the other sentences are never made


def test_simplex_validates_before_returning(piper: PiperProvider) -> None:
    with pytest.raises(InvalidInput):
        piper.stream_synthesize(TEXT, voice="en-us", noise_w=9)
    with pytest.raises(InvalidInput):
        piper.stream_synthesize("", voice="en-us")
    with pytest.raises(NotFound):
        piper.stream_synthesize(TEXT, voice="xx-nobody")


def test_duplex_speaks_pieces_in_order(piper: PiperProvider) -> None:
    expected = piper.synthesize(TEXT, voice="en-us", format="pcm").data
    with piper.open_stream(voice="en-us", format="pcm") as duplex:
        def sender() -> None:
            for piece in ("Good mor", "ning. How are", " you today? I am ", "fine!"):
                duplex.send(piece)
            duplex.finish()

        thread = threading.Thread(target=sender)
        thread.start()
        chunks = list(duplex)
        thread.join(timeout=30)
    assert b"".join(chunks) == expected
    assert len(chunks) == 3  # a sentence cut across send() calls is spoken whole


def test_duplex_finish_flushes_an_unfinished_sentence(piper: PiperProvider) -> None:
    with piper.open_stream(voice="en-us") as duplex:
        duplex.send("no full stop here")
        duplex.finish()
        audio = duplex.read()
    expected = piper.synthesize("no full stop here", voice="en-us")
    assert audio.data == expected.data and audio.sample_rate == 16000


def test_duplex_audio_follows_each_sentence_before_finish(piper: PiperProvider) -> None:
    with piper.open_stream(voice="en-us", format="pcm") as duplex:
        duplex.send("First sentence.")
        first = next(duplex)
        duplex.send("Second one.")
        second = next(duplex)
        duplex.finish()
        assert list(duplex) == []
    assert first == piper.synthesize("First sentence.", voice="en-us", format="pcm").data
    assert second == piper.synthesize("Second one.", voice="en-us", format="pcm").data


def test_duplex_checks_text_and_state(piper: PiperProvider) -> None:
    with piper.open_stream(voice="en-us") as duplex:
        with pytest.raises(InvalidInput):
            duplex.send("")
        with pytest.raises(InvalidInput):
            duplex.send("nul \0 inside")
        duplex.finish()
        with pytest.raises(InvalidInput):
            duplex.send("too late")
        assert duplex.read().data[:4] == b"RIFF"


def test_duplex_validates_options_up_front(piper: PiperProvider) -> None:
    with pytest.raises(InvalidInput):
        piper.open_stream(voice="en-us", length_scale=0)
    with pytest.raises(InvalidInput):
        piper.open_stream(voice="en-us", format="ogg")


def test_duplex_abort_ends_a_waiting_reader(piper: PiperProvider) -> None:
    duplex = piper.open_stream(voice="en-us", format="pcm")
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.extend(duplex))
    reader.start()
    duplex.abort()
    reader.join(timeout=30)
    assert not reader.is_alive() and got == []


def test_duplex_idle_reader_gives_up(voices_dir: Path) -> None:
    provider = vk.connect("piper", voices_dir=voices_dir, voice_packages=False,
                          stream_idle_timeout=0.01)
    duplex = provider.open_stream(voice="en-us")  # type: ignore[attr-defined]
    with duplex, pytest.raises(StreamInterrupted) as info:
        duplex.read()
    assert "stream_idle_timeout" in str(info.value)
