"""The vendor's error envelope, retries of reads vs. writes, and fault handling."""

from __future__ import annotations

from typing import Any

import pytest
import voicekit_core as vk

from voicekit_captions.emulator import CaptionsEmulator
from voicekit_captions.provider import CaptionsProvider

VIDEO = "https://media.example.com/calibration/sam.mp4"
IMAGES = ["https://media.example.com/calibration/front.png",
          "https://media.example.com/calibration/left.jpg"]


def test_bad_key_is_authentication_error_with_the_detail(
    emulator: CaptionsEmulator, connect: Any
) -> None:
    captions = connect(emulator, api_key="cap-wrong-key")
    with pytest.raises(vk.AuthenticationError, match="Invalid API key") as info:
        captions.list_twins()
    assert info.value.status == 401 and "cap-wrong-key" not in str(info.value)


def test_validation_errors_of_the_vendor_read_the_detail_list(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    with pytest.raises(vk.InvalidRequest, match="name: Field required") as info:
        captions._post("/twin/create", {"videoUrl": VIDEO, "calibrationImageUrls": IMAGES})
    assert info.value.status == 422
    with pytest.raises(vk.InvalidRequest, match="Unsupported creator: Nobody"):
        captions.generate_video(script="Hi.", consent=True, twin="Nobody")


def test_unknown_operation_is_not_found(captions: CaptionsProvider) -> None:
    with pytest.raises(vk.NotFound, match="Operation not found"):
        captions.job("captions:twin:no-such-op")


def test_rate_limits_on_reads_are_waited_out(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    emulator.faults.add("POST /api/twin/supported-languages", "error", error="rate_limited",
                        count=2)
    before = emulator.clock.now()
    assert captions.supported_languages()
    assert len(emulator.requests("POST", "/api/twin/supported-languages")) == 3
    assert emulator.clock.now() - before == pytest.approx(4.0)  # Retry-After: 2, twice


def test_a_rate_limit_that_persists_raises_rate_limited(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    emulator.faults.add("POST /api/twin/script", "error", error="rate_limited", count=50)
    with pytest.raises(vk.RateLimited) as info:
        captions.twin_script()
    assert info.value.retry_after == 2 and info.value.status == 429


@pytest.mark.parametrize("path", ["/twin/list", "/twin/status", "/creator/list",
                                  "/creator/poll", "/twin/script"])
def test_reads_are_retried_after_server_errors(
    emulator: CaptionsEmulator, captions: CaptionsProvider, path: str
) -> None:
    job = captions.create_twin(name="r", video_url=VIDEO, calibration_image_urls=IMAGES)
    video = captions.generate_video(script="Hi.", consent=True, twin="Kate")
    emulator.faults.add("POST /api" + path, "error", error="server_error")
    emulator.faults.add("POST /api" + path, "reset")
    {"/twin/list": captions.list_twins, "/twin/status": job.refresh,
     "/creator/list": captions.list_creators, "/creator/poll": video.refresh,
     "/twin/script": captions.twin_script}[path]()
    assert len(emulator.requests("POST", "/api" + path)) == 3


@pytest.mark.parametrize(("path", "call"), [
    ("/twin/create", lambda c: c.create_twin(name="w", video_url=VIDEO,
                                             calibration_image_urls=IMAGES)),
    ("/creator/submit", lambda c: c.generate_video(script="Hi.", consent=True, twin="Kate")),
    ("/twin/delete", lambda c: c.delete_twin("twin-1-sam")),
])
@pytest.mark.parametrize("fault", ["server_error", "reset"])
def test_writes_are_not_retried_once_they_may_have_reached_the_vendor(
    emulator: CaptionsEmulator, captions: CaptionsProvider, path: str, call: Any, fault: str
) -> None:
    if fault == "reset":
        emulator.faults.add("POST /api" + path, "reset")
        error: type[vk.VoicekitError] = vk.ConnectionFailed
    else:
        emulator.faults.add("POST /api" + path, "error", error="server_error")
        error = vk.ServerError
    with pytest.raises(error) as info:
        call(captions)
    assert info.value.may_have_been_processed  # type: ignore[attr-defined]
    assert "may have been processed" in str(info.value)
    assert len(emulator.requests("POST", "/api" + path)) == 1


def test_rate_limited_writes_are_retried(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    emulator.faults.add("POST /api/creator/submit", "error", error="rate_limited")
    captions.generate_video(script="Hi.", consent=True, twin="Kate")
    assert len(emulator.requests("POST", "/api/creator/submit")) == 2
    assert emulator.ledger.spent == 1  # charged once


def test_malformed_status_is_bad_response(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    job = captions.create_twin(name="m", video_url=VIDEO, calibration_image_urls=IMAGES)
    emulator.faults.add("POST /api/twin/status", "malformed", count=10)
    with pytest.raises(vk.BadResponse):
        job.refresh()
    emulator.faults.clear()
    emulator.faults.add("POST /api/twin/create", "status", status=200, body=b'{"ok": true}')
    with pytest.raises(vk.BadResponse, match="operationId"):
        captions.create_twin(name="m", video_url=VIDEO, calibration_image_urls=IMAGES)


def test_every_endpoint_is_a_post_with_a_json_body(
    emulator: CaptionsEmulator, captions: CaptionsProvider
) -> None:
    captions.supported_languages()
    captions.twin_script()
    captions.list_twins()
    captions.list_creators()
    job = captions.create_twin(name="p", video_url=VIDEO, calibration_image_urls=IMAGES)
    job.refresh()
    captions.generate_video(script="Hi.", consent=True, twin="Kate").refresh()
    captions.delete_twin("twin-1-sam")
    assert {r.method for r in emulator.log} == {"POST"}
    assert len({r.path for r in emulator.log}) == 9
    for request in emulator.log:
        assert request.header("content-type") == "application/json" and request.body_size >= 2
