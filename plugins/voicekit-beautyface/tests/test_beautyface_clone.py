"""Voice cloning: upload, the job that finds the voice in GET /voices, validation, errors."""

from __future__ import annotations

import io
import json
import os
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import voicekit_core as vk
from voicekit_core.audio import wav_header
from voicekit_core.testing.media import mp3_bytes, ogg_bytes, tone_wav

from voicekit_beautyface.emulator import BeautyfaceEmulator
from voicekit_beautyface.provider import BeautyfaceProvider

CLONE = "/api/v1/voice-clone"
VOICES = "/api/v1/voices"
MB = 1024 * 1024


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "my voice.wav"
    path.write_bytes(tone_wav(2.0, sample_rate=8000))
    return path


def test_clone_uploads_and_waits_for_completed(bf: BeautyfaceProvider,
                                              bf_emulator: BeautyfaceEmulator,
                                              sample: Path) -> None:
    job = bf.clone_voice(sample, name="My Voice Clone 2", description="A custom voice",
                         cover_image="https://example.com/cover.jpg",
                         tags=["male", "energetic"])
    assert job.kind == "clone" and job.state is vk.JobState.PENDING
    assert bf_emulator.ledger.spent == 1000
    (upload,) = bf_emulator.clone_uploads
    assert upload["filename"] == "my voice.wav" and upload["content_type"] == "audio/wav"
    assert upload["title"] == "My Voice Clone 2" and upload["description"] == "A custom voice"
    assert upload["coverImage"] == "https://example.com/cover.jpg"
    assert json.loads(upload["tags"]) == ["male", "energetic"]
    updates: list[str | None] = []
    voice = job.wait(on_update=lambda j: updates.append(j.vendor_status))
    # early looks backing off to every 5 s; ready after 30 s
    assert set(updates[:-1]) == {"PROCESSING"} and updates[-1] == "COMPLETED"
    assert len(updates) < 20
    assert voice.id == job.id and voice.kind == "cloned" and voice.name == "My Voice Clone 2"
    assert voice.raw["tags"] == ["male", "energetic"] and voice.raw["status"] == "COMPLETED"
    # each look is one narrow listing: the account's own voices, newest first
    looks = bf_emulator.requests("GET", VOICES)
    assert len(looks) == len(updates)
    assert all(dict(urllib.parse.parse_qsl(r.query)) == {
        "page": "1", "limit": "50", "type": "USER", "sortBy": "createdAt",
        "sortOrder": "desc"} for r in looks)
    # the new voice speaks
    audio = bf.synthesize("Now in my voice.", voice=voice, format="mp3")
    assert audio.format == "mp3"


def test_failed_clone_raises_job_failed(bf: BeautyfaceProvider,
                                        bf_emulator: BeautyfaceEmulator, sample: Path) -> None:
    bf_emulator.fail_next("clone")
    job = bf.clone_voice(sample, name="Doomed")
    with pytest.raises(vk.JobFailed) as info:
        job.wait()
    assert info.value.vendor_status == "FAILED" and info.value.job_id == job.id


def test_clone_job_resumes_from_its_ref(bf: BeautyfaceProvider,
                                        bf_emulator: BeautyfaceEmulator, sample: Path) -> None:
    ref = str(bf.clone_voice(sample.read_bytes(), name="Later").to_ref())
    assert ref.startswith("beautyface:clone:") and "created_at=" in ref
    bf_emulator.clock.advance(60)
    other = vk.connect("beautyface", **bf_emulator.connect_options())
    job = other.job(ref)
    assert job.done and job.result().name == "Later"
    other.close()


def test_a_deleted_voice_is_not_found_after_one_page(bf: BeautyfaceProvider,
                                                    bf_emulator: BeautyfaceEmulator,
                                                    sample: Path) -> None:
    for i in range(120):  # older voices of the account
        bf_emulator.add_voice(f"Old {i}", type="USER", age=1000.0 + i)
    job = bf.clone_voice(sample, name="Gone")
    del bf_emulator.voices[job.id]
    with pytest.raises(vk.NotFound):
        job.refresh()
    # the listing is newest first: older voices on page 1 prove it is gone
    assert len(bf_emulator.requests("GET", VOICES)) == 1


@pytest.mark.parametrize(("data", "content_type"), [
    (mp3_bytes(2.0), "audio/mpeg"),
    (b"\x1a\x45\xdf\xa3" + b"\x00" * 400, "audio/webm"),
])
def test_mp3_and_webm_samples(bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator,
                              data: bytes, content_type: str) -> None:
    bf.clone_voice(io.BytesIO(data), name="Format", tags="a, b ,c")
    (upload,) = bf_emulator.clone_uploads
    assert upload["content_type"] == content_type
    assert json.loads(upload["tags"]) == ["a", "b", "c"]


