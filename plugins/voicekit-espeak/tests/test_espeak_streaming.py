"""StreamSynthesize: simplex chunks as espeak makes them; duplex pieces in order."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from voicekit_espeak.engine import LOCK
from voicekit_espeak.provider import EspeakProvider

import voicekit_core as vk

LONG = "This sentence is spoken again and again to make a long stream. " * 40
ReadWav = Callable[[bytes], tuple[int, int, int, bytes]]
Segments = Callable[..., list[int]]


def test_stream_is_a_valid_wav_after_read(espeak: EspeakProvider, read_wav: ReadWav) -> None:
    with espeak.stream_synthesize("Hello from a stream.", voice="en") as stream:
        assert stream.sample_rate == espeak.sample_rate and stream.format == "wav"
        audio = stream.read()
    rate, channels, width, frames = read_wav(audio.data)
    assert (rate, channels, width) == (espeak.sample_rate, 1, 2)
    assert audio.duration == pytest.approx(len(frames) / (2 * rate))
    assert audio.duration > 0.5


def test_stream_header_first_then_pcm_chunks(espeak: EspeakProvider) -> None:
    with espeak.stream_synthesize("One sentence, streamed in small pieces.") as stream:
        chunks = list(stream)
    assert chunks[0][:4] == b"RIFF" and len(chunks[0]) == 44
    assert len(chunks) > 5  # about 100 ms of audio per chunk
    assert stream.received_bytes == sum(map(len, chunks))


def test_first_chunk_arrives_while_synthesis_is_still_running(espeak: EspeakProvider) -> None:
    # A small buffer holds espeak back until the reader catches up: the first audio is
    # in the reader's hands while the sentence is still being synthesised (espeak's
    # global lock is held by the stream's worker) and many more chunks follow.
    provider = vk.connect("espeak", stream_buffer_bytes=1)
    stream = provider.stream_synthesize(LONG)
    header, first = next(stream), next(stream)
    assert header[:4] == b"RIFF" and first
    assert LOCK.locked()
    rest = list(stream)
    assert len(rest) > 100
    assert LOCK.acquire(timeout=10)
    LOCK.release()


def test_closing_early_stops_espeak(espeak: EspeakProvider) -> None:
    # With a one-chunk buffer a reader that stopped would block synthesis for good;
    # close() must make the synth callback abort so the lock is free at once.
    provider = vk.connect("espeak", stream_buffer_bytes=1)
    stream = provider.stream_synthesize(LONG * 2)
    next(stream)
    next(stream)
    stream.close()
    assert LOCK.acquire(timeout=10)
    LOCK.release()
    assert list(stream) == []
    after = espeak.synthesize("Back to normal.")
    assert after.duration is not None and after.duration > 0.5


def test_abandoned_stream_is_stopped_when_collected(espeak: EspeakProvider) -> None:
    provider = vk.connect("espeak", stream_buffer_bytes=1)
    stream = provider.stream_synthesize(LONG * 2)
    next(stream)
    del stream  # no close(): the finaliser aborts synthesis
    assert LOCK.acquire(timeout=10)
    LOCK.release()


def test_stalled_reader_gets_stream_interrupted() -> None:
    provider = vk.connect("espeak", stream_buffer_bytes=1, stream_stall_timeout=0.05)
    stream = provider.stream_synthesize(LONG)
    next(stream)
    assert LOCK.acquire(timeout=10)  # the worker gave up and let go
    LOCK.release()
    with pytest.raises(vk.StreamInterrupted) as info:
        list(stream)
    assert info.value.received_bytes > 0


def test_stream_save_and_pcm(espeak: EspeakProvider, tmp_path: Path,
                             read_wav: ReadWav) -> None:
    path = espeak.stream_synthesize("Saved from a stream.").save(tmp_path / "s.wav")
    assert read_wav(path.read_bytes())[0] == espeak.sample_rate
    with espeak.stream_synthesize("Raw.", format="pcm") as stream:
        pcm = stream.read()
    assert pcm.format == "pcm" and pcm.data[:4] != b"RIFF"
    assert pcm.duration is not None and pcm.duration > 0.3


PIECES = ["Hi.", "Supercalifragilisticexpialidocious.", "Ok.", "Extraordinarily."]


def test_duplex_keeps_order_while_another_thread_sends(
    espeak: EspeakProvider, segments: Segments, read_wav: ReadWav
) -> None:
    # Each piece is one word followed by espeak's end pause, so the output splits into one
    # loud stretch per piece; their lengths differ enough to tell the order.
    expected = [segments(espeak.synthesize(p, format="pcm").data, espeak.sample_rate)
                for p in PIECES]
    assert all(len(e) == 1 for e in expected)
    errors: list[BaseException] = []
    with espeak.open_stream(voice="en") as duplex:

        def sender() -> None:
            try:
                for piece in PIECES:
                    duplex.send(piece)
                duplex.finish()
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=sender)
        thread.start()
        audio = duplex.read()
        thread.join(timeout=30)
    assert not errors
    rate, _, _, frames = read_wav(audio.data)
    got = segments(frames, rate)
    assert len(got) == len(PIECES)
    for have, want in zip(got, expected, strict=True):
        assert have == pytest.approx(want[0], rel=0.15, abs=40)


def test_duplex_audio_for_each_piece_arrives_before_the_next_send(
    espeak: EspeakProvider,
) -> None:
    pieces = ["First piece.", "Second piece.", "Third piece."]
    sizes = [len(espeak.synthesize(p, format="pcm").data) for p in pieces]
    received = [0]
    arrived = threading.Condition()
    with espeak.open_stream(voice="en", format="pcm") as duplex:

        def reader() -> None:
            for chunk in duplex:
                with arrived:
                    received[0] += len(chunk)
                    arrived.notify_all()

        thread = threading.Thread(target=reader)
        thread.start()
        target = 0
        for piece, size in zip(pieces, sizes, strict=True):
            duplex.send(piece)
            target += int(size * 0.9)
            with arrived:  # this piece's audio comes back before the next piece is sent
                assert arrived.wait_for(lambda t=target: received[0] >= t, timeout=10)
        duplex.finish()
        thread.join(timeout=30)
        assert not thread.is_alive()
    assert received[0] == pytest.approx(sum(sizes), rel=0.03)


def test_duplex_close_finishes_and_abort_drops(espeak: EspeakProvider) -> None:
    duplex = espeak.open_stream()
    duplex.send("Closing finishes the input.")
    duplex.close()
    with pytest.raises(vk.InvalidInput):
        duplex.send("too late")
    audio = duplex.read()
    assert audio.duration is not None and audio.duration > 0.5

    provider = vk.connect("espeak", stream_buffer_bytes=1)
    dropped = provider.open_stream()
    dropped.send(LONG)
    next(dropped)
    next(dropped)
    dropped.abort()
    assert LOCK.acquire(timeout=10)
    LOCK.release()
    assert list(dropped) == []


@pytest.mark.parametrize("settings", [
    {"stream_buffer_bytes": 0}, {"stream_buffer_bytes": "8M"}, {"stream_buffer_bytes": 1.5},
    {"stream_stall_timeout": -1}, {"stream_stall_timeout": float("nan")},
    {"stream_stall_timeout": "60"},
])
def test_stream_settings_are_checked_at_connect(settings: dict[str, object]) -> None:
    with pytest.raises(vk.ConfigurationError, match=next(iter(settings))):
        vk.connect("espeak", **settings)
    espeak = vk.connect("espeak", stream_stall_timeout=5)
    assert (espeak.stream_buffer_bytes, espeak.stream_stall_timeout) == (8 * 1024 * 1024, 5.0)
