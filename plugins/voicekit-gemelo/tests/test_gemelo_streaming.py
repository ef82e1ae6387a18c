"""Simplex and duplex WebSocket streaming against the emulator."""

from __future__ import annotations

import threading
import wave
from pathlib import Path

import pytest
from voicekit_gemelo.emulator import GemeloEmulator
from voicekit_gemelo.provider import GemeloProvider

import voicekit_core as vk
from voicekit_core.audio import parse_wav_header, wav_header

SIMPLEX = "WS /v1/tts/stream/simplex/ws"
DUPLEX = "WS /v1/tts/stream/duplex/ws"
TEXT = "Streaming lets the first words play while the rest is still being made."


def test_first_chunk_is_yielded_before_the_last_frame_is_sent(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    gemelo_emulator.gate.hold(after=2)
    stream = gemelo.stream_synthesize(TEXT, voice=35)
    try:
        first = next(stream)
        assert first[:4] == b"RIFF"
        assert gemelo_emulator.gate.waiting.wait(5)  # the emulator is held mid-synthesis
        record = gemelo_emulator.streams[-1]
        assert record.frames_sent == 2 < record.planned_frames
        assert stream.sample_rate == 22050  # read from the RIFF header
    finally:
        gemelo_emulator.gate.release()
    rest = list(stream)
    assert record.frames_sent == record.planned_frames == len(rest) + 1 > 5
    assert record.close_code == 1000


def test_joined_stream_is_a_valid_wav_at_the_requested_rate(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    with gemelo.stream_synthesize(TEXT, voice="24", sample_rate=48000) as stream:
        audio = stream.read()
    info = parse_wav_header(audio.data)
    pcm = gemelo_emulator.expected_pcm(TEXT, 24, 48000)
    assert info.sample_rate == audio.sample_rate == 48000
    assert info.data_size == len(pcm) and audio.data[info.data_offset:] == pcm
    assert audio.duration == pytest.approx(len(TEXT) * 0.02, abs=0.01)
    assert gemelo_emulator.streams[-1].query == {
        "voiceId": "24", "voiceType": "system", "format": "wav", "sr": "48000"}


@pytest.mark.parametrize("rate", [22050, 32000, 44100, 48000])
def test_every_documented_sample_rate(gemelo: GemeloProvider, rate: int,
                                      tmp_path: Path) -> None:
    path = gemelo.stream_synthesize("Hello", voice=35, sample_rate=rate).save(
        tmp_path / "out.wav")
    with wave.open(str(path)) as w:
        assert w.getframerate() == rate and w.getnchannels() == 1 and w.getsampwidth() == 2
        assert w.getnframes() == int(0.3 * rate)


def test_header_split_across_frames_is_still_parsed(gemelo: GemeloProvider,
                                                    gemelo_emulator: GemeloEmulator) -> None:
    # the RIFF header is its own 44-byte frame; the AudioStream learns it from the bytes
    with gemelo.stream_synthesize("Hi", voice=35, sample_rate=32000) as stream:
        chunks = list(stream)
    assert chunks[0] == wav_header(sample_rate=32000, data_size=0xFFFFFFFF)
    assert stream.sample_rate == 32000 and stream.channels == 1


def test_mp3_stream(gemelo: GemeloProvider) -> None:
    with gemelo.stream_synthesize("Hello", voice=35, format="mp3", sample_rate=44100) as s:
        data = b"".join(s)
    assert data[:3] == b"\xff\xfb\x90" and s.format == "mp3" and s.sample_rate == 44100


def test_drop_after_k_frames_raises_stream_interrupted(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator, tmp_path: Path) -> None:
    gemelo_emulator.faults.add(SIMPLEX, "ws_drop", frames=3)
    received = 0
    with pytest.raises(vk.StreamInterrupted) as info:
        for chunk in gemelo.stream_synthesize(TEXT, voice=35):
            received += len(chunk)
    assert info.value.received_bytes == received > 44
    gemelo_emulator.faults.add(SIMPLEX, "ws_drop", frames=2)
    with pytest.raises(vk.StreamInterrupted):
        gemelo.stream_synthesize(TEXT, voice=35).save(tmp_path / "x.wav")
    assert list(tmp_path.iterdir()) == []
    assert len(gemelo_emulator.requests("WS")) == 2  # never reconnected mid-synthesis


def test_error_close_code_becomes_provider_error_with_reason(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    gemelo_emulator.faults.add(SIMPLEX, "ws_close", frames=2, code=4500,
                               reason="synthesis engine overloaded")
    with pytest.raises(vk.ProviderError, match="synthesis engine overloaded") as info:
        gemelo.stream_synthesize(TEXT, voice=35).read()
    assert info.value.code == "4500"


def test_server_error_close_code_is_server_error(gemelo: GemeloProvider,
                                                 gemelo_emulator: GemeloEmulator) -> None:
    gemelo_emulator.faults.add(SIMPLEX, "ws_close", frames=0, code=1011, reason="crashed")
    with pytest.raises(vk.ServerError, match="crashed"):
        gemelo.stream_synthesize(TEXT, voice=35).read()


def test_bad_keys_close_the_stream_with_an_auth_error(gemelo_emulator: GemeloEmulator) -> None:
    options = gemelo_emulator.connect_options(api_key="gm-wrong-key-000")
    provider = vk.connect("gemelo", **options)
    with pytest.raises(vk.AuthenticationError, match="invalid client key or API key") as info:
        provider.stream_synthesize("Hello", voice=35).read()
    assert "gm-wrong-key-000" not in str(info.value)
    assert gemelo_emulator.streams[-1].close_code == 4001
    with pytest.raises(vk.AuthenticationError):
        provider.open_stream(voice=35).read()


def test_unknown_voice_closes_with_not_found(gemelo: GemeloProvider) -> None:
    with pytest.raises(vk.NotFound, match="Voice 999"):
        gemelo.stream_synthesize("Hello", voice=999).read()


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"sample_rate": 16000}, "sample_rate"),
    ({"sample_rate": 8000}, "sample_rate"),
    ({"format": "ogg"}, "format"),
    ({"format": "pcm"}, "format"),
    ({"voice": "x1"}, "voice"),
    ({"text": ""}, "text"),
])
def test_stream_validation_happens_before_connecting(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator,
        kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"text": "Hello", "voice": 35, **kwargs}
    with pytest.raises(vk.InvalidInput) as info:
        gemelo.stream_synthesize(**args)  # type: ignore[arg-type]
    assert info.value.field == field
    args.pop("text")
    if field != "text":
        with pytest.raises(vk.InvalidInput):
            gemelo.open_stream(**args)  # type: ignore[arg-type]
    assert gemelo_emulator.log == [] and gemelo_emulator.streams == []


