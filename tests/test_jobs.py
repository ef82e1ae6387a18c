"""Job polling on an injected clock: policy, failures, timeouts, resuming by reference."""

from __future__ import annotations

from typing import Any

import pytest
from fakevendor import FakeEmulator

import voicekit_core as vk
from voicekit_core.testing.media import tone_wav


def test_clone_job_follows_the_poll_policy(emulator: FakeEmulator, provider: Any) -> None:
    start = emulator.clock.now()
    job = provider.clone_voice(tone_wav(1.0), name="me")
    updates: list[tuple[str, str | None]] = []
    voice = job.wait(on_update=lambda j: updates.append((j.state.value, j.vendor_status)))
    assert voice == vk.Voice(id="c1", name="me", provider="fakevendor", kind="cloned")
    polls = [r.time - start for r in emulator.requests("GET", "/clones/*")]
    assert polls == [10, 15, 20, 25, 30]  # first after 10 s, then every 5 s
    assert updates[-1] == ("succeeded", "ready")
    assert job.done and job.result() == voice


def test_failed_job_raises_job_failed_with_vendor_message(emulator: FakeEmulator,
                                                          provider: Any) -> None:
    emulator.clone_fails = True
    job = provider.clone_voice(tone_wav(1.0), name="me")
    with pytest.raises(vk.JobFailed, match="two speakers") as info:
        job.wait()
    assert info.value.job_id == "c1" and info.value.vendor_status == "failed"


def test_wait_timeout_raises_job_timeout_with_a_resumable_ref(emulator: FakeEmulator,
                                                              provider: Any) -> None:
    job = provider.clone_voice(tone_wav(1.0), name="me")
    with pytest.raises(vk.JobTimeout) as info:
        job.wait(timeout=12)
    assert info.value.last_status == "processing"
    assert info.value.ref == "fakevendor:clone:c1"
    assert "voicekit jobs wait fakevendor:clone:c1" in str(info.value)


def test_job_resumes_from_its_ref_in_a_new_provider(emulator: FakeEmulator,
                                                    provider: Any) -> None:
    ref = str(provider.clone_voice(tone_wav(1.0), name="me").to_ref())
    provider.close()
    fresh = vk.connect("fakevendor", **emulator.connect_options())
    job = fresh.job(ref)
    assert job.state is vk.JobState.RUNNING
    assert job.wait().id == "c1"


def test_job_of_another_provider_is_refused(provider: Any) -> None:
    with pytest.raises(vk.InvalidInput):
        provider.job("gemelo:clone:1")


def test_unfinished_job_result_is_an_error(provider: Any) -> None:
    job = provider.clone_voice(tone_wav(1.0), name="me")
    with pytest.raises(vk.InvalidInput, match="not finished"):
        job.result()


@pytest.mark.parametrize("ref", ["", "a:b", "a::c", "a:b:c:d"])
def test_malformed_refs_are_invalid_input(ref: str) -> None:
    with pytest.raises(vk.InvalidInput):
        vk.JobRef.parse(ref)


def test_ref_round_trip_keeps_context_and_odd_ids() -> None:
    ref = vk.JobRef("voicedub", "dub", "a/b:c d", {"max_credits": "50", "stage": "upload"})
    assert vk.JobRef.parse(str(ref)) == ref


def test_poll_policy_backoff_is_capped() -> None:
    policy = vk.PollPolicy(interval=2, backoff=2, max_interval=10, first_delay=30)
    delays = policy.delays()
    assert [next(delays) for _ in range(5)] == [2, 4, 8, 10, 10]
    assert policy.initial == 30
    with pytest.raises(vk.InvalidInput):
        vk.PollPolicy(interval=0)
