"""Answers a faithful Captions implementation may give that differ from this emulator's
defaults: the documentation leaves their exact shape open, and the client must take them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import voicekit_core as vk

from voicekit_captions.emulator import CaptionsEmulator
from voicekit_captions.provider import CaptionsProvider

VIDEO = "https://media.example.com/calibration/sam.mp4"
IMAGES = ["https://media.example.com/calibration/front.png"]


def _answer(emulator: CaptionsEmulator, path: str, body: Any, *, status: int = 200,
            count: int = 1) -> None:
    """The next ``count`` answers of ``path`` are ``body`` (JSON unless bytes)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    emulator.faults.add("POST /api" + path, "status", status=status, body=raw, count=count)


def _create(captions: CaptionsProvider, name: str = "alex", **kw: Any) -> vk.Job[vk.Twin]:
    return captions.create_twin(name=name, video_url=VIDEO, calibration_image_urls=IMAGES,
                                **kw)


# -- languages and script ------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    ["English", "Spanish"],
    {"languages": ["English", "Spanish"]},
    {"supportedLanguages": ["English", "Spanish"]},
    {"languages": [{"code": "en", "label": "English"}, {"code": "es", "label": "Spanish"}]},
    [{"name": "English", "code": "en"}, {"language": "Spanish"}],
    {"English": "en", "Spanish": "es"},
    {"languages": {"English": "en", "Spanish": "es"}},
])
def test_supported_languages_in_any_reasonable_shape(
    emulator: CaptionsEmulator, captions: CaptionsProvider, body: Any
) -> None:
    _answer(emulator, "/twin/supported-languages", body)
    assert captions.supported_languages() == ("English", "Spanish")
    job = _create(captions, language="spanish")
    assert emulator.operations[job.id].body["language"] == "Spanish"


def test_an_empty_language_list_leaves_the_check_to_the_vendor(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    _answer(emulator, "/twin/supported-languages", {"languages": []})
    assert "AI Twin" in captions.twin_script()  # the default, English, is not refused


def test_script_without_a_language_sends_no_language(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    captions.twin_script()
    captions.twin_script(None)
    scripts = [body for path, body in emulator.bodies if path == "/api/twin/script"]
    assert scripts == [{"language": "English"}, {}]


# -- twins ---------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    ["twin-1-sam", "twin-2-kim"],
    {"twins": ["twin-1-sam", "twin-2-kim"]},
    {"data": ["twin-1-sam", "twin-2-kim"]},
    {"twins": [{"name": "twin-1-sam", "id": 1}, {"twinName": "twin-2-kim"}]},
])
def test_list_twins_in_any_reasonable_shape(
    emulator: CaptionsEmulator, captions: CaptionsProvider, body: Any
) -> None:
    _answer(emulator, "/twin/list", body)
    assert [(t.id, t.name) for t in captions.list_twins()] == [("twin-1-sam", "sam"),
                                                              ("twin-2-kim", "kim")]


def test_no_twins_may_be_null(emulator: CaptionsEmulator, captions: CaptionsProvider) -> None:
    _answer(emulator, "/twin/list", {"twins": None})
    assert captions.list_twins() == []


def test_a_twin_listed_in_the_vendors_spelling_is_found(connect: Any) -> None:
    with CaptionsEmulator(slug_names=True) as emulator:
        captions = connect(emulator)
        twin = _create(captions, name="Mary Jane").wait(timeout=600)
        assert twin == vk.Twin(id="twin-2-mary-jane", name="mary-jane")
        assert twin.id in [t.id for t in captions.list_twins()]
        # and it is a usable creator name
        job = captions.generate_video(script="Hi.", consent=True, twin=twin)
        assert job.id in emulator.operations


@pytest.mark.parametrize(("status", "body"), [
    (200, b""), (200, b"{}"), (200, b"null"), (200, b'{"success": true}'), (200, b"OK"),
    (202, b'{"status": "deleting"}'), (204, b""),
])
def test_delete_takes_any_success_answer(
    emulator: CaptionsEmulator, captions: CaptionsProvider, status: int, body: bytes
) -> None:
    _answer(emulator, "/twin/delete", body, status=status)
    captions.delete_twin("twin-1-sam")
    assert len(emulator.requests("POST", "/api/twin/delete")) == 1


@pytest.mark.parametrize("state", ["COMPLETED", "complete", "SUCCEEDED"])
def test_spellings_of_done_end_the_twin_job(
    emulator: CaptionsEmulator, captions: CaptionsProvider, state: str
) -> None:
    job = _create(captions)
    emulator.clock.advance(60)
    _answer(emulator, "/twin/status", {"state": state, "progress": 100})
    assert job.refresh().state is vk.JobState.SUCCEEDED
    assert job.result() == vk.Twin(id="twin-2-alex", name="alex")