def test_cloned_voice_streams_with_its_voice_type(gemelo: GemeloProvider,
                                                  gemelo_emulator: GemeloEmulator) -> None:
    voice = next(gemelo.list_voices(kind="cloned"))
    assert gemelo.stream_synthesize("Hi", voice=voice).read().data
    assert gemelo_emulator.streams[-1].query["voiceType"] == "cloned"


# -- duplex ----------------------------------------------------------------------------


def test_duplex_sends_from_one_thread_while_another_reads(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    pieces = [f"Sentence number {i}{'.' * i}" for i in range(12)]
    received: list[bytes] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            received.extend(duplex)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with gemelo.open_stream(voice=35, sample_rate=32000) as duplex:
        reader = threading.Thread(target=read)
        reader.start()
        for piece in pieces:
            duplex.send(piece)
        duplex.finish()
        reader.join(timeout=20)
        assert not reader.is_alive() and not errors
    record = gemelo_emulator.streams[-1]
    assert record.texts == pieces and record.close_code == 1000
    data = b"".join(received)
    header = wav_header(sample_rate=32000, data_size=0xFFFFFFFF)
    expected = b"".join(gemelo_emulator.expected_pcm(p, 35, 32000) for p in pieces)
    assert data == header + expected  # every piece, in order
    assert duplex.sample_rate == 32000


def test_duplex_close_flushes_pending_audio(gemelo: GemeloProvider,
                                            gemelo_emulator: GemeloEmulator) -> None:
    with gemelo.open_stream(voice=24) as duplex:
        duplex.send("First part.")
        duplex.send("Second part, a bit longer.")
        duplex.finish()  # Gemelo's {"type": "close"}: flush, then close 1000
        audio = duplex.read()
    expected = (gemelo_emulator.expected_pcm("First part.", 24, 22050)
                + gemelo_emulator.expected_pcm("Second part, a bit longer.", 24, 22050))
    info = parse_wav_header(audio.data)
    assert audio.data[info.data_offset:] == expected
    assert info.data_size == len(expected)
    assert gemelo_emulator.streams[-1].finished


def test_duplex_rejects_bad_text_locally(gemelo: GemeloProvider,
                                         gemelo_emulator: GemeloEmulator) -> None:
    provider = vk.connect("gemelo", max_text_chars=20, **gemelo_emulator.connect_options())
    with provider.open_stream(voice=35) as duplex:
        with pytest.raises(vk.InvalidInput):
            duplex.send("")
        with pytest.raises(vk.InvalidInput, match="max_text_chars"):
            duplex.send("x" * 21)
        duplex.send("fine")
        duplex.finish()
        with pytest.raises(vk.InvalidInput):
            duplex.send("too late")
        assert duplex.read().duration == pytest.approx(0.3)
    assert gemelo_emulator.streams[-1].texts == ["fine"]


def test_duplex_drop_raises_stream_interrupted(gemelo: GemeloProvider,
                                               gemelo_emulator: GemeloEmulator) -> None:
    gemelo_emulator.faults.add(DUPLEX, "ws_drop", frames=2)
    with gemelo.open_stream(voice=35) as duplex:
        duplex.send(TEXT)
        with pytest.raises(vk.StreamInterrupted):
            duplex.read()


def test_handshake_carries_format_and_rate_explicitly(gemelo: GemeloProvider,
                                                      gemelo_emulator: GemeloEmulator) -> None:
    with gemelo.open_stream(voice="cloned:501", format="mp3", sample_rate=48000) as duplex:
        duplex.send("Hi")
        duplex.finish()
        assert duplex.read().data[:2] == b"\xff\xfb"
    assert gemelo_emulator.streams[-1].query == {
        "voiceId": "501", "voiceType": "cloned", "format": "mp3", "sr": "48000"}


def test_running_out_of_credits_mid_duplex(voicekit_emulator: object,
                                           voicekit_connect: object) -> None:
    emulator = voicekit_emulator(GemeloEmulator, credits=12)  # type: ignore[operator]
    provider = voicekit_connect(emulator)  # type: ignore[operator]
    received = 0
    with provider.open_stream(voice=35) as duplex:
        duplex.send("Ten chars.")
        duplex.send("Ten more..")
        with pytest.raises(vk.InsufficientCredits, match="Insufficient credits") as info:
            for chunk in duplex:
                received += len(chunk)
    assert info.value.code == "4402"
    assert received == 44 + len(emulator.expected_pcm("Ten chars.", 35, 22050))


def test_error_events_without_a_close_reason_still_explain() -> None:
    from voicekit_gemelo.provider import CLOSES, ERRORS

    from voicekit_core.websocket import StreamErrors

    def _StreamErrors(provider: str) -> StreamErrors:
        return StreamErrors(provider, CLOSES, errors=ERRORS)

    errors = _StreamErrors("gemelo")
    errors.on_text('{"type": "status", "message": "converting"}')
    errors.on_text("not json")
    assert errors.close_error(1000, "") is None
    errors.on_text('{"type": "error", "code": "E42", "message": "voice is disabled"}')
    closed = errors.close_error(4400, "")
    assert isinstance(closed, vk.InvalidRequest) and "voice is disabled" in closed.message
    normal = errors.close_error(1000, "")
    assert isinstance(normal, vk.ProviderError) and normal.code == "E42"
    auth = _StreamErrors("gemelo").close_error(1008, "Unauthorized")
    assert isinstance(auth, vk.AuthenticationError)
    odd = _StreamErrors("gemelo").close_error(4999, "")
    assert type(odd) is vk.ProviderError and "no reason given" in odd.message


def test_duplex_with_a_riff_header_per_convert_still_joins_into_one_wav(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    # the docs do not say whether each convert of a duplex stream starts a new WAV
    gemelo_emulator.header_per_text = True
    pieces = ["First part.", "Second part, a bit longer.", "Third."]
    with gemelo.open_stream(voice=24) as duplex:
        for piece in pieces:
            duplex.send(piece)
        duplex.finish()
        audio = duplex.read()
    assert gemelo_emulator.streams[-1].close_code == 1000
    expected = b"".join(gemelo_emulator.expected_pcm(p, 24, 22050) for p in pieces)
    info = parse_wav_header(audio.data)
    assert audio.data[info.data_offset:] == expected  # no stray headers inside the PCM
    assert info.data_size == len(expected) and audio.sample_rate == 22050
