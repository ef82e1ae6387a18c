"""GenerateVideo's shared rules, per-key request pacing, and the VendorStatus model."""

from __future__ import annotations

from typing import Any

import pytest

import voicekit_core as vk
from voicekit_core import kit
from voicekit_core.capabilities import check_video_request
from voicekit_core.clock import ManualClock
from voicekit_core.pacing import Pace


@pytest.mark.parametrize(("script", "audio", "consent", "field"), [
    ("Hi.", "https://x.example/a.mp3", True, "script"),
    (None, None, True, "audio"),
    ("Hi.", None, False, "consent"),
    ("Hi.", None, None, "consent"),
    ("Hi.", None, "true", "consent"),
    ("Hi.", None, 1, "consent"),
])
def test_video_requests_need_one_input_and_consent(script: Any, audio: Any, consent: Any,
                                                   field: str) -> None:
    with pytest.raises(vk.InvalidInput) as info:
        check_video_request(script=script, audio=audio, consent=consent, provider="p")
    assert info.value.field == field


def test_a_valid_video_request_passes() -> None:
    check_video_request(script=None, audio=12, consent=True)
    assert "GenerateVideo" in [c.__name__ for c in vk.CAPABILITIES]


def test_pace_allows_limit_requests_in_any_window_per_key() -> None:
    clock = ManualClock()
    pace = Pace(5, 60.0)
    start = clock.now()
    waits = [pace.take("key-a", clock) for _ in range(5)]
    assert waits == [0.0] * 5 and clock.now() == start
    assert pace.take("key-b", clock) == 0.0  # another key has its own window
    assert pace.take("key-a", clock) == 60.0 and clock.now() == start + 60
    clock.advance(30)
    times = []
    for _ in range(10):
        pace.take("key-a", clock)
        times.append(clock.now())
    assert all(later - first >= 60 for first, later in zip(times, times[5:], strict=False))
    other = ManualClock()
    assert pace.take("key-a", other) == 0.0  # windows are kept per clock


def test_pace_refuses_nonsense_rules() -> None:
    with pytest.raises(ValueError, match="limit"):
        Pace(0, 60)


@pytest.mark.parametrize(("body", "word", "fraction", "failure"), [
    ({"state": "DONE", "progress": 100}, "DONE", 1.0, None),
    ({"status": "running", "progress": 0.4}, "running", 0.4, None),
    ({"status": 3, "progress": "40"}, "3", 0.4, None),
    ({"state": True, "progress": 10**400}, None, 1.0, None),
    ({"state": "failed", "error": {"message": "no face"}}, "failed", None, "no face"),
    ({"message": "slow", "progress": -1}, None, None, "slow"),
])
def test_vendor_status_reads_any_json(body: dict[str, Any], word: str | None,
                                      fraction: float | None, failure: str | None) -> None:
    status = kit.structure(kit.vendor_converter(), body, kit.VendorStatus, what="status",
                           provider="p")
    assert (status.word, status.fraction, status.failure) == (word, fraction, failure)
