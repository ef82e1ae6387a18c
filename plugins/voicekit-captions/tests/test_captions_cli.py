"""``voicekit twin ...`` (added by this plugin's CLI hook), run as a subprocess.

The subprocess polls on the real clock, so the emulator completes operations at once
(``instant=True``); ``twin create --no-wait`` + ``voicekit jobs wait REF`` avoids the
vendor's 30 s first-poll delay.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from voicekit_captions.emulator import CaptionsEmulator

VIDEO = "https://media.example.com/calibration/sam.mp4"
IMAGES = ["https://media.example.com/calibration/front.png",
          "https://media.example.com/calibration/left.jpg"]


@pytest.fixture
def emulator() -> Iterator[CaptionsEmulator]:
    with CaptionsEmulator(instant=True) as emu:
        yield emu  # type: ignore[misc]


def voicekit(emulator: CaptionsEmulator, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CAPTIONS_BASE_URL": emulator.url,
           "CAPTIONS_API_KEY": emulator.credentials["api_key"]}
    env.pop("CAPTIONS_EMULATOR_INSTANT", None)
    return subprocess.run([sys.executable, "-m", "voicekit_core.cli", *argv], env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_twin_list(emulator: CaptionsEmulator) -> None:
    out = voicekit(emulator, "twin", "list")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["twin-1-sam"]
    out = voicekit(emulator, "twin", "list", "--json")
    assert json.loads(out.stdout) == [{"id": "twin-1-sam", "name": "sam"}]
    assert emulator.credentials["api_key"] not in out.stdout + out.stderr


def test_twin_create_then_jobs_wait_then_list(emulator: CaptionsEmulator) -> None:
    out = voicekit(emulator, "twin", "create", "--name", "robin", "--video-url", VIDEO,
                   "--image", IMAGES[0], "--image", IMAGES[1], "--language", "english",
                   "--no-wait")
    assert out.returncode == 0, out.stderr
    ref = out.stdout.strip()
    assert ref.startswith("captions:twin:")
    [op] = emulator.operations.values()
    assert op.body == {"name": "robin", "videoUrl": VIDEO, "calibrationImageUrls": IMAGES,
                       "language": "English"}
    waited = voicekit(emulator, "jobs", "wait", ref)
    assert waited.returncode == 0, waited.stderr
    assert "twin-2-robin" in waited.stdout
    listed = voicekit(emulator, "twin", "list")
    assert listed.stdout.split() == ["twin-1-sam", "twin-2-robin"]


def test_twin_create_refuses_bad_input_without_a_request(emulator: CaptionsEmulator) -> None:
    out = voicekit(emulator, "twin", "create", "--name", "x", "--video-url",
                   "https://media.example.com/x.avi", "--image", IMAGES[0])
    assert out.returncode != 0
    assert "video_url" in out.stderr and "Traceback" not in out.stderr
    assert emulator.log == []


def test_twin_script_languages_and_delete(emulator: CaptionsEmulator) -> None:
    script = voicekit(emulator, "twin", "script", "--language", "Spanish")
    assert script.returncode == 0 and script.stdout.startswith("¡Hola!")
    languages = voicekit(emulator, "twin", "languages", "--json")
    assert "English" in json.loads(languages.stdout)
    deleted = voicekit(emulator, "twin", "delete", "twin-1-sam")
    assert deleted.returncode == 0, deleted.stderr
    assert emulator.twins == []


def test_video_create_then_wait_downloads_the_mp4(emulator: CaptionsEmulator,
                                                  tmp_path: Path) -> None:
    out = voicekit(emulator, "video", "create", "-p", "captions", "--twin", "Kate",
                   "--script", "Hello there.", "--consent", "-O", "resolution=4k", "--no-wait")
    assert out.returncode == 0, out.stderr
    ref = out.stdout.strip()
    assert ref.startswith("captions:video:")
    [op] = emulator.operations.values()
    assert op.body == {"script": "Hello there.", "creatorName": "Kate", "resolution": "4k"}
    target = tmp_path / "video.mp4"
    out = voicekit(emulator, "video", "wait", ref, "-o", str(target))
    assert out.returncode == 0, out.stderr
    assert target.read_bytes()[4:8] == b"ftyp"
    out = voicekit(emulator, "video", "list", "-p", "captions")
    assert out.returncode == 1 and "list_videos" in out.stderr
