"""The quick start: ``voicekit say "Hello from voicekit" -o hello.wav`` speaks through espeak.

Run as subprocesses of the real CLI (``python -m voicekit_core.cli``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ReadWav = Callable[[bytes], tuple[int, int, int, bytes]]


def _voicekit(*args: str, only_espeak: bool = True, stdin: str | None = None
              ) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if only_espeak:  # a fresh install: espeak is the only provider
        env["VOICEKIT_LOAD_PLUGINS"] = "espeak"
    return subprocess.run([sys.executable, "-m", "voicekit_core.cli", *args], env=env,
                          input=stdin, capture_output=True, text=True, timeout=60)


def _check_speech(path: Path, read_wav: ReadWav, rms: Callable[[bytes], float]) -> None:
    rate, channels, width, frames = read_wav(path.read_bytes())
    assert rate == 22050 and channels == 1 and width == 2
    assert len(frames) / (rate * width) > 0.5
    assert rms(frames) > 500


def test_say_defaults_to_espeak(tmp_path: Path, read_wav: ReadWav,
                                rms: Callable[[bytes], float]) -> None:
    out = _voicekit("say", "Hello from voicekit", "-o", str(tmp_path / "hello.wav"))
    assert out.returncode == 0, out.stderr
    _check_speech(tmp_path / "hello.wav", read_wav, rms)


@pytest.mark.parametrize("extra", [[], ["--stream"]])
def test_say_with_provider_and_voice(tmp_path: Path, read_wav: ReadWav,
                                     rms: Callable[[bytes], float], extra: list[str]) -> None:
    path = tmp_path / "fr.wav"
    out = _voicekit("say", "Bonjour tout le monde", "-p", "espeak", "-v", "fr", "-o",
                    str(path), *extra, only_espeak=False)
    assert out.returncode == 0, out.stderr
    _check_speech(path, read_wav, rms)


def test_say_reads_stdin(tmp_path: Path, read_wav: ReadWav,
                         rms: Callable[[bytes], float]) -> None:
    path = tmp_path / "stdin.wav"
    out = _voicekit("say", "-", "-o", str(path), stdin="Text from standard input.\n")
    assert out.returncode == 0, out.stderr
    _check_speech(path, read_wav, rms)


def test_say_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    out = _voicekit("say", "Hello", "-p", "espeak", "-v", "no-such-voice", "-o",
                    str(tmp_path / "x.wav"), only_espeak=False)
    assert out.returncode != 0
    assert "no-such-voice" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "x.wav").exists()


def test_voices_lists_espeak_voices() -> None:
    out = _voicekit("voices", "espeak", "--language", "en")
    assert out.returncode == 0, out.stderr
    assert "English (America)" in out.stdout
