"""synthesize (POST /v1/tts/convert): audio, headers, voice types, errors, validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from voicekit_gemelo.emulator import GemeloEmulator
from voicekit_gemelo.provider import GemeloProvider

import voicekit_core as vk
from voicekit_core.audio import parse_wav_header


def test_synthesize_returns_the_wav_and_its_metadata(gemelo: GemeloProvider,
                                                     gemelo_emulator: GemeloEmulator) -> None:
    audio = gemelo.synthesize("Hello world, how are you?", voice="35")
    info = parse_wav_header(audio.data)
    assert audio.format == "wav" and info.sample_rate == audio.sample_rate == 22050
    assert audio.channels == 1 and audio.duration == pytest.approx(0.5)
    assert audio.metadata["audio_duration_ms"] == 500
    assert audio.metadata["audio_size_bytes"] == len(audio.data)
    assert all(type(audio.metadata[k]) is int for k in ("audio_duration_ms", "audio_size_bytes"))
    assert gemelo_emulator.convert_bodies == [
        {"voiceId": 35, "text": "Hello world, how are you?", "voiceType": "system"}]


def test_to_path_writes_the_answer_straight_into_the_file(gemelo: GemeloProvider,
                                                          tmp_path: Path) -> None:
    in_memory = gemelo.synthesize("Hello world, how are you?", voice="35")
    saved = gemelo.synthesize("Hello world, how are you?", voice="35", to=tmp_path / "a.wav")
    assert isinstance(saved, vk.SavedAudio) and saved.path == tmp_path / "a.wav"
    assert saved.data == in_memory.data and len(saved) == len(in_memory.data)
    assert (saved.format, saved.sample_rate, saved.channels, saved.duration) == \
        (in_memory.format, in_memory.sample_rate, in_memory.channels, in_memory.duration)
    assert saved.metadata == in_memory.metadata | {"request_id": saved.metadata["request_id"]}


def test_a_cloned_voice_carries_its_voice_type(gemelo: GemeloProvider,
                                               gemelo_emulator: GemeloEmulator) -> None:
    voice = next(gemelo.list_voices(kind="cloned"))
    gemelo.synthesize("Hi", voice=voice)
    gemelo.synthesize("Hi", voice=501, voice_type="cloned")
    gemelo.synthesize("Hi", voice="cloned:501")
    assert [b["voiceType"] for b in gemelo_emulator.convert_bodies] == ["cloned"] * 3
    assert {b["voiceId"] for b in gemelo_emulator.convert_bodies} == {501}


def test_mp3_and_sample_rate_go_through_the_stream(gemelo: GemeloProvider,
                                                   gemelo_emulator: GemeloEmulator) -> None:
    mp3 = gemelo.synthesize("Hello", voice=24, format="mp3")
    assert mp3.format == "mp3" and mp3.data[:2] == b"\xff\xf3"
    wav = gemelo.synthesize("Hello", voice=24, sample_rate=44100)
    assert wav.sample_rate == 44100 and wav.duration == pytest.approx(0.3)
    queries = [s.query for s in gemelo_emulator.streams]
    assert queries == [{"voiceId": "24", "voiceType": "system", "format": "mp3", "sr": "22050"},
                       {"voiceId": "24", "voiceType": "system", "format": "wav", "sr": "44100"}]
    assert gemelo_emulator.convert_bodies == []


def test_unknown_voice_is_not_found_with_the_vendor_message(gemelo: GemeloProvider) -> None:
    with pytest.raises(vk.NotFound) as info:
        gemelo.synthesize("Hello", voice=999)
    assert info.value.status == 404 and info.value.code == "VOICE_NOT_FOUND"
    assert "Voice 999" in info.value.message


def test_insufficient_credits(voicekit_emulator: object, voicekit_connect: object,
                              voicekit_fast_retries: None) -> None:
    emulator = voicekit_emulator(GemeloEmulator, credits=3)  # type: ignore[operator]
    provider = voicekit_connect(emulator)  # type: ignore[operator]
    with pytest.raises(vk.InsufficientCredits):
        provider.synthesize("more than three characters", voice=35)


def test_rate_limit_is_retried_for_a_post(gemelo: GemeloProvider,
                                          gemelo_emulator: GemeloEmulator) -> None:
    gemelo_emulator.faults.add("POST /v1/tts/convert", "error", error="rate_limited")
    assert gemelo.synthesize("Hello", voice=35).data
    assert len(gemelo_emulator.requests("POST", "/v1/tts/convert")) == 2


def test_server_error_on_a_spending_post_is_not_retried(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    gemelo_emulator.faults.add("POST /v1/tts/convert", "error", error="server_error", count=5)
    with pytest.raises(vk.ServerError) as info:
        gemelo.synthesize("Hello", voice=35)
    assert info.value.may_have_been_processed
    assert "Something went wrong" in info.value.message
    assert len(gemelo_emulator.requests("POST", "/v1/tts/convert")) == 1


def test_a_truncated_body_raises_stream_interrupted(gemelo: GemeloProvider,
                                                    gemelo_emulator: GemeloEmulator) -> None:
    gemelo_emulator.faults.add("POST /v1/tts/convert", "truncate")
    with pytest.raises(vk.TransportError):
        gemelo.synthesize("Hello there, a longer text", voice=35)


def test_vendor_credit_errors_map_to_insufficient_credits(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    gemelo_emulator.faults.add("POST /v1/tts/convert", "status", status=403, body=(
        b'{"text": "Forbidden", "code": "NO_CREDITS", "message": "Not enough credits"}'))
    with pytest.raises(vk.InsufficientCredits, match="Forbidden: Not enough credits"):
        gemelo.synthesize("Hello", voice=35)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"text": ""}, "text"),
    ({"text": "   "}, "text"),
    ({"format": "ogg"}, "format"),
    ({"sample_rate": 16000}, "sample_rate"),
    ({"sample_rate": True}, "sample_rate"),
    ({"speed": 1.2}, "speed"),
])
def test_local_validation_happens_before_any_request(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator, kwargs: dict[str, object],
        field: str) -> None:
    args: dict[str, object] = {"text": "Hello", "voice": 35, **kwargs}
    with pytest.raises(vk.InvalidInput) as info:
        gemelo.synthesize(**args)  # type: ignore[arg-type]
    assert info.value.field == field
    assert gemelo_emulator.log == []


def test_configurable_text_limit(gemelo_emulator: GemeloEmulator) -> None:
    provider = vk.connect("gemelo", max_text_chars=10, **gemelo_emulator.connect_options())
    with pytest.raises(vk.InvalidInput, match="max_text_chars") as info:
        provider.synthesize("this is longer than ten", voice=35)
    assert info.value.limit == "at most 10 characters"
    assert gemelo_emulator.log == []
    assert provider.synthesize("short", voice=35).data


def test_keys_from_the_environment(gemelo_emulator: GemeloEmulator,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMELO_CLIENT_KEY", gemelo_emulator.credentials["client_key"])
    monkeypatch.setenv("GEMELO_API_KEY", gemelo_emulator.credentials["api_key"])
    monkeypatch.setenv("GEMELO_BASE_URL", gemelo_emulator.url)
    provider = vk.connect("gemelo")
    assert provider.base_url == gemelo_emulator.url
    assert provider.synthesize("Hello", voice=24).data


def test_missing_keys_name_both_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: object
                                          ) -> None:
    monkeypatch.delenv("GEMELO_CLIENT_KEY", raising=False)
    monkeypatch.delenv("GEMELO_API_KEY", raising=False)
    monkeypatch.setenv("VOICEKIT_KEY_FILE", str(tmp_path) + "/keys.json")
    with pytest.raises(vk.MissingCredentials, match="GEMELO_CLIENT_KEY, GEMELO_API_KEY"):
        vk.connect("gemelo")


def test_default_base_url_and_estimate() -> None:
    provider = vk.connect("gemelo", client_key="c", api_key="k")
    assert provider.base_url == "https://api.gemelo.ai"
    assert provider.estimate("synthesize", text="hello") is None
    assert sorted(provider.capabilities) == sorted(
        ["ListVoices", "Synthesize", "StreamSynthesize", "ConvertVoice", "CloneVoice",
         "GenerateVideo"])
