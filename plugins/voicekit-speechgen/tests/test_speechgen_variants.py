"""What a faithful Speechgen server may answer differently from this plugin's emulator.

Each test makes the emulator answer with the vendor doc's own example or a reasonable
variant (fault ``status`` injection) and checks the client reads it.
"""

from __future__ import annotations

import base64
import json

import pytest
from voicekit_core.errors import BadResponse, InvalidRequest, NotFound
from voicekit_core.jobs import JobState
from voicekit_core.testing.media import mp3_bytes, tone_wav

from voicekit_speechgen.emulator import SpeechgenEmulator
from voicekit_speechgen.provider import SpeechgenProvider

# the vendor doc's examples, verbatim
DOC_CLONE = {
    "model_id": "vm_abc123xyz",
    "name": "My Custom Voice",
    "description": "Professional narrator voice",
    "status": "processing",
    "created_at": "2024-01-15T10:30:00Z",
    "estimated_completion": "2024-01-15T10:31:00Z",
    "samples": [{"title": "Default Sample",
                 "text": "This is a demonstration of the voice clone...",
                 "audio_url": "https://cdn.speechgen.com/samples/abc123.mp3"}],
}
DOC_MODEL = {"model_id": "vm_abc123xyz", "name": "My Custom Voice", "status": "ready",
             "voice_id": "custom-abc123", "created_at": "2024-01-15T10:30:00Z",
             "usage_count": 0}


def body(value: object) -> bytes:
    return json.dumps(value).encode()


def sample() -> bytes:
    return tone_wav(12.0, sample_rate=8000)


def test_doc_examples_clone_then_poll(speechgen: SpeechgenProvider,
                                      speechgen_emulator: SpeechgenEmulator) -> None:
    speechgen_emulator.faults.add("POST /v1/voice-clone", "status", status=201,
                                  body=body(DOC_CLONE))
    job = speechgen.clone_voice(sample(), name="My Custom Voice")
    assert (job.id, job.state, job.vendor_status) == ("vm_abc123xyz", JobState.RUNNING,
                                                      "processing")
    assert job.context["estimated_completion"] == "2024-01-15T10:31:00+00:00"
    speechgen_emulator.faults.add("GET /v1/models/vm_abc123xyz", "status", status=200,
                                  body=body(DOC_MODEL))
    voice = job.wait(timeout=60)
    assert (voice.id, voice.kind, voice.raw["model_id"]) == ("custom-abc123", "cloned",
                                                             "vm_abc123xyz")
    with pytest.raises(NotFound):  # the emulator itself never made that model
        speechgen.get_model("vm_abc123xyz")


def test_doc_example_model_without_voice_id_while_processing(
    speechgen: SpeechgenProvider, speechgen_emulator: SpeechgenEmulator
) -> None:
    processing = {k: v for k, v in DOC_MODEL.items() if k != "voice_id"}
    processing["status"] = "training"  # a status word the doc does not list
    speechgen_emulator.faults.add("GET /v1/models/*", "status", status=200,
                                  body=body(processing))
    model = speechgen.get_model("vm_abc123xyz")
    assert (model.status, model.voice_id, model.usage_count) == ("training", None, 0)
    assert not model.ready and not model.failed


@pytest.mark.parametrize(("value", "expected"), [
    (60, "2024-01-15T10:31:00+00:00"),
    ("60", "2024-01-15T10:31:00+00:00"),
    ("60 seconds", "2024-01-15T10:31:00+00:00"),
    ("1 minute", "2024-01-15T10:31:00+00:00"),
    ("2024-01-15T10:31:00Z", "2024-01-15T10:31:00+00:00"),
])
def test_estimated_time_variants(speechgen: SpeechgenProvider,
                                 speechgen_emulator: SpeechgenEmulator, value: object,
                                 expected: str) -> None:
    answer = {k: v for k, v in DOC_CLONE.items() if k != "estimated_completion"}
    answer["estimated_time"] = value
    speechgen_emulator.faults.add("POST /v1/voice-clone", "status", status=201,
                                  body=body(answer))
    job = speechgen.clone_voice(sample(), name="Eta")
    assert job.context["estimated_completion"] == expected


def test_unreadable_estimated_time_is_ignored(speechgen: SpeechgenProvider,
                                              speechgen_emulator: SpeechgenEmulator) -> None:
    answer = {k: v for k, v in DOC_CLONE.items() if k != "estimated_completion"}
    answer["estimated_time"] = "soon"
    speechgen_emulator.faults.add("POST /v1/voice-clone", "status", status=201,
                                  body=body(answer))
    job = speechgen.clone_voice(sample(), name="Eta")
    assert "estimated_completion" not in job.context


