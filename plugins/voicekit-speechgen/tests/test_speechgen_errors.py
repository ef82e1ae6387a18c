"""Speechgen's error envelope, authentication, API key shapes, retries of safe reads."""

from __future__ import annotations

import logging

import pytest
import requests
import voicekit_core as vk
from voicekit_core.errors import (
    AuthenticationError,
    BadResponse,
    InsufficientCredits,
    NotFound,
    RateLimited,
    ServerError,
)

from voicekit_speechgen.emulator import SpeechgenEmulator
from voicekit_speechgen.provider import SpeechgenProvider


def test_bearer_auth(speechgen: SpeechgenProvider,
                     speechgen_emulator: SpeechgenEmulator) -> None:
    next(speechgen.list_voices())
    key = speechgen_emulator.credentials["api_key"]
    assert speechgen_emulator.requests()[0].header("authorization") == f"Bearer {key}"


def test_invalid_key(speechgen_emulator: SpeechgenEmulator, voicekit_fast_retries: None,
                     caplog: pytest.LogCaptureFixture) -> None:
    wrong = "sk_live_wrong_but_well_formed"
    provider = vk.connect("speechgen", **speechgen_emulator.connect_options(api_key=wrong))
    with pytest.raises(AuthenticationError) as info:
        provider.get_model("vm_x")
    assert info.value.code == "invalid_api_key" and info.value.status == 401
    assert "Invalid API key" in str(info.value) and wrong not in str(info.value)
    assert "does not look like" not in caplog.text


def test_odd_key_shape_warns_without_showing_it(speechgen_emulator: SpeechgenEmulator,
                                                caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="voicekit.speechgen"):
        vk.connect("speechgen", **speechgen_emulator.connect_options(api_key="pk-odd-12345"))
    assert "sk_live_" in caplog.text and "pk-odd-12345" not in caplog.text


def test_missing_key_envelope(speechgen_emulator: SpeechgenEmulator) -> None:
    response = requests.get(f"{speechgen_emulator.url}/voices", timeout=10)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "missing_api_key"


@pytest.mark.parametrize(("status", "body", "error", "code"), [
    (401, b'{"error": {"code": "missing_api_key", "message": "No key"}}',
     AuthenticationError, "missing_api_key"),
    (403, b'{"error": {"code": "invalid_api_key", "message": "Bad key"}}',
     AuthenticationError, "invalid_api_key"),
    (400, b'{"error": {"code": "invalid_voice", "message": "Unknown voice", "param": "voice"}}',
     NotFound, "invalid_voice"),
    (403, b'{"error": {"code": "quota_exceeded", "message": "Out of characters"}}',
     InsufficientCredits, "quota_exceeded"),
    (503, b'{"error": {"code": "overloaded", "message": "Busy"}}', ServerError, "overloaded"),
    (500, b"<html>oops</html>", ServerError, None),
    (404, b'{"error": "not_found", "message": "No such thing"}', NotFound, "not_found"),
])
def test_error_envelope_maps_onto_the_tree(
    speechgen: SpeechgenProvider, speechgen_emulator: SpeechgenEmulator, status: int,
    body: bytes, error: type[Exception], code: str | None,
) -> None:
    speechgen_emulator.faults.add("GET /v1/models/*", "status", status=status, body=body,
                                  count=10)
    with pytest.raises(error) as info:
        speechgen.get_model("vm_any")
    assert getattr(info.value, "code", None) == code
    if b"param" in body:
        assert "(param: voice)" in str(info.value)


def test_rate_limited_reads_are_retried_then_raise(
    speechgen: SpeechgenProvider, speechgen_emulator: SpeechgenEmulator
) -> None:
    speechgen_emulator.faults.add("GET /v1/models", "error", error="rate_limited", count=2)
    assert speechgen.list_models()
    assert len(speechgen_emulator.requests("GET", "/v1/models")) == 3
    speechgen_emulator.faults.add("GET /v1/models", "error", error="rate_limited", count=50)
    with pytest.raises(RateLimited) as info:
        speechgen.list_models()
    assert info.value.code == "rate_limit_exceeded"


def test_connection_reset_on_poll_is_retried(speechgen: SpeechgenProvider,
                                             speechgen_emulator: SpeechgenEmulator) -> None:
    from voicekit_core.testing.media import tone_wav

    job = speechgen.clone_voice(tone_wav(12.0, sample_rate=8000), name="Flaky")
    speechgen_emulator.faults.add("GET /v1/models/*", "reset", count=2)
    speechgen_emulator.faults.add("GET /v1/models/*", "error", error="server_error", count=1)
    assert job.wait(timeout=600).id.startswith("custom-")


def test_malformed_model_is_bad_response(speechgen: SpeechgenProvider,
                                         speechgen_emulator: SpeechgenEmulator) -> None:
    speechgen_emulator.faults.add("GET /v1/models/*", "malformed", count=10)
    with pytest.raises(BadResponse):
        speechgen.get_model("vm_any")
    speechgen_emulator.faults.clear()
    speechgen_emulator.faults.add("GET /v1/models/*", "status", status=200,
                                  body=b'{"name": "no id"}')
    with pytest.raises(BadResponse, match="without model_id"):
        speechgen.get_model("vm_any")


def test_clone_post_is_not_retried_after_sending(speechgen: SpeechgenProvider,
                                                 speechgen_emulator: SpeechgenEmulator
                                                 ) -> None:
    from voicekit_core.testing.media import tone_wav

    speechgen_emulator.faults.add("POST /v1/voice-clone", "error", error="server_error",
                                  count=5)
    with pytest.raises(ServerError) as info:
        speechgen.clone_voice(tone_wav(12.0, sample_rate=8000), name="Once")
    assert info.value.may_have_been_processed  # type: ignore[attr-defined]
    assert len(speechgen_emulator.requests("POST", "/v1/voice-clone")) == 1
