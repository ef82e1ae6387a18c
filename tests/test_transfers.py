"""read_audio: what an audio answer really holds, against scripted loopback answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rawserver import Answer, RawServer, raw_server

import voicekit_core as vk
from voicekit_core.audio import parse_wav_header, wav_header
from voicekit_core.credentials import Secret
from voicekit_core.http import HttpClient
from voicekit_core.testing.media import mp3_bytes, ogg_bytes, tone_pcm, tone_wav
from voicekit_core.transfers import audio_format, read_audio

KEY = "raw-key-0123456789abcdef"


@pytest.fixture
def server() -> Iterator[RawServer]:
    with raw_server() as s:
        yield s


@pytest.fixture
def client(server: RawServer, voicekit_fast_retries: None) -> Iterator[HttpClient]:
    c = HttpClient(server.url, provider="raw", secrets=[Secret(KEY)], max_retries=0,
                   timeout=(2, 2))
    yield c
    c.close()


def fetch(server: RawServer, client: HttpClient, answer: Answer, **kwargs: object) -> vk.Audio:
    server.answer(answer)
    return read_audio(client.request("POST", "/tts", json={}), **kwargs)  # type: ignore[arg-type]


def test_a_wav_answer_is_read_with_its_format_and_duration(server: RawServer,
                                                           client: HttpClient) -> None:
    audio = fetch(server, client, Answer(headers=[("Content-Type", "audio/wav")],
                                         body=tone_wav(0.5)))
    assert audio.format == "wav" and audio.duration == pytest.approx(0.5)
    assert audio.metadata["content_type"] == "audio/wav"


def test_a_streamed_wav_gets_its_sizes_fixed(server: RawServer, client: HttpClient) -> None:
    pcm = tone_pcm(0.25, sample_rate=16000)
    body = wav_header(sample_rate=16000, data_size=0xFFFFFFFF) + pcm
    audio = fetch(server, client, Answer(headers=[("Content-Type", "audio/wav")], body=body))
    info = parse_wav_header(audio.data)
    assert info.data_size == len(pcm)
    assert audio.duration == pytest.approx(0.25)


@pytest.mark.parametrize(("ctype", "body", "expected"), [
    ("application/octet-stream", "ogg", "ogg"),  # the bytes decide over a generic type
    ("audio/mpeg", "wav", "wav"),  # a RIFF signature beats a wrong type
    ("audio/pcm", "pcm-sync", "pcm"),  # a bare frame sync loses to a known audio type
    ("", "mp3", "mp3"),
    ("audio/ogg; codecs=opus", "raw", "ogg"),  # unknown bytes: the type decides
    ("", "raw", "flac"),  # nothing known: the caller's default
])
def test_the_format_is_sniffed_against_the_content_type(
        server: RawServer, client: HttpClient, ctype: str, body: str, expected: str) -> None:
    data = {"ogg": ogg_bytes(0.2), "wav": tone_wav(0.1), "mp3": mp3_bytes(0.2),
            "pcm-sync": b"\xff\xe3" + bytes(500), "raw": bytes(range(1, 200))}[body]
    headers = [("Content-Type", ctype)] if ctype else []
    assert fetch(server, client, Answer(headers=headers, body=data),
                 default="flac").format == expected


@pytest.mark.parametrize(("ctype", "body", "said"), [
    ("application/json", b'{"error": {"message": "voice is busy"}}', "voice is busy"),
    ("application/problem+json", b'{"detail": "quota"}', "quota"),
    ("text/html; charset=utf-8", b"<html><body>Gateway login</body></html>", "Gateway login"),
    ("application/xml", b"<Error><Code>Expired</Code></Error>", "Expired"),
    ("", b'  {"message": "no type, still JSON"}', "no type, still JSON"),
    ("application/octet-stream", b"<!DOCTYPE html><p>proxy</p>", "proxy"),
])
def test_text_where_audio_was_expected_is_a_bad_response(
        server: RawServer, client: HttpClient, ctype: str, body: bytes, said: str) -> None:
    headers = [("Content-Type", ctype)] if ctype else []
    with pytest.raises(vk.BadResponse) as info:
        fetch(server, client, Answer(headers=headers, body=body))
    assert said in info.value.message and info.value.status == 200


def test_audio_declared_as_text_is_still_audio(server: RawServer, client: HttpClient) -> None:
    audio = fetch(server, client, Answer(headers=[("Content-Type", "text/plain")],
                                         body=mp3_bytes(0.2)))
    assert audio.format == "mp3"


def test_pcm_starting_with_a_brace_is_not_mistaken_for_json(server: RawServer,
                                                            client: HttpClient) -> None:
    audio = fetch(server, client, Answer(headers=[("Content-Type", "audio/pcm")],
                                         body=b"{" + bytes(99)))
    assert audio.format == "pcm" and len(audio.data) == 100


def test_an_echoed_key_never_reaches_the_message(server: RawServer, client: HttpClient) -> None:
    body = json.dumps({"message": f"bad key {KEY}"}).encode()
    with pytest.raises(vk.BadResponse) as info:
        fetch(server, client, Answer(headers=[("Content-Type", "application/json")], body=body))
    assert KEY not in str(info.value) and "bad key ***" in info.value.message


def test_an_empty_body_is_a_bad_response(server: RawServer, client: HttpClient) -> None:
    with pytest.raises(vk.BadResponse, match="empty"):
        fetch(server, client, Answer(headers=[("Content-Type", "audio/wav")]))


def test_a_short_chunked_body_is_stream_interrupted(server: RawServer,
                                                    client: HttpClient) -> None:
    data = tone_wav(0.2)
    with pytest.raises(vk.StreamInterrupted) as info:
        fetch(server, client, Answer(headers=[("Content-Type", "audio/wav"),
                                              ("Audio-Size-Bytes", str(len(data) * 2))],
                                     body=data, chunked=True),
              size_header="Audio-Size-Bytes")
    assert info.value.received_bytes == len(data)


def test_a_size_header_is_no_evidence_when_the_length_is_known(server: RawServer,
                                                                client: HttpClient) -> None:
    data = mp3_bytes(0.2)
    audio = fetch(server, client, Answer(headers=[("Audio-Size-Bytes", "99999999"),
                                                  ("Audio-Duration-Ms", "1500")], body=data),
                  size_header="Audio-Size-Bytes", duration_ms_header="Audio-Duration-Ms")
    assert audio.duration == pytest.approx(1.5)
    assert audio.metadata["audio_size_bytes"] == 99999999


@pytest.mark.parametrize("value", ["NaN", "inf", "-5", "1e400", "junk", ""])
def test_junk_duration_headers_are_ignored(server: RawServer, client: HttpClient,
                                           value: str) -> None:
    audio = fetch(server, client, Answer(headers=[("X-Audio-Duration", value)],
                                         body=mp3_bytes(0.2)), duration_header="X-Audio-Duration")
    assert audio.duration is None


def test_a_body_cut_below_its_content_length_is_stream_interrupted(
        server: RawServer, client: HttpClient) -> None:
    data = tone_wav(0.5)
    server.answer(Answer(headers=[("Content-Length", str(len(data)))], body=data,
                         cut_after=1000))
    with pytest.raises(vk.StreamInterrupted):
        read_audio(client.request("POST", "/tts", json={}))


def test_a_broken_wav_header_is_a_bad_response(server: RawServer, client: HttpClient) -> None:
    with pytest.raises(vk.BadResponse, match="WAV"):
        fetch(server, client, Answer(body=b"RIFF\x10\x00\x00\x00WAVEjunk" + bytes(8)))


def test_audio_format_is_usable_alone() -> None:
    assert audio_format(b"ID3\x03", "audio/wav") == "mp3"
    assert audio_format(b"", "AUDIO/X-WAV; rate=16000") == "wav"


def test_a_download_through_a_cut_body_is_retried_then_raises(
        server: RawServer, voicekit_fast_retries: None, tmp_path: Path) -> None:
    client = HttpClient(server.url, provider="raw", max_retries=2, timeout=(2, 2))
    data = tone_wav(0.5)
    cut = Answer(headers=[("Content-Length", str(len(data)))], body=data, cut_after=2000)
    server.answer(cut, cut, Answer(body=data))
    assert client.download("/f.wav", tmp_path / "f.wav").read_bytes() == data
    assert len(server.requests) == 3
    server.answer(cut)
    with pytest.raises(vk.StreamInterrupted) as info:
        client.download("/f.wav", tmp_path / "g.wav")
    assert info.value.received_bytes == 2000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.wav"]
    client.close()