def test_emulator_estimated_time_option(speechgen_emulator: SpeechgenEmulator) -> None:
    import voicekit_core as vk

    with SpeechgenEmulator(eta_field="estimated_time") as emulator:
        provider = vk.connect("speechgen", **emulator.connect_options())
        job = provider.clone_voice(sample(), name="Eta")
        assert job.context["estimated_completion"] == "2024-01-15T10:30:45+00:00"
        provider.close()


def test_integer_ids_and_numeric_strings(speechgen: SpeechgenProvider,
                                         speechgen_emulator: SpeechgenEmulator) -> None:
    speechgen_emulator.faults.add("GET /v1/voices", "status", status=200, body=body(
        {"voices": [{"id": 17, "name": "Seventeen", "language": "en-US", "gender": "male",
                     "styles": None},
                    {"voice_id": "en-US-alt", "name": "Alt", "language": ["en-US", "en-GB"]}]}))
    voices = list(speechgen.list_voices(kind="stock"))
    assert [(v.id, v.languages) for v in voices] == [
        ("17", ("en-US",)), ("en-US-alt", ("en-US", "en-GB"))]
    speechgen_emulator.faults.add("GET /v1/models/*", "status", status=200, body=body(
        {"model_id": 42, "name": "N", "status": "ready", "voice_id": "custom-42",
         "usage_count": "3", "created_at": "2024-01-15T10:30:00"}))
    model = speechgen.get_model("vm_42")
    assert (model.model_id, model.usage_count) == ("42", 3)
    assert model.created_at is not None and model.created_at.tzinfo is not None


@pytest.mark.parametrize("shape", ["bare", "data", "models"])
def test_model_list_shapes(speechgen: SpeechgenProvider,
                           speechgen_emulator: SpeechgenEmulator, shape: str) -> None:
    items = [DOC_MODEL, {**DOC_MODEL, "model_id": "vm_2", "status": "processing",
                         "voice_id": None}]
    wrapped: object = items if shape == "bare" else {shape: items, "total": 2}
    speechgen_emulator.faults.add("GET /v1/models", "status", status=200, body=body(wrapped))
    assert [m.model_id for m in speechgen.list_models()] == ["vm_abc123xyz", "vm_2"]


def test_listed_ready_model_without_voice_id_is_looked_up(
    speechgen: SpeechgenProvider, speechgen_emulator: SpeechgenEmulator
) -> None:
    summary = {k: v for k, v in DOC_MODEL.items() if k != "voice_id"}
    speechgen_emulator.faults.add("GET /v1/models", "status", status=200,
                                  body=body({"models": [summary]}))
    speechgen_emulator.faults.add("GET /v1/models/vm_abc123xyz", "status", status=200,
                                  body=body(DOC_MODEL))
    cloned = list(speechgen.list_voices(kind="cloned"))
    assert [v.id for v in cloned] == ["custom-abc123"]


def test_server_without_model_listing_still_lists_voices(
    speechgen: SpeechgenProvider, speechgen_emulator: SpeechgenEmulator
) -> None:
    missing = body({"error": {"code": "not_found", "message": "Not found"}})
    speechgen_emulator.faults.add("GET /v1/models", "status", status=404, body=missing,
                                  count=10)
    voices = list(speechgen.list_voices())
    assert voices and all(v.kind == "stock" for v in voices)
    with pytest.raises(NotFound):
        speechgen.list_models()


def test_integer_speed_and_pitch_stay_integers(speechgen: SpeechgenProvider,
                                               speechgen_emulator: SpeechgenEmulator) -> None:
    speechgen.synthesize("Hello", voice="en-US-aria", speed=1, pitch=2)
    speechgen.synthesize("Hello", voice="en-US-aria", speed=1.25, pitch=-1.5)
    first, second = speechgen_emulator.tts_bodies
    assert (first["speed"], first["pitch"]) == (1, 2)
    assert isinstance(first["pitch"], int) and isinstance(first["speed"], int)
    assert (second["speed"], second["pitch"]) == (1.25, -1.5)


