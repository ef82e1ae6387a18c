"""Vendor methods: list_models, get_model, delete_model."""

from __future__ import annotations

import datetime as dt

import pytest
from voicekit_core.errors import InvalidInput, NotFound
from voicekit_core.testing.media import tone_wav

from voicekit_speechgen.emulator import SpeechgenEmulator
from voicekit_speechgen.provider import SpeechgenProvider, VoiceModel


def test_list_and_get_models(speechgen: SpeechgenProvider) -> None:
    job = speechgen.clone_voice(tone_wav(12.0, sample_rate=8000), name="Fresh",
                                description="new")
    models = speechgen.list_models()
    assert [m.name for m in models] == ["Demo narrator", "Fresh"]
    fresh = speechgen.get_model(job.id)
    assert isinstance(fresh, VoiceModel)
    assert (fresh.model_id, fresh.status, fresh.ready, fresh.voice_id) == (
        job.id, "processing", False, None)
    assert fresh.description == "new" and fresh.usage_count == 0
    assert fresh.created_at == dt.datetime(2024, 1, 15, 10, 30, tzinfo=dt.timezone.utc)
    with pytest.raises(InvalidInput, match="processing"):
        fresh.as_voice()
    job.wait(timeout=600)
    ready = speechgen.get_model(fresh)
    assert ready.ready and ready.voice_id and ready.voice_id.startswith("custom-")
    assert ready.as_voice().id == ready.voice_id


def test_delete_then_get_is_not_found(speechgen: SpeechgenProvider,
                                      speechgen_emulator: SpeechgenEmulator) -> None:
    voice = speechgen.clone_voice(tone_wav(12.0, sample_rate=8000), name="Gone").wait(600)
    model_id = voice.raw["model_id"]
    speechgen.delete_model(voice)  # a cloned Voice carries its model_id
    assert speechgen_emulator.requests("DELETE", f"/v1/models/{model_id}")
    with pytest.raises(NotFound) as info:
        speechgen.get_model(model_id)
    assert info.value.status == 404 and info.value.code == "model_not_found"
    assert model_id in str(info.value)
    with pytest.raises(NotFound):
        speechgen.delete_model(model_id)
    with pytest.raises(NotFound):  # its voice stopped working too
        speechgen.synthesize("Hello", voice=voice)
    assert voice not in list(speechgen.list_voices(kind="cloned"))


def test_voice_id_where_model_id_is_needed(speechgen: SpeechgenProvider,
                                           speechgen_emulator: SpeechgenEmulator) -> None:
    for call in (speechgen.get_model, speechgen.delete_model):
        with pytest.raises(InvalidInput, match="model_id") as info:
            call("custom-abc123")
        assert "voice_id" in str(info.value)
    stock = speechgen.get_voice("en-US-aria")
    speechgen_emulator.log.clear()
    with pytest.raises(InvalidInput, match="no model_id"):
        speechgen.delete_model(stock)
    with pytest.raises(InvalidInput):
        speechgen.get_model("")
    assert speechgen_emulator.requests() == []


def test_model_ids_are_safe_path_segments(speechgen: SpeechgenProvider,
                                          speechgen_emulator: SpeechgenEmulator) -> None:
    for bad in ("vm_../../voices", "..", "vm_a?b", "vm_a#b"):
        with pytest.raises(InvalidInput) as info:
            speechgen.get_model(bad)
        assert info.value.field == "model"
    assert speechgen_emulator.requests() == []  # refused before any request
    with pytest.raises(NotFound):
        speechgen.get_model("vm_ space")
    assert speechgen_emulator.requests()[-1].path == "/v1/models/vm_ space"
