"""`voicekit dub` and `voicekit clone` as subprocesses against an instant emulator.

The CLI runs on the real clock with VoiceDub's 3 s polling, so each dub takes ~3 s of real
time (one poll); these tests are kept few.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from voicekit_voicedub.emulator import VoiceDubEmulator

from voicekit_core.testing.media import tone_wav


@pytest.fixture
def instant(emu_factory: Callable[..., VoiceDubEmulator]) -> VoiceDubEmulator:
    return emu_factory(instant=True)


def _voicekit(emu: VoiceDubEmulator, tmp_path: Path, *args: str
              ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOICEDUB_")}
    env.update(VOICEDUB_BASE_URL=emu.url, VOICEDUB_API_KEY=emu.credentials["api_key"],
               XDG_CONFIG_HOME=str(tmp_path / "config"), HOME=str(tmp_path),
               VOICEKIT_LOAD_PLUGINS="voicedub")
    return subprocess.run([sys.executable, "-m", "voicekit_core.cli", *args], env=env,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)


def test_cli_dub_uploads_waits_and_downloads(instant: VoiceDubEmulator,
                                             tmp_path: Path) -> None:
    song = tmp_path / "song.wav"
    song.write_bytes(tone_wav(4.0))
    voice = instant.public_voices[0]["id"]
    out = _voicekit(instant, tmp_path, "dub", str(song), "-p", "voicedub", "-v", voice,
                    "--pitch-shift", "2", "--max-credits", "5", "-o", "dubbed.wav")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "dubbed.wav").read_bytes() == song.read_bytes()
    assert "upload: 100%" in out.stderr
    assert "done" in out.stderr and "100%" in out.stderr  # the job's progress line
    assert "saved" in out.stderr
    assert instant.credentials["api_key"] not in out.stdout + out.stderr
    (dub,) = instant.dubs.values()
    assert dub["pitchShift"] == 2 and dub["apiCreditsUsed"] == 1


def test_cli_clone_prints_the_new_voice(instant: VoiceDubEmulator, tmp_path: Path) -> None:
    samples = []
    for i in range(2):
        path = tmp_path / f"take{i}.wav"
        path.write_bytes(tone_wav(1.0 + i))
        samples.append(str(path))
    out = _voicekit(instant, tmp_path, "clone", *samples, "-p", "voicedub",
                    "--name", "CLI Voice")
    assert out.returncode == 0, out.stderr
    voice_id = out.stdout.strip()
    assert instant.voices[voice_id]["name"] == "CLI Voice"
    assert instant.voices[voice_id]["status"] == "done"
    assert "upload: 100%" in out.stderr and "CLI Voice" in out.stderr


def test_cli_dub_refuses_over_max_credits(instant: VoiceDubEmulator, tmp_path: Path) -> None:
    voice = instant.public_voices[0]["id"]
    out = _voicekit(instant, tmp_path, "dub", "https://media.example.com/a.mp3", "-p",
                    "voicedub", "-v", voice, "--max-credits", "10")
    assert out.returncode != 0
    # the limit is named as the user gave it (the CLI says --max-credits)
    assert "max_credits" in out.stderr or "--max-credits 10" in out.stderr
    assert instant.ledger.entries == []