@pytest.mark.parametrize(("body", "message"), [
    ({"state": "FAILED", "error": "Face not visible"}, "Face not visible"),
    ({"state": "ERROR", "message": "Audio does not match the script"}, "does not match"),
    ({"state": "FAILED", "detail": {"msg": "Video is not vertical"}}, "not vertical"),
    ({"state": "FAILED"}, "failed"),
])
def test_a_failed_twin_reports_the_vendors_message(
    emulator: CaptionsEmulator, captions: CaptionsProvider, body: Any, message: str
) -> None:
    job = _create(captions)
    _answer(emulator, "/twin/status", body)
    with pytest.raises(vk.JobFailed, match=message):
        job.wait(timeout=600)


def test_progress_counted_from_0_to_1_is_read_as_a_fraction(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    job = _create(captions)
    seen: list[float | None] = []
    for progress in (0, 0.5, 1):
        _answer(emulator, "/twin/status", {"state": "PROCESSING", "progress": progress})
        seen.append(job.refresh().progress)
    assert seen == [0.0, 0.5, 1.0]


# -- operation ids -------------------------------------------------------------------------


def test_numeric_operation_ids_go_back_as_numbers(connect: Any, tmp_path: Path) -> None:
    with CaptionsEmulator(numeric_ids=True) as emulator:
        captions = connect(emulator)
        job = _create(captions)
        assert job.id == "1001"
        twin = job.wait(timeout=600)
        statuses = [body for path, body in emulator.bodies if path == "/api/twin/status"]
        assert statuses and all(body == {"operationId": 1001} for body in statuses)
        video = captions.generate_video(script="Hi.", consent=True, twin=twin)
        ref = str(video.to_ref())
        resumed = connect(emulator).job(ref)  # the number survives the ref
        assert resumed.wait(timeout=600).download(tmp_path / "v.mp4").stat().st_size > 0
        [poll, *_] = emulator.requests("POST", "/api/creator/poll")
        assert poll.header("x-operation-id") == "1002"


# -- AI Creator ----------------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    ["Kate", "Jason"],
    {"supportedCreators": ["Kate", "Jason"]},
    {"supportedCreators": ["Kate", "Jason"], "thumbnails": None},
    {"supportedCreators": [{"name": "Kate", "imageUrl": "https://cdn.example/k.jpg"},
                           {"name": "Jason"}], "thumbnails": {}},
    {"creators": [{"creatorName": "Kate", "imageUrl": "https://cdn.example/k.jpg"},
                  {"creatorName": "Jason"}]},
])
def test_list_creators_in_any_reasonable_shape(
    emulator: CaptionsEmulator, captions: CaptionsProvider, body: Any
) -> None:
    _answer(emulator, "/creator/list", body)
    creators = captions.list_creators()
    assert [c.name for c in creators] == ["Kate", "Jason"]
    assert creators[1].image_url is None


def test_a_completed_video_with_extra_and_stringly_fields(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    job = captions.generate_video(script="Hi.", consent=True, twin="Kate")
    _answer(emulator, "/creator/poll", {"state": "COMPLETED", "progress": "100",
                                        "url": "https://cdn.example/v.mp4", "duration": "3.5",
                                        "createdAt": "2026-01-01T00:00:00"})
    video = job.refresh().result()
    assert video.url == "https://cdn.example/v.mp4" and video.duration == 3.5


def test_every_documented_error_status_keeps_the_detail(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    cases: list[tuple[int, type[vk.VoicekitError]]] = [
        (401, vk.AuthenticationError), (402, vk.InsufficientCredits),
        (404, vk.NotFound), (422, vk.InvalidRequest)]
    for status, error in cases:
        _answer(emulator, "/creator/submit", {"detail": f"vendor says {status}"},
                status=status)
        with pytest.raises(error, match=f"vendor says {status}"):
            captions.generate_video(script="Hi.", consent=True, twin="Kate")
    _answer(emulator, "/twin/list", {"detail": "Too many requests"}, status=429, count=20)
    with pytest.raises(vk.RateLimited, match="Too many requests"):
        captions.list_twins()


def test_answers_of_the_wrong_shape_are_bad_responses(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    calls: dict[str, Callable[[], object]] = {
        "/twin/list": captions.list_twins, "/creator/list": captions.list_creators,
        "/twin/supported-languages": captions.supported_languages,
        "/twin/script": captions.twin_script}
    for path, call in calls.items():
        _answer(emulator, path, 42)
        with pytest.raises(vk.BadResponse):
            call()
