"""Long text: split=True on any provider, costs checked first, failures that say what is left."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from fakevendor import FakeEmulator, FakeProvider

import voicekit_core as vk
from voicekit_core.audio import parse_wav_header
from voicekit_core.longtext import SplitSynthesisFailed, plan, synthesize_long, text_limit
from voicekit_core.models import Cost
from voicekit_core.testing.media import tone_pcm

TEXT = ("Dr. Smith arrived at 10 a.m. and sat down. Then he left quickly. "
        "It cost him $3.14, e.g. nothing at all! Was it worth it? Nobody knows.")


class PricedFake(FakeProvider):
    """The fake vendor with a text limit and a price of one credit a character."""

    max_text_chars = 40

    def estimate(self, operation: str, **args: Any) -> Cost | None:
        return Cost(credits=float(len(args["text"])), unit="characters")


@pytest.fixture
def priced(emulator: FakeEmulator, voicekit_fast_retries: None) -> Iterator[PricedFake]:
    provider = PricedFake(**emulator.connect_options())
    yield provider
    provider.close()


def tts_charges(emulator: FakeEmulator) -> list[float]:
    return [amount for reason, amount in emulator.ledger.entries if reason == "tts"]


def test_split_sends_pieces_under_the_limit_and_joins_one_wav(
        priced: PricedFake, emulator: FakeEmulator) -> None:
    pieces = plan(priced, TEXT)
    assert len(pieces) > 2 and all(len(p) <= 40 for p in pieces)
    audio = priced.synthesize(TEXT, voice="v1", split=True)
    charges = tts_charges(emulator)
    assert charges == [float(len(p)) for p in pieces]  # one request per piece, in order
    info = parse_wav_header(audio.data)
    assert audio.data.count(b"RIFF") == 1 and info.data_size == len(audio.data) - 44
    assert audio.data[44:] == tone_pcm(0.2) * len(pieces)  # every piece, in order
    assert audio.metadata["pieces"] == len(pieces)


def test_text_limit_comes_from_the_provider(priced: PricedFake) -> None:
    assert text_limit(priced) == (40, None)
    assert text_limit(vk.adapters.stream(priced)) == (40, None)  # through adapters too


def test_a_declared_limit_is_read_and_the_tighter_one_applies(provider: FakeProvider) -> None:
    assert text_limit(provider) == (1000, None)  # kit.operation(text=TextRules(max_chars=1000))


def test_bad_options_are_refused_before_the_first_request(
        priced: PricedFake, emulator: FakeEmulator) -> None:
    with pytest.raises(vk.InvalidInput) as err:
        priced.synthesize(TEXT, voice="v1", split=True, loudness=11)
    assert "loudness" in str(err.value) and emulator.requests("POST", "/tts") == []


def test_budget_is_checked_before_the_first_request(
        priced: PricedFake, emulator: FakeEmulator) -> None:
    with pytest.raises(vk.CreditLimitExceeded, match="nothing was sent"):
        priced.synthesize(TEXT, voice="v1", split=True, max_credits=len(TEXT) / 2)
    assert emulator.requests("POST", "/tts") == []
    priced.synthesize(TEXT, voice="v1", split=True, max_credits=len(TEXT))  # enough


def test_a_failure_in_the_middle_names_what_was_spent_and_what_is_left(
        voicekit_fast_retries: None) -> None:
    pieces_before = 2
    with FakeEmulator(credits=0) as emu:
        provider = PricedFake(**emu.connect_options())
        pieces = plan(provider, TEXT)
        emu.ledger.balance = float(sum(len(p) for p in pieces[:pieces_before]))
        with pytest.raises(SplitSynthesisFailed) as err:
            provider.synthesize(TEXT, voice="v1", split=True)
        provider.close()
    failure = err.value
    spent = float(sum(len(p) for p in pieces[:pieces_before]))
    assert failure.done == pieces_before and failure.total == len(pieces)
    assert failure.spent == spent and failure.unit == "characters"
    assert failure.remaining_text == TEXT[TEXT.index(pieces[pieces_before]):]
    assert isinstance(failure.__cause__, vk.InsufficientCredits)
    assert f"{spent:g} characters spent" in str(failure)
    assert f"Left: {len(failure.remaining_text)} characters" in str(failure)
    assert failure.partial is not None and failure.partial.data[44:] == tone_pcm(0.2) * 2


def test_a_failure_of_the_first_piece_is_the_error_itself(voicekit_fast_retries: None) -> None:
    with FakeEmulator(credits=0) as emu:
        provider = PricedFake(**emu.connect_options())
        with pytest.raises(vk.InsufficientCredits):
            provider.synthesize(TEXT, voice="v1", split=True)
        provider.close()


def test_split_of_short_text_is_one_ordinary_call(priced: PricedFake,
                                                  emulator: FakeEmulator) -> None:
    audio = priced.synthesize("Short.", voice="v1", split=True)
    assert audio.data[44:] == tone_pcm(0.2) and len(emulator.requests("POST", "/tts")) == 1


def test_split_must_be_a_bool(priced: PricedFake) -> None:
    with pytest.raises(vk.InvalidInput) as err:
        priced.synthesize("Hi.", voice="v1", split="yes")
    assert err.value.field == "split"


def test_joining_mp3_needs_the_extra_and_says_so_before_any_request(
        priced: PricedFake, emulator: FakeEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "soundfile", None)
    with pytest.raises(vk.ConfigurationError, match=r"voicekit-core\[convert\]"):
        priced.synthesize(TEXT, voice="v1", split=True, format="mp3")
    assert emulator.requests("POST", "/tts") == []


espeak = pytest.importorskip("voicekit_espeak")


@pytest.fixture
def speaker() -> Iterator[Any]:
    with vk.connect("espeak") as provider:
        yield provider


def test_espeak_split_equals_the_pieces_spoken_one_by_one(speaker: Any) -> None:
    pieces = plan(speaker, TEXT, max_chars=50)
    audio = synthesize_long(speaker, TEXT, voice="en", max_chars=50)
    alone = [speaker.synthesize(p, voice="en") for p in pieces]
    assert audio.metadata["pieces"] == len(pieces) > 1
    assert audio.duration == pytest.approx(sum(a.duration for a in alone), abs=0.05)
    assert parse_wav_header(audio.data).data_size == len(audio.data) - 44


def test_espeak_split_to_mp3_converts_what_espeak_cannot_make(speaker: Any) -> None:
    pytest.importorskip("soundfile")
    audio = speaker.synthesize(TEXT, voice="en", split=True, format="mp3", max_chars=60)
    assert audio.format == "mp3" and vk.audio.sniff_format(audio.data[:64]) == "mp3"
    assert audio.metadata["pieces"] > 1


def test_every_installed_synthesize_provider_takes_split() -> None:
    import inspect

    from voicekit_core.registry import get_registry

    registry = get_registry()
    names = [info.name for info in registry.providers("Synthesize")]
    assert "fakevendor" in names
    for name in names:
        method = registry.provider_class(name).synthesize
        assert "split" in inspect.signature(method).parameters, name


def test_split_to_a_path_saves_the_joined_audio_once(priced: PricedFake, tmp_path: Any,
                                                     emulator: FakeEmulator) -> None:
    target = tmp_path / "long.wav"
    audio = priced.synthesize(TEXT, voice="v1", split=True, to=target)
    assert target.read_bytes() == audio.data and audio.metadata["pieces"] > 2
    with pytest.raises(vk.InvalidInput):  # a folder that is not there: nothing is sent
        priced.synthesize(TEXT, voice="v1", split=True, to=tmp_path / "no" / "x.wav")
    assert len(emulator.requests("POST", "/tts")) == audio.metadata["pieces"]
