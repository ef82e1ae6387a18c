"""Long text and the stream adapter over a remote vendor's real plugin code (its emulator)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from gated import GatedProvider

import voicekit_core as vk
from voicekit_core.audio import parse_wav_header
from voicekit_core.longtext import plan
from voicekit_core.metrics import MetricsCollector

pytest.importorskip("voicekit_speechgen")
from voicekit_speechgen.emulator import SpeechgenEmulator

TEXT = ("Speechgen cannot stream by itself. The adapter speaks each sentence in turn. "
        "Meanwhile the next one is on its way. The listener hears one voice throughout.")
VOICE = "en-US-aria"


@pytest.fixture
def emulator() -> Iterator[SpeechgenEmulator]:
    with SpeechgenEmulator() as emu:
        yield emu


@pytest.fixture
def speechgen(emulator: SpeechgenEmulator, voicekit_fast_retries: None) -> Iterator[Any]:
    provider = vk.connect("speechgen", max_text_chars=60, **emulator.connect_options())
    yield provider
    provider.close()


def tts_requests(emulator: SpeechgenEmulator) -> int:
    return len(emulator.requests("POST", "*/text-to-speech"))


def test_split_over_http_pays_each_piece_once(speechgen: Any,
                                              emulator: SpeechgenEmulator) -> None:
    pieces = plan(speechgen, TEXT)
    assert len(pieces) == 4 and all(len(p) <= 60 for p in pieces)
    with pytest.raises(vk.InvalidInput):  # over the limit, not asked to split
        speechgen.synthesize(TEXT, voice=VOICE)
    assert tts_requests(emulator) == 0
    with MetricsCollector() as metrics:
        audio = speechgen.synthesize(TEXT, voice=VOICE, split=True)
    assert tts_requests(emulator) == len(pieces)
    assert parse_wav_header(audio.data).data_size == len(audio.data) - 44
    summary = metrics.summary()
    assert summary["credits_spent"] == sum(len(p) for p in pieces)  # the vendor's count
    assert summary["requests"] == len(pieces)


def test_split_budget_refused_before_any_request(speechgen: Any,
                                                 emulator: SpeechgenEmulator) -> None:
    with pytest.raises(vk.CreditLimitExceeded):
        speechgen.synthesize(TEXT, voice=VOICE, split=True, max_credits=100)
    assert tts_requests(emulator) == 0


def test_stream_adapter_over_http(speechgen: Any, emulator: SpeechgenEmulator) -> None:
    streaming = vk.adapters.stream(speechgen)
    whole = speechgen.synthesize(TEXT, voice=VOICE, split=True)
    with streaming.stream_synthesize(TEXT, voice=VOICE) as stream:
        audio = stream.read()
    assert audio.duration == pytest.approx(whole.duration, abs=0.01)


def test_fallback_from_a_rate_limited_vendor(speechgen: Any,
                                             emulator: SpeechgenEmulator) -> None:
    emulator.faults.add("POST */text-to-speech", "status", status=429,
                        headers={"Retry-After": "1"}, count=20)
    backup = GatedProvider()
    chain = vk.adapters.fallback([speechgen, backup],
                                 voices={"speechgen": VOICE, "gated": "g"})
    chain.synthesize("Hello there.")
    assert backup.texts == ["Hello there."]


def test_cli_say_stream_with_a_vendor_that_cannot_stream(
        emulator: SpeechgenEmulator, tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
        voicekit_fast_retries: None) -> None:
    from voicekit_core.cli import main

    monkeypatch.setenv("SPEECHGEN_BASE_URL", emulator.url)
    monkeypatch.setenv("SPEECHGEN_API_KEY", emulator.credentials["api_key"])
    out = tmp_path / "streamed.wav"
    assert main(["say", TEXT, "-p", "speechgen", "-v", VOICE, "--stream", "-o", str(out)]) == 0
    assert tts_requests(emulator) == 4  # sentence by sentence, through the stream adapter
    data = out.read_bytes()
    assert parse_wav_header(data).data_size == len(data) - 44
