"""WebSocket streaming: normal ends, drops, error close codes, timeouts, duplex threads."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fakevendor import FakeEmulator

import voicekit_core as vk
from voicekit_core.audio import parse_wav_header
from voicekit_core.websocket import WebSocketSession, simplex_stream


def test_stream_yields_a_valid_wav_incrementally(provider: Any) -> None:
    with provider.stream_synthesize("hello", voice="v1") as stream:
        chunks = list(stream)
    assert len(chunks) > 5
    assert stream.sample_rate == 16000
    audio = vk.AudioStream(iter(chunks), format="wav").read()
    info = parse_wav_header(audio.data)
    assert info.data_size == len(audio.data) - info.data_offset
    assert audio.duration == pytest.approx(0.5)


def test_stream_save_fixes_the_wav_sizes(provider: Any, tmp_path: Any) -> None:
    path = provider.stream_synthesize("hello", voice="v1").save(tmp_path / "s.wav")
    import wave

    with wave.open(str(path)) as w:
        assert w.getframerate() == 16000
        assert w.getnframes() == 8000


def test_drop_mid_stream_raises_stream_interrupted(emulator: FakeEmulator, provider: Any,
                                                   tmp_path: Any) -> None:
    emulator.faults.add("WS /stream", "ws_drop", frames=3)
    stream = provider.stream_synthesize("hello", voice="v1")
    received = 0
    with pytest.raises(vk.StreamInterrupted) as info:
        for chunk in stream:
            received += len(chunk)
    assert info.value.received_bytes == received == 44 + 2 * 2000


def test_drop_while_saving_leaves_no_file(emulator: FakeEmulator, provider: Any,
                                          tmp_path: Any) -> None:
    emulator.faults.add("WS /stream", "ws_drop", frames=2)
    with pytest.raises(vk.StreamInterrupted):
        provider.stream_synthesize("hello", voice="v1").save(tmp_path / "x.wav")
    assert list(tmp_path.iterdir()) == []


def test_error_close_code_raises_provider_error_with_reason(emulator: FakeEmulator,
                                                            provider: Any) -> None:
    emulator.faults.add("WS /stream", "ws_close", frames=1, code=4003, reason="quota exhausted")
    with pytest.raises(vk.ProviderError, match="quota exhausted") as info:
        provider.stream_synthesize("hello", voice="v1").read()
    assert info.value.code == "4003"


def test_bad_first_message_auth_is_reported(emulator: FakeEmulator) -> None:
    provider = vk.connect("fakevendor", **emulator.connect_options(api_key="wrong"))
    with pytest.raises(vk.ProviderError, match="invalid api key"):
        provider.stream_synthesize("hello", voice="v1").read()


def test_read_timeout_raises_timeout(emulator: FakeEmulator, provider: Any) -> None:
    session = WebSocketSession(provider.http.websocket_url("/stream"), provider="fakevendor",
                               timeout=0.3)
    # authenticate but never send text: the server waits, the client must not hang
    stream = simplex_stream(session, messages=[{"type": "auth", "key": emulator
                                                .credentials["api_key"]}], format="wav")
    with pytest.raises(vk.Timeout):
        stream.read()


def test_handshake_refusal_maps_to_the_error_tree(provider: Any) -> None:
    session = WebSocketSession(provider.http.websocket_url("/no-such-stream"),
                               provider="fakevendor", timeout=2)
    with pytest.raises(vk.ProviderError) as info:
        session.connect()
    assert info.value.status in (403, 404)


def test_connection_refused_is_connection_failed() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(vk.ConnectionFailed):
        WebSocketSession(f"ws://127.0.0.1:{port}/x", provider="t", timeout=2).connect()


def test_duplex_from_two_threads_keeps_order(provider: Any) -> None:
    pieces = [f"piece-{i};" for i in range(20)]
    received: list[bytes] = []
    with provider.open_stream(voice="v1") as duplex:
        reader = threading.Thread(target=lambda: received.extend(duplex))
        reader.start()
        for piece in pieces:
            duplex.send(piece)
        duplex.finish()
        reader.join(timeout=10)
        assert not reader.is_alive()
    assert b"".join(received) == b"".join(p.encode() * 4 for p in pieces)


def test_duplex_rejects_send_after_finish(provider: Any) -> None:
    with provider.open_stream(voice="v1") as duplex:
        duplex.send("a")
        duplex.finish()
        with pytest.raises(vk.InvalidInput):
            duplex.send("b")
        assert duplex.read().data == b"aaaa"


def test_duplex_close_is_finish_and_exit_aborts(provider: Any) -> None:
    duplex = provider.open_stream(voice="v1")
    duplex.send("ab")
    duplex.close()  # no more text: pending audio still arrives
    assert duplex.read().data == b"abababab"
    duplex.close()  # idempotent, even after the server closed
    with provider.open_stream(voice="v1") as early:
        early.send("x")
    assert list(early) == []  # leaving the block dropped it
