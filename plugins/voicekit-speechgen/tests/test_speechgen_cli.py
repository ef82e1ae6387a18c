"""`voicekit clone -p speechgen SAMPLE --name N` as a subprocess against the emulator.

The CLI runs on the real clock and polls every 5 s, so the emulator makes models ready at
once (``ready_after=0``): the clone answer already carries the voice_id.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from voicekit_core.testing.media import tone_wav

from voicekit_speechgen.emulator import SpeechgenEmulator


@pytest.fixture
def instant_emulator() -> Iterator[SpeechgenEmulator]:
    with SpeechgenEmulator(ready_after=0) as emulator:
        yield emulator


def _run(args: list[str], emulator: SpeechgenEmulator, tmp_path: Path
         ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPEECHGEN_")}
    env.update({
        "SPEECHGEN_BASE_URL": emulator.url,
        "SPEECHGEN_API_KEY": emulator.credentials["api_key"],
        "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "VOICEKIT_LOAD_PLUGINS": "speechgen",
    })
    return subprocess.run([sys.executable, "-m", "voicekit_core.cli", *args], env=env,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)


def test_cli_clone(instant_emulator: SpeechgenEmulator, tmp_path: Path) -> None:
    sample = tmp_path / "sample.wav"
    sample.write_bytes(tone_wav(12.0, sample_rate=8000))
    result = _run(["clone", "-p", "speechgen", str(sample), "--name", "CLI voice"],
                  instant_emulator, tmp_path)
    assert result.returncode == 0, result.stderr
    (upload,) = instant_emulator.clone_uploads
    assert upload["name"] == "CLI voice" and upload["content_type"] == "audio/wav"
    (model,) = [m for m in instant_emulator.models.values() if m["name"] == "CLI voice"]
    assert model["voice_id"] in result.stdout
    key = instant_emulator.credentials["api_key"]
    assert key not in result.stdout and key not in result.stderr


def test_cli_clone_refuses_a_short_sample(instant_emulator: SpeechgenEmulator,
                                          tmp_path: Path) -> None:
    sample = tmp_path / "short.wav"
    sample.write_bytes(tone_wav(3.0, sample_rate=8000))
    result = _run(["clone", "-p", "speechgen", str(sample), "--name", "Short"],
                  instant_emulator, tmp_path)
    assert result.returncode != 0
    assert "minimum is 10 s" in result.stderr + result.stdout
    assert instant_emulator.requests("POST", "/v1/voice-clone") == []
