"""GenerateVideo over Gemelo's v2 video API, against the emulator (ready-flag jobs on the
emulator clock): text, audio link and recording id; resume; failure; bad input refused
before any request; twins, video voices, list/get/delete, the MP4 download."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from voicekit_gemelo.emulator import GemeloEmulator
from voicekit_gemelo.provider import GemeloProvider

import voicekit_core as vk


def _video(gemelo: GemeloProvider, **overrides: Any) -> vk.Job[vk.Video]:
    kwargs: dict[str, Any] = {"twin": 20, "script": "Hello from my twin.", "voice": 181,
                              "consent": True, **overrides}
    return gemelo.generate_video(**kwargs)


def test_a_script_video_renders_and_downloads_as_mp4(
    gemelo_emulator: GemeloEmulator, gemelo: GemeloProvider, tmp_path: Path
) -> None:
    assert isinstance(gemelo, vk.GenerateVideo)
    job = _video(gemelo)
    assert job.kind == "video" and not job.done
    [create] = gemelo_emulator.requests("POST", "/v2/videos")
    assert gemelo_emulator.video_bodies == [{"twin_id": 20, "consent": True,
                                       "audio": {"text": "Hello from my twin."},
                                       "voice": {"voice_id": 181}}]
    video = job.wait(timeout=600)
    assert video.id == job.id and video.url.endswith(f"/v3/files/video_{job.id}")
    polls = [r.time - create.time for r in gemelo_emulator.requests(
        "GET", f"/v2/videos/{job.id}/status")]
    assert polls[0] == pytest.approx(10.0)
    gaps = [b - a for a, b in itertools.pairwise(polls)]
    assert all(5.0 <= g <= 10.0 + 1e-9 for g in gaps)
    path = video.download(tmp_path / "twin.mp4")
    assert path.read_bytes()[4:8] == b"ftyp"
    [download] = gemelo_emulator.requests("GET", f"/v3/files/video_{job.id}")
    assert download.header("x-api-key")  # the provider's own origin: its keys go along


@pytest.mark.parametrize(("audio", "sent"), [
    ("https://media.example.com/speech.mp3", {"audio_url": "https://media.example.com/speech.mp3"}),
    (12, {"recording_id": 12}),
    ("12", {"recording_id": 12}),
])
def test_audio_by_link_or_recording_id(
    gemelo_emulator: GemeloEmulator, gemelo: GemeloProvider, audio: Any, sent: Any
) -> None:
    job = gemelo.generate_video(twin="20", audio=audio, consent=True)
    [body] = gemelo_emulator.video_bodies
    assert body["audio"] == sent
    assert job.wait(timeout=600).id == job.id


def test_a_video_job_resumes_from_its_ref_in_a_fresh_provider(
    gemelo_emulator: GemeloEmulator, gemelo: GemeloProvider,
    voicekit_connect: Callable[..., Any], tmp_path: Path
) -> None:
    ref = str(_video(gemelo).to_ref())
    gemelo_emulator.clock.advance(40)
    fresh = voicekit_connect(gemelo_emulator)
    video = fresh.job(ref).wait(timeout=1)
    assert video.download(tmp_path / "v.mp4").stat().st_size > 0


def test_a_failed_video_raises_job_failed_with_the_vendors_error(
    gemelo_emulator: GemeloEmulator, gemelo: GemeloProvider
) -> None:
    gemelo_emulator.fail_next("video", message="Face not visible in the twin")
    job = _video(gemelo)
    with pytest.raises(vk.JobFailed, match="Face not visible") as info:
        job.wait(timeout=600)
    assert info.value.vendor_status == "failed"


@pytest.mark.parametrize(("overrides", "field"), [
    ({"audio": "https://media.example.com/a.mp3"}, "script"),  # both script and audio
    ({"script": None}, "audio"),  # neither
    ({"consent": False}, "consent"),
    ({"consent": 1}, "consent"),
    ({"consent": "missing"}, None),
    ({"twin": "anna"}, "twin"),
    ({"voice": None}, "voice"),  # a script needs a voice
    ({"script": ""}, "script"),
    ({"script": None, "audio": "ftp://x/a.mp3"}, "audio"),
    ({"script": None, "audio": -3}, "audio"),
    ({"fields": "x"}, "fields"),
    ({"resolution": "4k"}, "resolution"),  # not an option of Gemelo
])
def test_bad_video_input_is_refused_before_any_request(
    gemelo_emulator: GemeloEmulator, gemelo: GemeloProvider, overrides: dict[str, Any],
    field: str | None
) -> None:
    call = {"twin": 20, "script": "Hi.", "voice": 181, "consent": True} | overrides
    with pytest.raises(vk.InvalidInput) as info:
        gemelo.generate_video(**{k: v for k, v in call.items() if v != "missing"})
    assert field in (info.value.field, None)
    assert "consent" in str(info.value) or field is not None
    assert not gemelo_emulator.log


def test_twins_voices_and_videos(
    gemelo_emulator: GemeloEmulator, gemelo: GemeloProvider
) -> None:
    twins = gemelo.list_twins()
    assert [(t.id, t.name) for t in twins] == [("20", "Anna"), ("21", "Marco")]
    voices = gemelo.list_video_voices()
    assert [v.id for v in voices] == ["181", "182"] and {v.kind for v in voices} == {"video"}
    job = gemelo.generate_video(twin=twins[1], script="Ciao.", voice=voices[1], consent=True)
    [listed] = gemelo.list_videos()
    assert listed.id == job.id and listed.status == "queued"
    gemelo_emulator.clock.advance(31)
    assert gemelo.get_video(job.id).status == "ready"
    gemelo.delete_video(job.id)
    assert gemelo.list_videos() == []
    with pytest.raises(vk.NotFound):
        gemelo.get_video(job.id)


def test_a_download_that_is_not_an_mp4_is_refused_and_leaves_no_file(
    gemelo_emulator: GemeloEmulator, gemelo: GemeloProvider, tmp_path: Path
) -> None:
    video = _video(gemelo).wait(timeout=600)
    gemelo_emulator.faults.add(f"GET /v3/files/video_{video.id}", "status", status=200,
                               body=b"<html>sign in</html>")
    with pytest.raises(vk.BadResponse, match="not an MP4"):
        video.download(tmp_path / "v.mp4")
    assert not (tmp_path / "v.mp4").exists()


@pytest.mark.parametrize("answer", [
    {"video_id": 77, "state": "done"}, {"video": {"id": 77, "ready": True}},
    {"data": {"video_id": "77", "status": "READY"}},
])
def test_status_answers_are_read_tolerantly(
    gemelo_emulator: GemeloEmulator, gemelo: GemeloProvider, answer: Any
) -> None:
    job = _video(gemelo)
    gemelo_emulator.faults.add(f"GET /v2/videos/{job.id}/status", "status", status=200,
                               body=json.dumps(answer).encode())
    assert job.refresh().state is vk.JobState.SUCCEEDED


def _video_operations(ops: dict[str, Any]) -> dict[str, Any]:
    return {
        "generate_video": lambda p: p.generate_video(twin=20, script="Hi.", voice=181,
                                                     consent=True).refresh(),
        "generate_video(audio)": lambda p: p.generate_video(twin=20, audio=12, consent=True),
        "generate_video(?)": lambda p, value: p.generate_video(twin=value, audio=12,
                                                               consent=True),
        "job(video)": lambda p: p.job("gemelo:video:900").wait(timeout=60),
        "list_twins": lambda p: p.list_twins(),
        "list_video_voices": lambda p: p.list_video_voices(),
        "list_videos": lambda p: p.list_videos(),
        "get_video": lambda p: p.get_video(900),
        "get_video(?)": lambda p, value: p.get_video(value),
        "delete_video": lambda p: p.delete_video(900),
    }


def test_only_voicekit_errors_escape_the_video_calls(tmp_path: Path) -> None:
    import test_gemelo_conformance as conformance

    from voicekit_core.testing.fuzz_plugin import fuzz_plugin

    report = fuzz_plugin(conformance.TestGemeloConformance, examples=150, seed=15,
                         stop_on_first=True, operations=_video_operations)
    assert report.ok, report.text()
