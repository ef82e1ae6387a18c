"""Credentials go to the API origin only: headers on every request, never to storage."""

from __future__ import annotations

import json
import logging
import wave
from pathlib import Path

import pytest
from voicekit_gemelo.emulator import GemeloEmulator
from voicekit_gemelo.provider import GemeloProvider

import voicekit_core as vk
from voicekit_core.testing.media import tone_wav


def _exercise(gemelo: GemeloProvider) -> None:
    list(gemelo.list_voices())
    gemelo.synthesize("Hello", voice=35)
    gemelo.convert_voice(tone_wav(0.3), voice=133)
    voice = gemelo.clone_voice(tone_wav(1.0), name="Mine").wait()
    gemelo.rename_voice(voice, "Mine 2")
    gemelo.delete_voice(voice)
    gemelo.stream_synthesize("Hello", voice=35).read()
    with gemelo.open_stream(voice=35) as duplex:
        duplex.send("Hello")
        duplex.finish()
        duplex.read()


def test_every_api_request_carries_both_keys(gemelo: GemeloProvider,
                                             gemelo_emulator: GemeloEmulator) -> None:
    _exercise(gemelo)
    keys = gemelo_emulator.credentials
    http = [r for r in gemelo_emulator.log if r.method != "WS"]
    assert {r.method for r in http} == {"GET", "POST", "PATCH", "DELETE"}
    for request in http:
        assert request.header("x-client-key") == keys["client_key"]
        assert request.header("x-api-key") == keys["api_key"]
    streams = gemelo_emulator.streams
    assert len(streams) == 2 and all(s.authenticated for s in streams)
    assert gemelo_emulator.storage.log == []


def test_preview_download_sends_no_credentials(gemelo: GemeloProvider,
                                               gemelo_emulator: GemeloEmulator,
                                               tmp_path: Path) -> None:
    voice = next(gemelo.list_voices(kind="system"))
    assert voice.raw["previewUrls"][0].startswith(gemelo_emulator.storage.url)
    path = gemelo.download_preview(voice, tmp_path / "preview.wav")
    with wave.open(str(path)) as w:
        assert w.getnframes() > 0
    storage = gemelo_emulator.storage
    assert len(storage.log) == 1 and not storage.log[0].has_credentials
    assert storage.log[0].header("x-client-id") is None  # the prose's name for the key
    assert storage.violations == []
    with pytest.raises(vk.InvalidInput, match="previewUrls"):
        gemelo.download_preview(vk.Voice(id="1", name="x", provider="gemelo"), tmp_path / "y")


def test_a_redirect_off_origin_loses_the_keys(gemelo: GemeloProvider,
                                              gemelo_emulator: GemeloEmulator) -> None:
    storage = gemelo_emulator.storage
    listing = json.dumps([{"id": 7, "name": "Mirrored"}]).encode()
    target = storage.publish("mirror/voices.json", listing, "application/json")
    gemelo_emulator.faults.add("GET /v1/tts/voices", "status", status=302, body=b"",
                               headers={"Location": target})
    voices = list(gemelo.list_voices(kind="system"))
    assert [v.name for v in voices] == ["Mirrored"]
    assert len(storage.log) == 1 and not storage.log[0].has_credentials
    assert storage.violations == []


def test_keys_never_show_in_reprs_errors_or_logs(gemelo_emulator: GemeloEmulator,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    keys = gemelo_emulator.credentials
    provider = vk.connect("gemelo", **gemelo_emulator.connect_options())
    gemelo_emulator.faults.add("WS /v1/tts/stream/simplex/ws", "ws_close", frames=1,
                               code=4500, reason="boom")
    with caplog.at_level(logging.DEBUG):
        provider.synthesize("Hello", voice=35)
        with pytest.raises(vk.ProviderError) as info:
            provider.stream_synthesize("Hello", voice=35).read()
    texts = [repr(provider), str(info.value), repr(info.value), caplog.text,
             repr(provider.__dict__)]
    for secret in keys.values():
        assert all(secret not in text for text in texts)


def test_websocket_url_is_derived_from_the_base_url() -> None:
    https = vk.connect("gemelo", base_url="https://api.gemelo.ai", client_key="c",
                       api_key="k")
    assert https.http.websocket_url("/v1/tts/stream/simplex/ws").startswith(
        "wss://api.gemelo.ai/v1/tts/stream/simplex/ws")
    plain = vk.connect("gemelo", base_url="http://127.0.0.1:9", client_key="c", api_key="k")
    assert plain.http.websocket_url("/v1/x").startswith("ws://127.0.0.1:9/v1/x")
    with pytest.raises(vk.ConfigurationError, match="plain http"):
        vk.connect("gemelo", base_url="http://gemelo.example", client_key="c", api_key="k")


def test_an_expired_preview_link_is_permission_denied(gemelo: GemeloProvider,
                                                      gemelo_emulator: GemeloEmulator,
                                                      tmp_path: Path) -> None:
    voice = next(gemelo.list_voices(kind="system"))
    gemelo_emulator.storage.faults.add("*", "status", status=403, body=(
        b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code>"
        b"<Message>Request has expired</Message></Error>"),
        headers={"content-type": "application/xml"})
    with pytest.raises(vk.PermissionDenied, match="expired"):
        gemelo.download_preview(voice, tmp_path / "preview.wav")
    assert not (tmp_path / "preview.wav").exists()
