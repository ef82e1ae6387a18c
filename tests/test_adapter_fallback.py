"""FallbackAdapter: switch only when nothing was billed, cool down, probe back, map voices."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from fakevendor import FakeEmulator, FakeProvider
from gated import GatedProvider

import voicekit_core as vk
from voicekit_core.adapters.fallback_adapter import proves_unbilled
from voicekit_core.metrics import MetricsCollector

VOICES = {"fakevendor": "v1", "gated": "g1"}


@pytest.fixture
def events() -> Iterator[MetricsCollector]:
    with MetricsCollector() as collector:
        yield collector


@pytest.fixture
def backup() -> GatedProvider:
    return GatedProvider()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_refused_switches_and_says_so(
        backup: GatedProvider, events: MetricsCollector, voicekit_fast_retries: None) -> None:
    down = vk.connect("fakevendor", base_url=f"http://127.0.0.1:{closed_port()}",
                      api_key="k", max_retries=0)
    chain = vk.adapters.fallback([down, backup], voices=VOICES)
    audio = chain.synthesize("Hello.")
    assert audio.format == "wav" and backup.calls[0]["voice"] == "g1"
    [switch] = events.of_kind("fallback_switch")
    assert switch.data["from_provider"] == "fakevendor" and switch.data["to_provider"] == "gated"
    assert switch.data["error"] == "ConnectionFailed"


@pytest.mark.parametrize("error", ["rate_limited", "unauthorized"])
def test_rate_limit_and_auth_switch(error: str, provider: FakeProvider, emulator: FakeEmulator,
                                    backup: GatedProvider) -> None:
    emulator.faults.add("POST /tts", "error", error=error, count=20)
    chain = vk.adapters.fallback([provider, backup], voices=VOICES, clock=emulator.clock)
    chain.synthesize("Hello.")
    assert backup.texts == ["Hello."]


def test_a_5xx_after_a_spending_request_may_have_been_processed_is_not_switched(
        provider: FakeProvider, emulator: FakeEmulator, backup: GatedProvider) -> None:
    emulator.faults.add("POST /tts", "error", error="server_error", count=5)
    chain = vk.adapters.fallback([provider, backup], voices=VOICES, clock=emulator.clock)
    with pytest.raises(vk.ServerError) as err:
        chain.synthesize("Hello.")
    assert err.value.may_have_been_processed and backup.calls == []


def test_bad_input_is_raised_not_switched(provider: FakeProvider,
                                          backup: GatedProvider) -> None:
    failing = GatedProvider(fail_on={"x": vk.InvalidInput("no", field="text")})
    chain = vk.adapters.fallback([failing, backup], voices={"gated": "g"})
    with pytest.raises(vk.InvalidInput):
        chain.synthesize("x")
    assert backup.calls == []


def test_a_failed_provider_cools_down_then_is_probed_back(
        provider: FakeProvider, emulator: FakeEmulator, backup: GatedProvider) -> None:
    clock = vk.ManualClock()
    emulator.faults.add("POST /tts", "error", error="unauthorized", count=1)
    chain = vk.adapters.fallback([provider, backup], voices=VOICES, cooldown=30, clock=clock)
    chain.synthesize("One.")
    assert chain.available() == [backup]
    chain.synthesize("Two.")  # straight to the backup: the first is cooling down
    assert len(emulator.requests("POST", "/tts")) == 1 and backup.texts == ["One.", "Two."]
    clock.advance(31)
    chain.synthesize("Three.")  # probed back, and it answers
    assert len(emulator.requests("POST", "/tts")) == 2 and backup.texts == ["One.", "Two."]
    assert chain.available() == [provider, backup]


def test_retry_after_longer_than_the_cooldown_is_honoured(
        provider: FakeProvider, emulator: FakeEmulator, backup: GatedProvider) -> None:
    clock = vk.ManualClock()
    emulator.faults.add("POST /tts", "error", error="rate_limited", count=20)
    chain = vk.adapters.fallback([provider, backup], voices=VOICES, cooldown=1, clock=clock)
    chain.synthesize("One.")
    clock.advance(2)
    assert chain.available() == [backup]  # the vendor said Retry-After: 7
    clock.advance(6)
    assert chain.available() == [provider, backup]


def test_when_every_provider_fails_unbilled_the_last_error_is_raised() -> None:
    first = GatedProvider(fail_on={"Hi.": vk.RateLimited("slow down", retry_after=5)})
    second = GatedProvider(fail_on={"Hi.": vk.AuthenticationError("bad key")})
    chain = vk.adapters.fallback([first, second], voices={"gated": "g"}, clock=vk.ManualClock())
    with pytest.raises(vk.AuthenticationError):
        chain.synthesize("Hi.")
    with pytest.raises(vk.AuthenticationError):  # all cooling down: tried anyway
        chain.synthesize("Hi.")
    assert len(first.calls) == 2 and len(second.calls) == 2


def test_a_provider_without_a_voice_is_refused_before_any_request(
        provider: FakeProvider, emulator: FakeEmulator, backup: GatedProvider) -> None:
    chain = vk.adapters.fallback([provider, backup], voices={"fakevendor": "v1"})
    with pytest.raises(vk.InvalidInput, match="no voice for gated"):
        chain.synthesize("Hello.")
    assert emulator.requests("POST", "/tts") == []
    chain.synthesize("Hello.", voice="shared")  # voice= covers the providers not mapped
    assert backup.calls == [] and emulator.tts_voices == ["v1"]


def test_streams_fall_back_too_with_a_stream_adapter(backup: GatedProvider,
                                                     voicekit_fast_retries: None) -> None:
    down = vk.connect("fakevendor", base_url=f"http://127.0.0.1:{closed_port()}",
                      api_key="k", max_retries=0)
    chain = vk.adapters.fallback([down, backup], voices=VOICES)
    with chain.open_stream() as duplex:
        duplex.send("Hello there. ")
        duplex.finish()
        assert len(b"".join(duplex)) > 44
    assert backup.texts == ["Hello there."]


@pytest.mark.parametrize(("error", "unbilled"), [
    (vk.ConnectionFailed("refused"), True),
    (vk.ConnectionFailed("reset", may_have_been_processed=True), False),
    (vk.Timeout("slow", may_have_been_processed=True), False),
    (vk.ServerError("503"), True),
    (vk.ServerError("500", may_have_been_processed=True), False),
    (vk.InsufficientCredits("broke"), True),
    (vk.StreamInterrupted("cut", received_bytes=5), False),
    (vk.BadResponse("odd"), False),
    (vk.NotFound("no voice"), False),
])
def test_what_proves_a_request_was_not_billed(error: Exception, unbilled: bool) -> None:
    assert proves_unbilled(error) is unbilled


def test_bad_arguments_are_refused(backup: GatedProvider) -> None:
    with pytest.raises(vk.InvalidInput):
        vk.adapters.fallback([])
    with pytest.raises(vk.InvalidInput):
        vk.adapters.fallback([backup], cooldown=float("nan"))
    with pytest.raises(vk.InvalidInput):
        vk.adapters.fallback([object()])


def test_fallback_passes_options_and_split(backup: GatedProvider) -> None:
    chain = vk.adapters.fallback([backup], voices={"gated": "g"})
    audio: Any = chain.synthesize("One sentence. Two sentences.", split=True, max_chars=15)
    assert backup.texts == ["One sentence.", "Two sentences."]
    assert audio.metadata["pieces"] == 2
