"""ListVoices: stock voices and ready cloned models, filters, laziness, get_voice."""

from __future__ import annotations

import pytest
from voicekit_core.errors import InvalidInput, NotFound
from voicekit_core.testing.media import tone_wav

from voicekit_speechgen.emulator import STOCK_VOICES, SpeechgenEmulator
from voicekit_speechgen.provider import SpeechgenProvider


def test_stock_then_cloned_voices(speechgen: SpeechgenProvider) -> None:
    voices = list(speechgen.list_voices())
    stock = [v for v in voices if v.kind == "stock"]
    cloned = [v for v in voices if v.kind == "cloned"]
    assert [v.id for v in stock] == [v["id"] for v in STOCK_VOICES]
    assert voices[: len(stock)] == stock  # stock first
    aria = stock[0]
    assert (aria.name, aria.languages, aria.provider) == ("Aria", ("en-US",), "speechgen")
    assert aria.raw["styles"] == ["neutral", "cheerful", "narration"]
    assert len(cloned) == 1  # the emulator's seeded ready model
    assert cloned[0].id.startswith("custom-")
    assert cloned[0].raw["model_id"].startswith("vm_")


def test_cloned_voices_only_once_ready(speechgen: SpeechgenProvider,
                                       speechgen_emulator: SpeechgenEmulator) -> None:
    job = speechgen.clone_voice(tone_wav(11.0, sample_rate=8000), name="Pending")
    assert [v.name for v in speechgen.list_voices(kind="cloned")] == ["Demo narrator"]
    voice = job.wait(timeout=600)
    cloned = list(speechgen.list_voices(kind="cloned"))
    assert voice in cloned
    assert all(v.id.startswith("custom-") for v in cloned)


def test_filters(speechgen: SpeechgenProvider) -> None:
    assert [v.id for v in speechgen.list_voices(language="en", kind="stock")] == [
        "en-US-aria", "en-US-guy", "en-GB-oliver"]
    assert [v.id for v in speechgen.list_voices(language="en-gb")] == ["en-GB-oliver"]
    assert [v.id for v in speechgen.list_voices(gender="female", kind="stock")] == [
        "en-US-aria", "es-ES-lucia", "fr-FR-amelie"]
    assert [v.id for v in speechgen.list_voices(style="newscast")] == ["en-US-guy"]


def test_lazy_second_request(speechgen: SpeechgenProvider,
                             speechgen_emulator: SpeechgenEmulator) -> None:
    voices = speechgen.list_voices()
    assert speechgen_emulator.requests() == []
    next(voices)
    assert [r.path for r in speechgen_emulator.requests()] == ["/v1/voices"]
    list(voices)
    assert [r.path for r in speechgen_emulator.requests()] == ["/v1/voices", "/v1/models"]


@pytest.mark.parametrize("kwargs", [{"kind": "system"}, {"colour": "blue"},
                                    {"language": ""}, {"gender": 3}])
def test_bad_filters_are_refused_locally(speechgen: SpeechgenProvider,
                                         speechgen_emulator: SpeechgenEmulator,
                                         kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        speechgen.list_voices(**kwargs)  # type: ignore[arg-type]
    assert speechgen_emulator.requests() == []


def test_get_voice(speechgen: SpeechgenProvider) -> None:
    voice = speechgen.get_voice("es-ES-lucia")
    assert (voice.id, voice.name, voice.kind) == ("es-ES-lucia", "Lucía", "stock")
    cloned = next(speechgen.list_voices(kind="cloned"))
    assert speechgen.get_voice(cloned).kind == "cloned"
    with pytest.raises(NotFound) as info:
        speechgen.get_voice("xx-XX-nobody")
    assert info.value.code == "invalid_voice"
    assert "xx-XX-nobody" in str(info.value)
