"""AI Creator: creators, video renders (credits, polling, streamed download), estimates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import voicekit_core as vk

from voicekit_captions.emulator import CaptionsEmulator
from voicekit_captions.provider import CaptionsProvider

SCRIPT = "Hello! This is my AI twin talking about voicekit. " * 2  # 18 words


def test_list_creators(emulator: CaptionsEmulator, captions: CaptionsProvider) -> None:
    creators = captions.list_creators()
    names = [c.name for c in creators]
    assert names[:2] == ["Kate", "Jason"] and "twin-1-sam" in names
    kate = creators[0]
    assert kate.image_url and kate.image_url.endswith(".jpg")
    assert kate.video_url and kate.video_url.endswith(".mp4")


def test_generate_video_renders_and_downloads(
    emulator: CaptionsEmulator, captions: CaptionsProvider, tmp_path: Path
) -> None:
    twin = captions.list_twins()[0]
    job = captions.generate_video(script=SCRIPT, consent=True, twin=twin)
    assert job.kind == "video" and job.state is vk.JobState.PENDING
    seen: list[tuple[vk.JobState, str | None, float | None]] = []
    video = job.wait(timeout=600,
                     on_update=lambda j: seen.append((j.state, j.vendor_status, j.progress)))
    assert isinstance(video, vk.Video) and video.url.startswith(emulator.storage.url)
    assert seen[0] == (vk.JobState.PENDING, "QUEUED", 0.0)
    running = [p for state, status, p in seen if status == "PROCESSING"]
    assert running and all(state is vk.JobState.RUNNING for state, s, _ in seen[1:-1])
    assert running == sorted(running) and all(p is not None and 0 < p < 1 for p in running)
    assert seen[-1] == (vk.JobState.SUCCEEDED, "COMPLETE", 1.0)
    path = video.download(tmp_path / "hello.mp4")
    data = path.read_bytes()
    assert data[4:8] == b"ftyp" and len(data) == 96 * 1024
    assert not emulator.storage.violations
    [download] = emulator.storage.log
    assert not download.has_credentials
    op = emulator.operations[job.id]
    assert op.body == {"script": SCRIPT, "creatorName": "twin-1-sam", "resolution": "fhd"}
    assert emulator.ledger.spent == 8 == captions.estimate("generate_video",
                                                            script=SCRIPT).credits


def test_video_poll_timing_follows_the_video_policy(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    captions.generate_video(script="Hi.", consent=True, twin="Kate").wait(timeout=600)
    [submit] = emulator.requests("POST", "/api/creator/submit")
    times = [r.time - submit.time for r in emulator.requests("POST", "/api/creator/poll")]
    # every 5 s from 10 s, but at most 5 polls a minute: the sixth waits for the first + 60 s
    assert times == [10.0, 15.0, 20.0, 25.0, 30.0, 70.0]
    assert not emulator.throttled


def test_polls_of_all_jobs_share_the_5_a_minute_pace_of_the_key(
    emulator: CaptionsEmulator, captions: CaptionsProvider, connect: Any
) -> None:
    other = connect(emulator)  # another provider with the same key shares the pace
    jobs = [captions.generate_video(script="Hi.", consent=True, twin="Kate"),
            other.generate_video(script="Hello.", consent=True, twin="Jason"),
            captions.create_twin(name="pat", video_url="https://m.example.com/v.mp4",
                                 calibration_image_urls=["https://m.example.com/a.png"])]
    for job in jobs:
        job.wait(timeout=900)
    polls = sorted(r.time for r in emulator.log if r.path in ("/api/creator/poll",
                                                                "/api/twin/status"))
    assert len(polls) >= 6
    assert all(later - first >= 60.0 for first, later in zip(polls, polls[5:], strict=False))
    assert not emulator.throttled


def test_resolution_and_webhook_are_sent(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    job = captions.generate_video(script="Hi.", consent=True, twin="Jason", resolution="4K",
                                  webhook_id="wh_1")
    assert emulator.operations[job.id].body == {
        "script": "Hi.", "creatorName": "Jason", "resolution": "4k", "webhookId": "wh_1"}


def test_insufficient_credits_is_402_with_the_detail_and_not_retried(
    connect: Any, voicekit_fast_retries: None
) -> None:
    with CaptionsEmulator(credits=5) as emulator:
        captions = connect(emulator)
        with pytest.raises(vk.InsufficientCredits, match="needs 8 credits") as info:
            captions.generate_video(script=SCRIPT, consent=True, twin="Kate")
        assert info.value.status == 402
        assert len(emulator.requests("POST", "/api/creator/submit")) == 1
        assert emulator.ledger.spent == 0


def test_max_credits_refuses_before_any_request(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    with pytest.raises(vk.CreditLimitExceeded) as info:
        captions.generate_video(script=SCRIPT, consent=True, twin="Kate", max_credits=5)
    assert info.value.need == 8
    assert emulator.log == []
    captions.generate_video(script=SCRIPT, consent=True, twin="Kate", max_credits=8)


def test_estimates(captions: CaptionsProvider) -> None:
    assert captions.estimate("generate_video", script="one two three") == vk.Cost(
        credits=2, exact=False)
    assert captions.estimate("generate_video", script="word " * 159) == vk.Cost(
        credits=60, exact=False)
    assert captions.estimate("generate_video", script="w " * 400).credits == 60  # capped
    assert captions.estimate("create_twin") == vk.Cost(credits=0, exact=True)
    assert captions.estimate("synthesize", text="x") is None
    with pytest.raises(vk.InvalidInput):
        captions.estimate("generate_video", script="")


@pytest.mark.parametrize(("args", "field"), [
    ({"script": ""}, "script"),
    ({"script": " \n "}, "script"),
    ({"script": "x" * 801}, "script"),
    ({"twin": ""}, "twin"),
    ({"twin": None}, "twin"),
    ({"audio": "https://media.example.com/a.mp3"}, "script"),  # both script and audio
    ({"script": None, "audio": "https://media.example.com/a.mp3"}, "audio"),  # not supported
    ({"script": None}, "audio"),  # neither script nor audio
    ({"voice": "v1"}, "voice"),
    ({"consent": False}, "consent"),
    ({"consent": None}, "consent"),
    ({"consent": "yes"}, "consent"),
    ({"consent": "missing"}, None),  # no consent at all: a bad call shape
    ({"resolution": "8k"}, "resolution"),
    ({"resolution": "hd"}, "resolution"),
    ({"webhook_id": ""}, "webhook_id"),
])
def test_invalid_video_input_is_refused_before_any_request(
    emulator: CaptionsEmulator, captions: CaptionsProvider, args: dict[str, Any], field: str
) -> None:
    kwargs: dict[str, Any] = {"script": "Hi.", "twin": "Kate", "consent": True, **args}
    if kwargs["consent"] == "missing":
        del kwargs["consent"]
    with pytest.raises(vk.InvalidInput) as info:
        captions.generate_video(**kwargs)
    assert info.value.field == field or (field is None and "consent" in str(info.value))
    assert emulator.log == []


def test_script_of_800_characters_is_accepted(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    job = captions.generate_video(script="y" * 800, consent=True, twin="Kate")
    assert job.id in emulator.operations


def test_a_video_job_resumes_from_its_ref(
    emulator: CaptionsEmulator, captions: CaptionsProvider, connect: Any, tmp_path: Path
) -> None:
    ref = str(captions.generate_video(script="Hi.", consent=True, twin="Kate").to_ref())
    emulator.clock.advance(45)
    video = connect(emulator).job(ref).wait(timeout=1)
    assert video.download(tmp_path / "v.mp4").stat().st_size > 0


def test_instant_emulator_completes_at_the_first_poll(connect: Any) -> None:
    with CaptionsEmulator(instant=True) as emulator:
        captions = connect(emulator)
        twin_job = captions.create_twin(name="fast", video_url="https://m.example.com/v.mp4",
                                        calibration_image_urls=["https://m.example.com/a.png"])
        assert twin_job.refresh().state is vk.JobState.SUCCEEDED
        video_job = captions.generate_video(script="Hi.", consent=True, twin=twin_job.result())
        assert video_job.refresh().state is vk.JobState.SUCCEEDED


class _Observer:
    def __init__(self) -> None:
        self.events: list[vk.Event] = []

    @vk.hookimpl
    def voicekit_on_event(self, event: vk.Event) -> None:
        self.events.append(event)


def test_a_submitted_video_reports_its_estimated_spend(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    from voicekit_core.registry import get_registry

    observer = _Observer()
    get_registry().register_plugin(observer, name="captions-test-observer")
    try:
        captions.generate_video(script=SCRIPT, consent=True, twin="Kate")
    finally:
        get_registry().pm.unregister(observer)
    [spent] = [e for e in observer.events if e.kind == "credits_spent"]
    assert spent.provider == "captions"
    assert dict(spent.data) == {"credits": 8, "unit": "credits", "operation": "generate_video",
                                "estimated": True}


def test_a_video_that_fails_raises_job_failed_with_the_detail(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    job = captions.generate_video(script="Hi.", consent=True, twin="Kate")
    emulator.faults.add("POST /api/creator/poll", "status", status=200,
                        body=b'{"state": "FAILED", "progress": 30, "detail": "Render failed"}')
    with pytest.raises(vk.JobFailed, match="Render failed") as info:
        job.wait(timeout=600)
    assert info.value.vendor_status == "FAILED"


def test_a_render_the_emulator_fails_ends_the_job_with_its_detail(
    emulator: CaptionsEmulator, captions: CaptionsProvider, connect: Any
) -> None:
    emulator.fail_next("video", message="Creator unavailable")
    ref = str(captions.generate_video(script="Hi.", consent=True, twin="Kate").to_ref())
    with pytest.raises(vk.JobFailed, match="Creator unavailable") as info:
        connect(emulator).job(ref).wait(timeout=600)  # resumed in a fresh provider
    assert info.value.vendor_status == "FAILED"
    assert captions.generate_video(script="Hi.", consent=True, twin="Kate").wait(
        timeout=600).url  # only the next one failed


def test_complete_without_url_is_a_bad_response(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    job = captions.generate_video(script="Hi.", consent=True, twin="Kate")
    emulator.faults.add("POST /api/creator/poll", "status", status=200, count=5,
                        body=b'{"state": "COMPLETE", "progress": 100}')
    with pytest.raises(vk.BadResponse, match="no url"):
        job.refresh()
