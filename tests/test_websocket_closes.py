"""CloseMap / StreamErrors: close codes, JSON error frames, received_bytes, scrubbed reasons."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

import voicekit_core as vk
from voicekit_core.credentials import Secret
from voicekit_core.errormap import ErrorMap
from voicekit_core.http import HttpClient
from voicekit_core.testing.emulator import ServerThread
from voicekit_core.websocket import CloseMap, StreamErrors, simplex_stream

KEY = "ws-secret-key-0123456789"
Script = list[tuple[Any, ...]]


class ScriptedStream:
    """A loopback WebSocket server playing a script: ("bytes", n), ("text", s),
    ("close", code, reason)."""

    def __init__(self) -> None:
        self.script: Script = []
        self.server = ServerThread(Starlette(routes=[WebSocketRoute("/s", self.play)]))

    async def play(self, ws: WebSocket) -> None:
        await ws.accept()
        await ws.receive_text()
        for step in self.script:
            if step[0] == "bytes":
                await ws.send_bytes(bytes(step[1]))
            elif step[0] == "text":
                await ws.send_text(step[1])
            elif step[0] == "close":
                await ws.close(code=step[1], reason=step[2])
                return
            await asyncio.sleep(0)
        await ws.close(code=1000)


@pytest.fixture(scope="module")
def scripted() -> Iterator[ScriptedStream]:
    stream = ScriptedStream()
    stream.server.start()
    yield stream
    stream.server.stop()


@pytest.fixture
def client(scripted: ScriptedStream) -> Iterator[HttpClient]:
    c = HttpClient(scripted.server.url, provider="wsv", secrets=[Secret(KEY)])
    yield c
    c.close()


def play(scripted: ScriptedStream, client: HttpClient, script: Script,
         **options: Any) -> tuple[int, vk.VoicekitError | None]:
    """Run ``script``; (bytes received, the error that ended it or None)."""
    scripted.script = script
    session = client.websocket("/s", timeout=5, **options)
    stream = simplex_stream(session, messages=[{"go": 1}], format="pcm")
    received = 0
    try:
        for chunk in stream:
            received += len(chunk)
    except vk.VoicekitError as exc:
        return received, exc
    return received, None


@pytest.mark.parametrize(("code", "expected"), [
    (4401, vk.AuthenticationError), (4402, vk.InsufficientCredits),
    (4403, vk.PermissionDenied), (4404, vk.NotFound), (4429, vk.RateLimited),
    (4400, vk.InvalidRequest), (4422, vk.InvalidRequest), (4500, vk.ServerError),
    (4503, vk.ServerError), (1011, vk.ServerError), (4001, vk.ProviderError),
    (1008, vk.PermissionDenied), (1001, vk.StreamInterrupted),
])
def test_close_codes_map_onto_the_error_tree(scripted: ScriptedStream, client: HttpClient,
                                             code: int, expected: type) -> None:
    received, error = play(scripted, client, [("bytes", 100), ("bytes", 50),
                                              ("close", code, "why")])
    assert type(error) is expected
    assert error is not None and error.received_bytes == received == 150
    assert error.code == str(code) and "why" in error.message


def test_a_normal_close_ends_the_stream(scripted: ScriptedStream, client: HttpClient) -> None:
    assert play(scripted, client, [("bytes", 10), ("close", 1000, "")]) == (10, None)


def test_vendor_codes_and_reason_hints_come_first(scripted: ScriptedStream,
                                                  client: HttpClient) -> None:
    close_map = CloseMap(codes={4001: vk.AuthenticationError, 4401: vk.InsufficientCredits},
                         hints=[(r"api ?key", vk.AuthenticationError)])
    _, error = play(scripted, client, [("close", 4001, "")], close_map=close_map)
    assert type(error) is vk.AuthenticationError
    _, error = play(scripted, client, [("close", 4401, "")], close_map=close_map)
    assert type(error) is vk.InsufficientCredits
    _, error = play(scripted, client, [("close", 4003, "bad API key")], close_map=close_map)
    assert type(error) is vk.AuthenticationError
    _, error = play(scripted, client, [("close", 4403, "x")],
                    close_map=CloseMap(http_mirror=False))
    assert type(error) is vk.ProviderError


def test_a_json_error_frame_explains_the_close_that_follows(scripted: ScriptedStream,
                                                            client: HttpClient) -> None:
    frame = '{"type": "error", "message": "voice 7 is busy", "code": "BUSY"}'
    _, error = play(scripted, client, [("bytes", 20), ("text", frame), ("close", 4500, "")])
    assert type(error) is vk.ServerError and "voice 7 is busy" in error.message
    assert error.received_bytes == 20


def test_an_error_frame_before_a_normal_close_still_raises(scripted: ScriptedStream,
                                                           client: HttpClient) -> None:
    frame = '{"error": {"code": "no_credits", "message": "out of credits"}}'
    errors = ErrorMap(codes={"NO_CREDITS": vk.InsufficientCredits})
    received, error = play(scripted, client, [("bytes", 30), ("text", frame),
                                              ("close", 1000, "")], errors=errors)
    assert type(error) is vk.InsufficientCredits
    assert error.code == "no_credits" and error.received_bytes == received == 30


def test_text_frames_that_are_not_errors_are_ignored(scripted: ScriptedStream,
                                                     client: HttpClient) -> None:
    frames: list[tuple[Any, ...]] = [("text", t) for t in (
        '{"type": "progress"}', "not json", "[1, 2]", '{"error": null}', "[" * 10_000)]
    assert play(scripted, client, [*frames, ("bytes", 5), ("close", 1000, "")]) == (5, None)


def test_secrets_are_scrubbed_from_close_reasons_and_error_frames(
        scripted: ScriptedStream, client: HttpClient) -> None:
    _, error = play(scripted, client, [("close", 4401, f"key {KEY} refused")])
    assert error is not None and KEY not in str(error) and "key *** refused" in error.message
    frame = f'{{"type": "error", "message": "bad key {KEY}"}}'
    _, error = play(scripted, client, [("text", frame), ("close", 4000, "")])
    assert error is not None and KEY not in str(error)


def test_the_handshake_carries_credentials_and_refusals_map(scripted: ScriptedStream) -> None:
    client = HttpClient(scripted.server.url, provider="wsv",
                        auth=lambda: {"X-Key": KEY})
    session = client.websocket("/missing", timeout=5)
    assert session._headers == {"X-Key": KEY}
    with pytest.raises(vk.ProviderError) as info:
        session.connect()
    assert info.value.status in (403, 404)


@pytest.mark.parametrize(("code", "expected"), [
    (1005, vk.StreamInterrupted), (1006, vk.StreamInterrupted), (1012, vk.ServerError),
    (1003, vk.InvalidRequest), (4999, vk.ProviderError), (3000, vk.ProviderError),
])
def test_close_map_alone(code: int, expected: type) -> None:
    error = CloseMap().error(code, "", provider="p", received_bytes=9)
    assert type(error) is expected and error is not None and error.received_bytes == 9
    assert CloseMap().error(1000, "bye", provider="p") is None


def test_stream_errors_remembers_only_error_frames() -> None:
    errors = StreamErrors("p", secrets=[KEY])
    errors.on_text('{"status": "ok"}')
    assert errors.reported is None
    errors.on_text(f'{{"status": "error", "detail": [{{"msg": "bad {KEY}"}}]}}')
    assert errors.reported == ("bad ***", None)


def test_a_refused_handshake_carries_the_vendors_message() -> None:
    from rawserver import Answer, raw_server

    with raw_server() as server:
        body = f'{{"error": {{"message": "key {KEY} is not valid"}}}}'.encode()
        server.answer(Answer(401, [("Content-Type", "application/json")], body))
        client = HttpClient(server.url, provider="wsv", secrets=[Secret(KEY)])
        with pytest.raises(vk.AuthenticationError) as info:
            client.websocket("/s", timeout=5).connect()
        assert "key *** is not valid" in info.value.message and info.value.status == 401
        server.answer(Answer(402, [], b"out of credits"))
        with pytest.raises(vk.InsufficientCredits, match="out of credits"):
            client.websocket("/s", timeout=5).connect()


def test_an_error_raised_by_on_text_carries_received_bytes(scripted: ScriptedStream,
                                                           client: HttpClient) -> None:
    def on_text(text: str) -> None:
        raise vk.ProviderError(f"vendor said {text}")

    scripted.script = [("bytes", 40), ("text", "stop"), ("bytes", 10)]
    stream = simplex_stream(client.websocket("/s", timeout=5), messages=[{"go": 1}],
                            format="pcm", on_text=on_text)
    with pytest.raises(vk.ProviderError, match="vendor said stop") as info:
        stream.read()
    assert info.value.received_bytes == 40


def test_a_close_class_with_its_own_constructor_falls_back_to_provider_error() -> None:
    error = CloseMap(codes={4100: vk.CreditLimitExceeded}).error(4100, "x", provider="p",
                                                                  received_bytes=3)
    assert type(error) is vk.ProviderError and error.received_bytes == 3