def test_tts_json_with_base64_audio(speechgen: SpeechgenProvider,
                                    speechgen_emulator: SpeechgenEmulator) -> None:
    data = mp3_bytes(1.0)
    speechgen_emulator.faults.add("POST /v1/text-to-speech", "status", status=200, body=body(
        {"audio": base64.b64encode(data).decode(), "duration": 1.0, "characters_used": 5}))
    audio = speechgen.synthesize("Hello", voice="en-US-aria", format="mp3")
    assert (audio.data, audio.format, audio.duration) == (data, "mp3", 1.0)
    assert audio.metadata["characters_used"] == 5


def test_tts_json_with_audio_url(speechgen: SpeechgenProvider,
                                 speechgen_emulator: SpeechgenEmulator) -> None:
    data = tone_wav(0.5, sample_rate=8000)
    url = speechgen_emulator.storage.publish("tts/x.wav", data, "audio/wav")
    speechgen_emulator.faults.add("POST /v1/text-to-speech", "status", status=200,
                                  body=body({"audio_url": url}))
    audio = speechgen.synthesize("Hello", voice="en-US-aria")
    assert (audio.data, audio.format) == (data, "wav")
    assert audio.metadata["characters_used"] is None


def test_tts_binary_with_octet_stream_and_unit_headers(
    speechgen: SpeechgenProvider, speechgen_emulator: SpeechgenEmulator
) -> None:
    data = mp3_bytes(1.0)
    speechgen_emulator.faults.add("POST /v1/text-to-speech", "status", status=200, body=data,
                                  headers={"Content-Type": "application/octet-stream",
                                           "X-Audio-Duration": "1.5s",
                                           "X-Characters-Used": "5"})
    audio = speechgen.synthesize("Hello", voice="en-US-aria", format="mp3")
    assert (audio.format, audio.duration, audio.metadata["characters_used"]) == (
        "mp3", 1.5, 5)


def test_tts_json_without_audio_is_bad_response(speechgen: SpeechgenProvider,
                                                speechgen_emulator: SpeechgenEmulator) -> None:
    speechgen_emulator.faults.add("POST /v1/text-to-speech", "status", status=200,
                                  body=body({"audio": "not base64 !!"}))
    with pytest.raises(BadResponse, match="not audio"):
        speechgen.synthesize("Hello", voice="en-US-aria")


def test_validation_detail_list_becomes_the_message(
    speechgen: SpeechgenProvider, speechgen_emulator: SpeechgenEmulator
) -> None:
    speechgen_emulator.faults.add("POST /v1/text-to-speech", "status", status=422, body=body(
        {"detail": [{"loc": ["body", "pitch"], "msg": "value is not a valid integer"}]}))
    with pytest.raises(InvalidRequest) as info:
        speechgen.synthesize("Hello", voice="en-US-aria", pitch=1.5)
    assert "body.pitch: value is not a valid integer" in str(info.value)


def test_doc_error_envelope_with_param(speechgen: SpeechgenProvider,
                                       speechgen_emulator: SpeechgenEmulator) -> None:
    speechgen_emulator.faults.add("POST /v1/text-to-speech", "status", status=400, body=body(
        {"error": {"code": "invalid_voice", "message": "Voice 'zz' not found",
                   "param": "voice"}}))
    with pytest.raises(NotFound) as info:
        speechgen.synthesize("Hello", voice="zz")
    assert info.value.code == "invalid_voice" and info.value.status == 400
    assert "Voice 'zz' not found (param: voice)" in str(info.value)


def test_clone_answer_already_failed_with_200(speechgen: SpeechgenProvider,
                                              speechgen_emulator: SpeechgenEmulator) -> None:
    from voicekit_core.errors import JobFailed

    answer = {**DOC_CLONE, "status": "failed"}
    speechgen_emulator.faults.add("POST /v1/voice-clone", "status", status=200,
                                  body=body(answer))
    job = speechgen.clone_voice(sample(), name="Doomed")
    assert job.state is JobState.FAILED
    with pytest.raises(JobFailed, match="could not create voice model vm_abc123xyz"):
        job.wait(timeout=60)
    assert not speechgen_emulator.requests("GET", "/v1/models/*")


def test_delete_answered_with_200_and_a_body(speechgen: SpeechgenProvider,
                                             speechgen_emulator: SpeechgenEmulator) -> None:
    speechgen_emulator.faults.add("DELETE /v1/models/*", "status", status=200,
                                  body=body({"deleted": True, "model_id": "vm_abc123xyz"}))
    assert speechgen.delete_model("vm_abc123xyz") is None
