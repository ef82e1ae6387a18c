"""AI Twins: create (polling policy, progress, failure, resume), list, delete, script."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import voicekit_core as vk
from voicekit_core import kit

from voicekit_captions.emulator import CaptionsEmulator
from voicekit_captions.provider import CaptionsProvider
from voicekit_captions.schema import Status

VIDEO = "https://media.example.com/calibration/sam.mp4"
IMAGES = ["https://media.example.com/calibration/front.png",
          "https://media.example.com/calibration/left.jpg"]


def _create(captions: CaptionsProvider, name: str = "alex", **kw: Any) -> vk.Job[vk.Twin]:
    return captions.create_twin(name=name, video_url=VIDEO, calibration_image_urls=IMAGES,
                                **kw)


def test_create_twin_waits_and_returns_the_listed_twin(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    job = _create(captions)
    assert job.kind == "twin" and job.state is vk.JobState.PENDING
    seen: list[tuple[str | None, float | None]] = []
    twin = job.wait(timeout=600, on_update=lambda j: seen.append((j.vendor_status,
                                                                 j.progress)))
    assert twin == vk.Twin(id="twin-2-alex", name="alex")
    assert seen[-1] == ("COMPLETE", 1.0)
    progress = [p for _, p in seen]
    assert all(p is not None and 0 <= p <= 1 for p in progress)
    assert progress == sorted(progress) and 0 < progress[0] < 1
    assert {s for s, _ in seen[:-1]} == {"PROCESSING"}
    assert [t.id for t in captions.list_twins()] == ["twin-1-sam", "twin-2-alex"]


def test_create_twin_sends_the_documented_body(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    job = _create(captions, name="  alex ")
    [create] = emulator.requests("POST", "/api/twin/create")
    assert create.header("x-api-key") == emulator.credentials["api_key"]
    assert create.header("content-type") == "application/json"
    assert emulator.operations[job.id].body == {
        "name": "alex", "videoUrl": VIDEO, "calibrationImageUrls": IMAGES}
    assert not emulator.requests("POST", "/api/twin/supported-languages")


def test_language_is_checked_and_sent_in_the_vendors_spelling(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    job = _create(captions, language="spanish")
    assert emulator.operations[job.id].body["language"] == "Spanish"
    _create(captions, language="French")
    assert len(emulator.requests("POST", "/api/twin/supported-languages")) == 1  # cached
    with pytest.raises(vk.InvalidInput, match="Klingon") as info:
        _create(captions, language="Klingon")
    assert info.value.field == "language"
    assert len(emulator.requests("POST", "/api/twin/create")) == 2


def test_first_poll_after_30_seconds_then_every_5(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    _create(captions).wait(timeout=600)
    [create] = emulator.requests("POST", "/api/twin/create")
    times = [r.time - create.time for r in emulator.requests("POST", "/api/twin/status")]
    assert times[0] >= 30
    # every 5 s, at most 5 polls a minute (the documented limit): the sixth waits
    assert times == [30.0, 35.0, 40.0, 45.0, 50.0, 90.0]


def test_a_twin_that_fails_raises_job_failed_with_the_vendors_detail(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    emulator.failing_twins["blurry"] = "Calibration video is too blurry to use"
    job = _create(captions, name="blurry")
    with pytest.raises(vk.JobFailed, match="too blurry") as info:
        job.wait(timeout=600)
    assert info.value.vendor_status == "FAILED" and info.value.job_id == job.id
    assert job.state is vk.JobState.FAILED
    assert "twin-2-blurry" not in [t.id for t in captions.list_twins()]


def test_a_job_resumes_from_its_ref_in_another_provider(
    emulator: CaptionsEmulator, captions: CaptionsProvider,
    connect: Callable[..., CaptionsProvider],
) -> None:
    _create(captions, name="other")  # a second twin that completes first
    emulator.clock.advance(20)
    ref = str(_create(captions, name="kim").to_ref())
    assert ref.startswith("captions:twin:") and "name=kim" in ref
    later = connect(emulator)
    job = later.job(ref)
    assert job.state is vk.JobState.RUNNING and job.vendor_status == "PROCESSING"
    twin = job.wait(timeout=600)
    assert twin == vk.Twin(id="twin-3-kim", name="kim")


def test_unknown_states_count_as_running(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    job = _create(captions)
    emulator.faults.add("POST /api/twin/status", "status", status=200,
                        body=json.dumps({"state": "VALIDATING", "progress": 12}).encode())
    job.refresh()
    assert (job.state, job.vendor_status, job.progress) == (vk.JobState.RUNNING,
                                                            "VALIDATING", 0.12)
    assert job.wait(timeout=600).name == "alex"


def test_twins_appear_in_the_list_only_once_complete(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    _create(captions, name="lee")
    emulator.clock.advance(59)
    assert [t.id for t in captions.list_twins()] == ["twin-1-sam"]
    assert "twin-2-lee" not in [c.name for c in captions.list_creators()]
    emulator.clock.advance(1)
    assert [t.name for t in captions.list_twins()] == ["sam", "lee"]
    creators = {c.name: c for c in captions.list_creators()}
    assert creators["twin-2-lee"].is_twin and not creators["Kate"].is_twin


def test_delete_twin(emulator: CaptionsEmulator, captions: CaptionsProvider) -> None:
    [sam] = captions.list_twins()
    captions.delete_twin(sam)
    assert captions.list_twins() == []
    assert len(emulator.requests("POST", "/api/twin/delete")) == 1
    with pytest.raises(vk.NotFound, match="twin-1-sam"):
        captions.delete_twin("twin-1-sam")


@pytest.mark.parametrize("name", ["sam", "twin-sam", "twin--sam", "twin-1-", "", "TWIN-1-sam"])
def test_delete_twin_refuses_names_not_as_listed(
    emulator: CaptionsEmulator, captions: CaptionsProvider, name: str
) -> None:
    with pytest.raises(vk.InvalidInput, match="twin-<id>-<name>"):
        captions.delete_twin(name)
    assert not emulator.requests("POST", "/api/twin/delete")


def test_twin_script(emulator: CaptionsEmulator, captions: CaptionsProvider) -> None:
    english = captions.twin_script()
    assert "AI Twin" in english
    assert captions.twin_script("Spanish").startswith("¡Hola!")
    bodies = [r for r in emulator.requests("POST", "/api/twin/script")]
    assert len(bodies) == 2
    emulator.faults.add("POST /api/twin/script", "status", status=200,
                        body=b'{"calibrationScript": "Read me."}')
    assert captions.twin_script() == "Read me."
    with pytest.raises(vk.InvalidInput, match="not supported"):
        captions.twin_script("Elvish")
    assert len(emulator.requests("POST", "/api/twin/script")) == 3


def test_supported_languages_are_cached_per_provider(
    emulator: CaptionsEmulator, captions: CaptionsProvider,
    connect: Callable[..., CaptionsProvider],
) -> None:
    assert "English" in captions.supported_languages()
    assert captions.supported_languages() is captions.supported_languages()
    assert len(emulator.requests("POST", "/api/twin/supported-languages")) == 1
    connect(emulator).supported_languages()
    assert len(emulator.requests("POST", "/api/twin/supported-languages")) == 2


@pytest.mark.parametrize(("args", "field"), [
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"video_url": "ftp://media.example.com/v.mp4"}, "video_url"),
    ({"video_url": "/home/me/v.mp4"}, "video_url"),
    ({"video_url": "https://media.example.com/v.avi"}, "video_url"),
    ({"video_url": "https://media.example.com/v.mp4.txt?x=.mp4"}, "video_url"),
    ({"calibration_image_urls": []}, "calibration_image_urls"),
    ({"calibration_image_urls": ["https://media.example.com/a.gif"]},
     "calibration_image_urls[0]"),
    ({"calibration_image_urls": [IMAGES[0], "file:///tmp/b.png"]},
     "calibration_image_urls[1]"),
    ({"language": ""}, "language"),
])
def test_invalid_input_is_refused_before_any_request(
    emulator: CaptionsEmulator, captions: CaptionsProvider, args: dict[str, Any], field: str
) -> None:
    kwargs: dict[str, Any] = {"name": "x", "video_url": VIDEO,
                              "calibration_image_urls": IMAGES, **args}
    with pytest.raises(vk.InvalidInput) as info:
        captions.create_twin(**kwargs)
    assert info.value.field == field and info.value.limit
    assert emulator.log == []


def test_uppercase_extensions_and_queries_are_fine(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    job = captions.create_twin(name="q", video_url="https://m.example.com/V.MOV?sig=1",
                               calibration_image_urls=["https://m.example.com/A.JPG?t=2"])
    assert job.id in emulator.operations


@pytest.mark.parametrize(("value", "fraction"), [
    (0, 0.0), (40, 0.4), (100, 1.0), (1, 0.01), (0.25, 0.25), (55.5, 0.555), ("30%", 0.3),
    ("40", 0.4), (150, 1.0), (-3, None), (None, None), ("soon", None), (True, None),
    (10**400, 1.0),
])
def test_progress_is_read_as_a_percentage(value: object, fraction: float | None) -> None:
    assert Status(progress=value).fraction == fraction
    assert kit.progress_fraction(value, percent=True) == fraction
    assert Status(progress=1).fraction_after(0.9) == 1.0  # 0..1 after all, not 1 % again
