"""Wall time on clocks: Unix-time rate-limit resets are read against the provider's clock."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fakevendor import FakeEmulator

from voicekit_core.clock import SYSTEM_CLOCK, ManualClock, wall_time
from voicekit_core.retry import RateLimitInfo


def test_manual_clock_wall_follows_the_clock() -> None:
    clock = ManualClock(start=100.0, wall_start=1_700_000_000.0)
    assert wall_time(clock) == 1_700_000_000.0
    clock.advance(42.5)
    assert wall_time(clock) == pytest.approx(1_700_000_042.5)


def test_wall_time_defaults_to_the_real_time() -> None:
    before = time.time()
    assert before <= wall_time(SYSTEM_CLOCK) <= time.time()
    assert before <= wall_time(object()) <= time.time()  # type: ignore[arg-type]
    assert abs(ManualClock().wall() - time.time()) < 5


def test_rate_limit_info_measures_unix_resets_from_now() -> None:
    info = RateLimitInfo.from_headers({"X-RateLimit-Reset": "1700000030"}, now=1_700_000_000.0)
    assert info.reset_after == pytest.approx(30)


def test_unix_reset_is_waited_on_the_provider_clock(emulator: FakeEmulator, provider: Any
                                                   ) -> None:
    """After the clock has moved far from the real time, a reset stated as a Unix time on
    the emulator's (shared) clock is still waited exactly."""
    emulator.clock.advance(5000)
    reset = int(emulator.clock.wall()) + 20
    emulator.faults.add("GET /balance", "status", status=429, count=1, body=b"{}",
                        headers={"X-RateLimit-Reset": str(reset)})
    wall_before = emulator.clock.wall()
    provider.balance()
    first, second = emulator.requests("GET", "/balance")
    assert second.time - first.time == pytest.approx(reset - wall_before, abs=1e-3)
    assert emulator.clock.wall() == pytest.approx(reset, abs=1e-3)


@pytest.mark.parametrize("value", ["1e400", "inf", "-inf", "nan", "9" * 400, "junk"])
def test_rate_limit_counts_that_are_not_numbers_are_ignored(value: str) -> None:
    info = RateLimitInfo.from_headers({"X-RateLimit-Limit": value,
                                       "X-RateLimit-Remaining": value})
    assert info.limit is None and info.remaining is None
