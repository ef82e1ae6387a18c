"""``voicekit say -p piper`` and ``voicekit voices piper``, as subprocesses of the real CLI,
offline, on the tiny voices (found through VOICEKIT_PIPER_VOICES)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ReadWav = Callable[[bytes], tuple[int, int, int, bytes]]


def _voicekit(voices: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, VOICEKIT_PIPER_VOICES=str(voices))
    return subprocess.run([sys.executable, "-m", "voicekit_core.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("extra", [[], ["--stream"], ["-v", "fr_FR-petit-low"]])
def test_say_with_piper(voices_dir: Path, tmp_path: Path, read_wav: ReadWav,
                        rms: Callable[[bytes], float], extra: list[str]) -> None:
    path = tmp_path / "out.wav"
    if "-v" not in extra:
        extra = [*extra, "-v", "en_US-tiny-low"]
    out = _voicekit(voices_dir, "say", "Hello from voicekit. Offline!", "-p", "piper",
                    "-o", str(path), *extra)
    assert out.returncode == 0, out.stderr
    rate, channels, width, frames = read_wav(path.read_bytes())
    assert rate == (22050 if "fr_FR-petit-low" in extra else 16000)
    assert (channels, width) == (1, 2) and rms(frames) > 1000


def test_say_without_voice_uses_the_first_installed(voices_dir: Path, tmp_path: Path,
                                                    read_wav: ReadWav) -> None:
    path = tmp_path / "out.wav"
    out = _voicekit(voices_dir, "say", "Hello.", "-p", "piper", "-o", str(path))
    assert out.returncode == 0, out.stderr
    assert read_wav(path.read_bytes())[0] in (16000, 22050)


def test_say_with_a_missing_voice_is_a_clear_error(voices_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "x.wav"
    out = _voicekit(voices_dir, "say", "Hello.", "-p", "piper", "-v", "de_DE-nobody-low",
                    "-o", str(path))
    assert out.returncode != 0
    assert "de_DE-nobody-low" in out.stderr and "en_US-tiny-low" in out.stderr
    assert "Traceback" not in out.stderr
    assert not path.exists()


def test_voices_lists_piper_voices(voices_dir: Path) -> None:
    out = _voicekit(voices_dir, "voices", "piper", "--language", "fr")
    assert out.returncode == 0, out.stderr
    assert "fr_FR-petit-low" in out.stdout and "en_US-tiny-low" not in out.stdout