def test_file_over_20_mb_is_refused_without_reading_it(bf: BeautyfaceProvider,
                                                      bf_emulator: BeautyfaceEmulator,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "huge.wav"
    with path.open("wb") as f:  # a sparse file: a WAV header, then 21 MB of holes
        f.write(wav_header(sample_rate=44100, data_size=21 * MB - 44))
        f.truncate(21 * MB)
    with pytest.raises(vk.InvalidInput) as info:
        bf.clone_voice(path, name="Too big")
    assert info.value.field == "samples" and info.value.limit == "at most 20 MB"

    class Counting(io.FileIO):
        read_bytes = 0

        def read(self, size: int | None = -1, /) -> bytes:
            data = super().read(size)
            Counting.read_bytes += len(data)
            return data

        def readinto(self, buffer: Any, /) -> int:
            count = super().readinto(buffer)
            Counting.read_bytes += count or 0
            return count or 0

    with Counting(str(path), "rb") as counted, pytest.raises(vk.InvalidInput):
        bf.clone_voice(counted, name="Too big")
    assert Counting.read_bytes <= 4096
    assert bf_emulator.log == [] and bf_emulator.ledger.spent == 0


def test_20_mb_exactly_is_accepted(bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator,
                                   tmp_path: Path) -> None:
    path = tmp_path / "edge.wav"
    with path.open("wb") as f:
        f.write(wav_header(sample_rate=44100, data_size=20 * MB - 44))
        f.truncate(20 * MB)
    bf.clone_voice(path, name="Edge")
    assert bf_emulator.clone_uploads[0]["size"] == 20 * MB


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"samples": ogg_bytes(2.0)}, "samples"),
    ({"samples": b"not audio at all"}, "samples"),
    ({"samples": b""}, "samples"),
    ({"samples": "/no/such/file.wav"}, "samples"),
    ({"samples": [tone_wav(1.0), tone_wav(1.0)]}, "samples"),
    ({"name": "  "}, "name"),
    ({"description": "x" * 501}, "description"),
    ({"cover_image": "ftp://example.com/c.jpg"}, "cover_image"),
    ({"cover_image": "cover.jpg"}, "cover_image"),
    ({"tags": [1, 2]}, "tags"),
    ({"language": "en"}, "language"),
    ({"max_credits": 999}, "max_credits"),
])
def test_bad_clone_input_is_refused_before_any_request(
    bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator, kwargs: dict[str, Any],
    field: str
) -> None:
    args: dict[str, Any] = {"samples": tone_wav(1.0, sample_rate=8000), "name": "Bad",
                            **kwargs}
    with pytest.raises(vk.InvalidInput) as info:
        bf.clone_voice(**args)
    assert info.value.field == field
    assert bf_emulator.log == []


def test_description_of_500_characters_and_max_credits_1000_are_fine(
    bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator
) -> None:
    bf.clone_voice([tone_wav(1.0, sample_rate=8000)], name="Edge", description="é" * 500,
                   max_credits=1000)
    assert bf_emulator.clone_uploads[0]["description"] == "é" * 500
    assert bf.estimate("clone_voice") == vk.Cost(1000.0, "credits", exact=True)


def test_clone_without_enough_credits(voicekit_emulator: Any, voicekit_connect: Any,
                                      voicekit_fast_retries: None) -> None:
    emulator = voicekit_emulator(BeautyfaceEmulator, credits=500)
    bf = voicekit_connect(emulator)
    with pytest.raises(vk.InsufficientCredits) as info:
        bf.clone_voice(tone_wav(1.0, sample_rate=8000), name="Poor")
    assert (info.value.have, info.value.need) == (500, 1000)
    assert len(emulator.requests("POST", CLONE)) == 1
    assert emulator.clone_uploads == []


def test_clone_answered_500_is_not_retried(bf: BeautyfaceProvider,
                                           bf_emulator: BeautyfaceEmulator) -> None:
    bf_emulator.faults.add("POST /api/v1/voice-clone", "error", error="server_error", count=3)
    with pytest.raises(vk.ServerError) as info:
        bf.clone_voice(tone_wav(1.0, sample_rate=8000), name="Maybe")
    assert info.value.may_have_been_processed
    assert len(bf_emulator.requests("POST", CLONE)) == 1


def test_upload_progress_is_reported(bf: BeautyfaceProvider, tmp_path: Path) -> None:
    path = tmp_path / "big.wav"
    path.write_bytes(wav_header(sample_rate=8000, data_size=2 * MB) + os.urandom(2 * MB))
    seen: list[tuple[int, int | None]] = []
    bf.clone_voice(path, name="Progress", on_upload_progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1] and seen[-1][0] > 2 * MB
