"""Time to a job's result over the job's own time T (T = 0.2, 1 and 3 s), and the polls it took.

Beautyface speech is asynchronous: POST /tts, then GET /tts/{id} until COMPLETED. The
emulator and the provider share one emulator clock, so the figures are exact and
repeatable: ``time_ratio_T`` is (time from submit to result) / T, on that clock, and
``polls_T`` the status requests made. The goal (issue 14) is a time of at most 1.25 T + 0.3 s
while never polling faster than the first quarter second.
"""

from __future__ import annotations

import stamina
from voicekit_beautyface.emulator import BeautyfaceEmulator

import voicekit_core as vk

JOB_SECONDS = (0.2, 1.0, 3.0)
GOAL_RATIO = 1.25
GOAL_SLACK_S = 0.3


def collect(seconds: float) -> tuple[float, int]:
    """(emulator-clock seconds from submit to audio, status polls) for a speech of ``seconds``."""
    with BeautyfaceEmulator(tts_seconds=seconds) as emu:
        provider = vk.connect("beautyface", **emu.connect_options())
        voice = next(provider.list_voices())
        start = emu.clock.now()
        provider.synthesize("A short sentence to speak.", voice=voice)
        elapsed = emu.clock.now() - start
        polls = len(emu.requests("GET", "/api/v1/tts/*"))
        provider.close()
    return elapsed, polls


def run() -> dict[str, object]:
    """All figures (a second or two: no real waiting)."""
    stamina.set_testing(True)
    figures: dict[str, object] = {}
    for seconds in JOB_SECONDS:
        elapsed, polls = collect(seconds)
        figures[f"time_ratio_{seconds:g}s"] = round(elapsed / seconds, 3)
        figures[f"polls_{seconds:g}s"] = polls
        figures[f"within_goal_{seconds:g}s"] = elapsed <= GOAL_RATIO * seconds + GOAL_SLACK_S
    return figures


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
