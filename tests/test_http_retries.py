"""Retry rules of the core transport, counted on the emulator's request log."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fakevendor import FakeEmulator

import voicekit_core as vk
from voicekit_core.registry import get_registry


def test_get_is_retried_on_5xx_until_it_succeeds(emulator: FakeEmulator, provider: Any) -> None:
    emulator.faults.add("GET /balance", "error", error="server_error", count=2)
    assert provider.balance().credits == emulator.ledger.balance
    assert len(emulator.requests("GET", "/balance")) == 3


def test_get_gives_up_after_max_retries(emulator: FakeEmulator, voicekit_fast_retries: None
                                        ) -> None:
    provider = vk.connect("fakevendor", **emulator.connect_options(max_retries=2))
    emulator.faults.add("GET /balance", "error", error="server_error", count=10)
    with pytest.raises(vk.ServerError) as info:
        provider.balance()
    assert len(emulator.requests("GET", "/balance")) == 3
    assert info.value.status == 500 and info.value.code == "BOOM"
    assert not info.value.may_have_been_processed


def test_get_is_retried_after_a_connection_reset(emulator: FakeEmulator, provider: Any) -> None:
    emulator.faults.add("GET /voices", "reset", count=1)
    assert [v.id for v in provider.list_voices()] == ["v1", "v2"]
    assert len(emulator.requests("GET", "/voices")) == 2


def test_spending_post_is_not_retried_on_5xx(emulator: FakeEmulator, provider: Any) -> None:
    emulator.faults.add("POST /tts", "error", error="server_error", count=5)
    with pytest.raises(vk.ServerError) as info:
        provider.synthesize("hello", voice="v1")
    assert len(emulator.requests("POST", "/tts")) == 1
    assert info.value.may_have_been_processed
    assert "may have been processed" in str(info.value)


def test_spending_post_is_not_retried_after_a_reset(emulator: FakeEmulator, provider: Any
                                                    ) -> None:
    emulator.faults.add("POST /tts", "reset", count=5)
    with pytest.raises(vk.ConnectionFailed) as info:
        provider.synthesize("hello", voice="v1")
    assert len(emulator.requests("POST", "/tts")) == 1
    assert info.value.may_have_been_processed


def test_post_that_never_reached_the_server_is_retried(voicekit_fast_retries: None) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    retries: list[vk.Event] = []

    class Observer:
        @vk.hookimpl
        def voicekit_on_event(self, event: vk.Event) -> None:
            if event.kind == "retry":
                retries.append(event)

    observer = Observer()
    get_registry().register_plugin(observer, name="retry-observer")
    try:
        provider = vk.connect("fakevendor", base_url=f"http://127.0.0.1:{port}",
                              api_key="k", max_retries=3, clock=vk.ManualClock())
        with pytest.raises(vk.ConnectionFailed) as info:
            provider.synthesize("hello", voice="v1")
    finally:
        get_registry().pm.unregister(observer)
    assert len(retries) == 3
    assert not info.value.may_have_been_processed


def test_rate_limit_on_post_waits_for_retry_after(emulator: FakeEmulator, provider: Any) -> None:
    emulator.faults.add("POST /tts", "error", error="rate_limited", count=1)  # Retry-After: 7
    start = emulator.clock.now()
    audio = provider.synthesize("hello", voice="v1")
    assert audio.duration and audio.duration > 0
    posts = emulator.requests("POST", "/tts")
    assert len(posts) == 2
    assert posts[1].time - posts[0].time == pytest.approx(7)
    assert emulator.clock.now() - start == pytest.approx(7)


@pytest.mark.parametrize("reset", ["12", "epoch"])
def test_rate_limit_waits_for_x_ratelimit_reset(emulator: FakeEmulator, provider: Any,
                                                reset: str) -> None:
    value = str(int(time.time()) + 12) if reset == "epoch" else reset
    emulator.faults.add("GET /balance", "status", status=429, count=1,
                        body=b'{"code": "SLOW", "message": "slow down"}',
                        headers={"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0",
                                 "X-RateLimit-Reset": value})
    provider.balance()
    gets = emulator.requests("GET", "/balance")
    assert len(gets) == 2
    assert gets[1].time - gets[0].time == pytest.approx(12, abs=1.5)


def test_rate_limit_wait_is_capped(emulator: FakeEmulator, voicekit_fast_retries: None) -> None:
    provider = vk.connect("fakevendor", **emulator.connect_options(rate_limit_cap=5))
    emulator.faults.add("GET /balance", "status", status=429, count=1, body=b"{}",
                        headers={"Retry-After": "3600"})
    provider.balance()
    gets = emulator.requests("GET", "/balance")
    assert gets[1].time - gets[0].time == pytest.approx(5)


def test_persistent_rate_limit_raises_rate_limited_with_details(
    emulator: FakeEmulator, voicekit_fast_retries: None
) -> None:
    provider = vk.connect("fakevendor", **emulator.connect_options(max_retries=1))
    emulator.faults.add("GET /balance", "status", status=429, count=5, body=b"{}",
                        headers={"Retry-After": "2", "X-RateLimit-Limit": "100",
                                 "X-RateLimit-Remaining": "0"})
    with pytest.raises(vk.RateLimited) as info:
        provider.balance()
    assert info.value.retry_after == pytest.approx(2)
    assert info.value.limit == 100 and info.value.remaining == 0


def test_insufficient_credits_on_429_is_never_retried(emulator: FakeEmulator, provider: Any
                                                      ) -> None:
    emulator.faults.add("POST /tts", "status", status=429, count=5,
                        body=b'{"code": "NO_CREDITS", "message": "no credits", "have": 3, '
                             b'"need": 10}', headers={"Retry-After": "1"})
    with pytest.raises(vk.InsufficientCredits) as info:
        provider.synthesize("hello", voice="v1")
    assert (info.value.have, info.value.need) == (3, 10)
    assert len(emulator.requests("POST", "/tts")) == 1


def test_malformed_body_is_bad_response(emulator: FakeEmulator, provider: Any) -> None:
    emulator.faults.add("GET /balance", "malformed", count=1)
    with pytest.raises(vk.BadResponse):
        provider.balance()


def test_read_timeout_is_retried_for_gets(emulator: FakeEmulator, voicekit_fast_retries: None
                                          ) -> None:
    provider = vk.connect("fakevendor", **emulator.connect_options(timeout=(2, 0.2)))
    emulator.faults.add("GET /balance", "delay", delay=1.0, count=1)
    assert provider.balance().credits > 0
    assert len(emulator.requests("GET", "/balance")) == 2


def test_read_timeout_on_post_is_timeout_not_retried(emulator: FakeEmulator,
                                                     voicekit_fast_retries: None) -> None:
    provider = vk.connect("fakevendor", **emulator.connect_options(timeout=(2, 0.2)))
    emulator.faults.add("POST /tts", "delay", delay=1.0, count=1)
    with pytest.raises(vk.Timeout) as info:
        provider.synthesize("hello", voice="v1")
    assert info.value.may_have_been_processed
    assert len(emulator.requests("POST", "/tts")) == 1


def test_error_text_reads_every_common_shape() -> None:
    from voicekit_core.errormap import error_text

    assert error_text(" plain ") == "plain"
    assert error_text([{"loc": ["body", "pitch"], "msg": "not an integer"}, "also this"]) == \
        "body.pitch: not an integer; also this"
    assert error_text({"error": {"message": "nested"}}) == "nested"
    assert error_text({"detail": [{"message": "no loc"}]}) == "no loc"
    assert error_text(42) is None and error_text([]) is None


def test_validation_error_lists_become_the_message(emulator: FakeEmulator) -> None:
    import requests

    from voicekit_core.errormap import default_error_details
    from voicekit_core.http import HttpResponse

    emulator.faults.add("GET /balance", "status", status=422, count=1,
                        body=b'{"detail": [{"loc": ["query", "x"], "msg": "bad x"}]}')
    raw = requests.get(emulator.url + "/balance", timeout=5,
                       headers={"X-Api-Key": emulator.credentials["api_key"]})
    details = default_error_details(HttpResponse(raw, url="u", provider="p"))
    assert details.message == "query.x: bad x"
