"""Configuration, balance, exact credit accounting, rate limits and error mapping."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import requests
import voicekit_core as vk
from voicekit_core.registry import get_registry
from voicekit_core.testing.media import tone_wav

from voicekit_beautyface.emulator import BeautyfaceEmulator
from voicekit_beautyface.provider import BeautyfaceProvider


class _Spending:
    """Records the credits_spent events."""

    def __init__(self) -> None:
        self.events: list[vk.Event] = []

    @vk.hookimpl
    def voicekit_on_event(self, event: vk.Event) -> None:
        if event.kind == "credits_spent":
            self.events.append(event)


# -- configuration -----------------------------------------------------------------------


def test_the_base_url_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BEAUTYFACE_BASE_URL", raising=False)
    with pytest.raises(vk.ConfigurationError) as info:
        vk.connect("beautyface", api_key="bf-some-key")
    assert "BEAUTYFACE_BASE_URL" in str(info.value) and "base_url" in str(info.value)
    assert "bf-some-key" not in str(info.value)
    assert get_registry().info("beautyface").default_base_url is None


def test_base_url_and_key_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                               bf_emulator: BeautyfaceEmulator,
                                               tmp_path: Path) -> None:
    monkeypatch.setenv("VOICEKIT_KEY_FILE", str(tmp_path / "keys.json"))
    monkeypatch.setenv("BEAUTYFACE_BASE_URL", bf_emulator.url)
    monkeypatch.delenv("BEAUTYFACE_API_KEY", raising=False)
    with pytest.raises(vk.MissingCredentials):
        vk.connect("beautyface")
    monkeypatch.setenv("BEAUTYFACE_API_KEY", bf_emulator.credentials["api_key"])
    with vk.connect("beautyface", clock=bf_emulator.clock) as bf:
        assert bf.base_url == bf_emulator.url
        assert isinstance(bf, BeautyfaceProvider)
        assert bf.balance().credits == 100_000


def test_plain_http_to_a_remote_host_is_refused() -> None:
    with pytest.raises(vk.ConfigurationError, match="plain http"):
        vk.connect("beautyface", base_url="http://voices.example.com/api/v1", api_key="k")
    bf = vk.connect("beautyface", base_url="https://voices.example.com/api/v1/", api_key="k")
    assert bf.base_url == "https://voices.example.com/api/v1"


# -- balance and credits -----------------------------------------------------------------


def test_balance_with_breakdown(bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator
                                ) -> None:
    balance = bf.balance()
    assert balance.credits == 100_000 and balance.unit == "credits"
    assert dict(balance.breakdown) == {"regular": 98_000, "permanent": 2_000}
    assert balance.resets_at is not None and balance.resets_at.day == 1
    assert balance.resets_at > dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
    assert balance.raw["breakdown"]["resetAt"].endswith("Z")


def test_credit_accounting_after_a_mixed_run(bf: BeautyfaceProvider,
                                             bf_emulator: BeautyfaceEmulator) -> None:
    spending = _Spending()
    get_registry().register_plugin(spending, name="beautyface-spending")
    try:
        voice = next(bf.list_voices())
        estimates: list[float] = []

        def spend(operation: str, **args: Any) -> None:
            cost = bf.estimate(operation, **args)
            assert cost is not None and cost.exact
            estimates.append(cost.credits)

        texts = ["Hello, world.", "\u4f60\u597d\uff0c\u4e16\u754c\u3002", "Grüße 👋", "x" * 4000]
        jobs = []
        for text in texts:
            spend("synthesize", text=text)
            jobs.append(bf.submit_speech(text, voice=voice, format="mp3"))
        spend("clone_voice")
        clone = bf.clone_voice(tone_wav(1.0, sample_rate=8000), name="Accounting")
        spend("synthesize", text="One more.")
        bf.synthesize("One more.", voice=voice)
        # refused or failed calls spend nothing
        with pytest.raises(vk.CreditLimitExceeded):
            bf.synthesize("Too dear.", voice=voice, max_credits=3)
        with pytest.raises(vk.NotFound):
            bf.synthesize("Nobody.", voice="clnobody")
        with pytest.raises(vk.InvalidInput):
            bf.synthesize("語" * 2000, voice=voice)
        for job in jobs:
            job.wait()
        clone.wait()
        assert bf_emulator.ledger.spent == sum(estimates)
        assert sum(estimates) == 13 + 18 + 12 + 4000 + 1000 + 9
        assert bf.balance().credits == 100_000 - sum(estimates)
        assert sum(e.data["credits"] for e in spending.events) == sum(estimates)
    finally:
        get_registry().pm.unregister(spending)


# -- rate limits -------------------------------------------------------------------------


def test_a_burst_waits_for_the_window_to_reset(voicekit_emulator: Any, voicekit_connect: Any,
                                               voicekit_fast_retries: None) -> None:
    emulator: BeautyfaceEmulator = voicekit_emulator(BeautyfaceEmulator, rate_limit=5,
                                                     rate_window=60)
    bf = voicekit_connect(emulator)
    voice = next(bf.list_voices())  # request 1 of the first window
    start = emulator.clock.now()
    jobs = [bf.submit_speech(f"Burst {i}.", voice=voice) for i in range(12)]
    audios = [job.wait() for job in jobs]
    assert len(audios) == 12 and len(emulator.speeches) == 12  # each POST accepted once
    assert emulator.ledger.spent == sum(len(f"Burst {i}.") for i in range(12))
    throttled = emulator.throttled
    assert len(throttled) >= 2
    log = emulator.log
    for rejection in throttled:
        later = [r for r in log if r.time > rejection.time]
        assert later, "the rejected request was never retried"
        # nothing was sent before the window reset (on the emulator clock)
        assert all(r.time >= rejection.reset_time - 1e-6 for r in later)
        assert later[0].time == pytest.approx(rejection.reset_time, abs=1e-3)
        assert later[0].method == rejection.method
        assert later[0].path == rejection.path  # the retry of the same request
    # never more than 5 accepted requests in one window
    for rejection in throttled:
        opened = rejection.reset_time - 60
        sent = [r for r in log if r.time >= start and opened <= r.time < rejection.reset_time]
        refused = [t for t in throttled if opened <= t.time < rejection.reset_time]
        assert len(sent) - len(refused) <= 5


def test_rate_limit_headers_are_on_every_response(bf_emulator: BeautyfaceEmulator) -> None:
    key = bf_emulator.credentials["api_key"]
    auth = {"Authorization": f"Bearer {key}"}
    answers = [
        requests.get(f"{bf_emulator.url}/credits", headers=auth, timeout=10),
        requests.get(f"{bf_emulator.url}/credits", timeout=10),  # 401
        requests.get(f"{bf_emulator.url}/tts/nope", headers=auth, timeout=10),  # 404
        requests.post(f"{bf_emulator.url}/tts", json={}, headers=auth, timeout=10),  # 400
    ]
    assert [a.status_code for a in answers] == [200, 401, 404, 400]
    assert answers[1].json() == {"code": "UNAUTHORIZED", "error": "Authentication required"}
    wall = bf_emulator.clock.wall()
    for answer in answers:
        assert answer.headers["X-RateLimit-Limit"] == "120"
        reset = int(answer.headers["X-RateLimit-Reset"])  # a Unix time, whole seconds
        assert wall < reset <= wall + 60
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["119", "119", "118",
                                                                     "117"]


def test_persistent_rate_limit_raises_rate_limited(bf: BeautyfaceProvider,
                                                   bf_emulator: BeautyfaceEmulator) -> None:
    bf_emulator.faults.add("GET /api/v1/credits", "error", error="rate_limited", count=10)
    with pytest.raises(vk.RateLimited) as info:
        bf.balance()
    assert info.value.code == "RATE_LIMITED" and info.value.remaining == 0
    assert info.value.limit == 120
    assert len(bf_emulator.requests("GET", "/api/v1/credits")) == 5  # 1 + max_retries


# -- error mapping -----------------------------------------------------------------------


def test_wrong_key_is_an_authentication_error(bf_emulator: BeautyfaceEmulator,
                                              voicekit_fast_retries: None) -> None:
    bf = vk.connect("beautyface", **bf_emulator.connect_options(api_key="bf-wrong"))
    assert isinstance(bf, BeautyfaceProvider)
    with pytest.raises(vk.AuthenticationError) as info:
        bf.balance()
    assert info.value.code == "UNAUTHORIZED" and "Invalid API key" in str(info.value)
    assert len(bf_emulator.log) == 1


def test_a_429_stating_credits_is_insufficient_credits_even_without_a_code(
    bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator
) -> None:
    body = {"error": "Insufficient credits", "credits": 3, "needCredits": 9}
    bf_emulator.faults.add("POST /api/v1/tts", "status", status=429,
                           body=json.dumps(body).encode())
    with pytest.raises(vk.InsufficientCredits) as info:
        bf.submit_speech("Need nine", voice="clvoice")
    assert (info.value.have, info.value.need) == (3, 9)
    assert len(bf_emulator.requests("POST", "/api/v1/tts")) == 1


def test_invalid_parameters_from_the_vendor(bf: BeautyfaceProvider,
                                            bf_emulator: BeautyfaceEmulator) -> None:
    bf_emulator.faults.add("GET /api/v1/voices", "error", error="invalid")
    with pytest.raises(vk.InvalidRequest) as info:
        list(bf.list_voices())
    assert info.value.code == "INVALID_PARAMETERS" and info.value.status == 400
