"""Metrics as events: time to first audio, audio duration, characters and credits."""

from __future__ import annotations

from typing import Any

from gated import GatedProvider

import voicekit_core as vk
from voicekit_core.longtext import synthesize_long
from voicekit_core.metrics import MetricsCollector, emit
from voicekit_core.models import Cost


class Priced(GatedProvider):
    def estimate(self, operation: str, **args: Any) -> Cost | None:
        return Cost(credits=2.0 * len(args["text"]))


def test_long_text_emits_one_synthesis_event_per_request() -> None:
    with MetricsCollector() as metrics:
        synthesize_long(Priced(), "One. Two. Three.", max_chars=6)
    events = metrics.of_kind("synthesis")
    assert [e.data["characters"] for e in events] == [4, 4, 6]
    assert all(e.data["audio_seconds"] == 0.1 and e.data["first_audio_seconds"] >= 0
               for e in events)
    summary = metrics.summary()
    assert summary["requests"] == 3 and summary["characters"] == 14
    assert summary["estimated_credits"] == 28.0
    assert abs(summary["audio_seconds"] - 0.3) < 1e-9


def test_a_stream_reports_its_time_to_first_audio() -> None:
    with MetricsCollector() as metrics:
        b"".join(vk.adapters.stream(GatedProvider()).stream_synthesize("One. Two."))
    [stream] = [e for e in metrics.of_kind("synthesis")
                if e.data["operation"] == "stream_synthesize"]
    assert stream.data["characters"] == 9 and stream.data["first_audio_seconds"] > 0
    assert abs(stream.data["audio_seconds"] - 0.2) < 1e-3


def test_fallback_switches_and_credits_spent_are_counted() -> None:
    first = GatedProvider(fail_on={"Hi.": vk.RateLimited("slow")})
    with MetricsCollector() as metrics:
        vk.adapters.fallback([first, GatedProvider()], voices={"gated": "g"}).synthesize("Hi.")
        emit(first, "credits_spent", credits=1.5, unit="credits")
    summary = metrics.summary()
    assert summary["fallback_switches"] == 1 and summary["credits_spent"] == 1.5


def test_a_detached_collector_sees_nothing_more() -> None:
    metrics = MetricsCollector().attach()
    metrics.detach()
    metrics.detach()  # idempotent
    synthesize_long(GatedProvider(), "One.")
    assert metrics.events == []
