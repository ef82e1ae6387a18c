"""The voicekit_on_event observer hook."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fakevendor import FakeEmulator

import voicekit_core as vk
from voicekit_core.registry import get_registry
from voicekit_core.testing.media import tone_wav


class Recorder:
    def __init__(self) -> None:
        self.events: list[vk.Event] = []

    @vk.hookimpl
    def voicekit_on_event(self, event: vk.Event) -> None:
        self.events.append(event)


class Crasher:
    @vk.hookimpl
    def voicekit_on_event(self, event: vk.Event) -> None:
        raise RuntimeError("observer bug")


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder, crasher = Recorder(), Crasher()
    get_registry().register_plugin(recorder, name="recorder")
    get_registry().register_plugin(crasher, name="crasher")
    yield recorder
    get_registry().pm.unregister(recorder)
    get_registry().pm.unregister(crasher)


def test_observers_see_requests_retries_and_job_updates(
    emulator: FakeEmulator, provider: Any, recorder: Recorder
) -> None:
    emulator.faults.add("GET /balance", "error", error="server_error", count=1)
    provider.balance()
    provider.clone_voice(tone_wav(0.5), name="x").wait()
    kinds = [e.kind for e in recorder.events]
    assert {"request", "response", "retry", "job_update"} <= set(kinds)
    retry = next(e for e in recorder.events if e.kind == "retry")
    assert retry.data["error"] == "ServerError" and retry.provider == "fakevendor"
    final = [e for e in recorder.events if e.kind == "job_update"][-1]
    assert final.data["state"] == "succeeded"
    secret = emulator.credentials["api_key"]
    assert all(secret not in repr(e) for e in recorder.events)
