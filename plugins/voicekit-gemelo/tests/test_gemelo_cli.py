"""`voicekit say -p gemelo --stream` in a subprocess against the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from pathlib import Path

from voicekit_gemelo.emulator import GemeloEmulator

from voicekit_core.testing.media import tone_wav


def _env(emulator: GemeloEmulator, tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "GEMELO_BASE_URL": emulator.url,
        "GEMELO_CLIENT_KEY": emulator.credentials["client_key"],
        "GEMELO_API_KEY": emulator.credentials["api_key"],
        "VOICEKIT_KEY_FILE": str(tmp_path / "keys.json"),
    })
    return env


def test_cli_say_streams_to_a_wav(gemelo_emulator: GemeloEmulator, tmp_path: Path) -> None:
    out = tmp_path / "hello.wav"
    result = subprocess.run(
        [sys.executable, "-m", "voicekit_core.cli", "say", "Hello from the command line",
         "-p", "gemelo", "-v", "35", "-o", str(out), "--stream"],
        env=_env(gemelo_emulator, tmp_path), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    with wave.open(str(out)) as w:
        assert w.getframerate() == 22050 and w.getnframes() > 0
    streams = gemelo_emulator.streams
    assert [s.texts for s in streams] == [["Hello from the command line"]]
    assert streams[0].mode == "simplex" and streams[0].close_code == 1000
    for secret in gemelo_emulator.credentials.values():
        assert secret not in result.stdout and secret not in result.stderr


def _cli(emulator: GemeloEmulator, tmp_path: Path, *args: str
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voicekit_core.cli", *args],
                          env=_env(emulator, tmp_path), capture_output=True, text=True,
                          timeout=60)


def test_cli_voices_by_kind(gemelo_emulator: GemeloEmulator, tmp_path: Path) -> None:
    result = _cli(gemelo_emulator, tmp_path, "voices", "gemelo", "--kind", "vc")
    assert result.returncode == 0, result.stderr
    assert "Nova" in result.stdout and "Atlas" in result.stdout
    assert "Jane Doe" not in result.stdout


def test_cli_clone_then_say_with_the_cloned_voice(gemelo_emulator: GemeloEmulator,
                                                  tmp_path: Path) -> None:
    sample = tmp_path / "me.wav"
    sample.write_bytes(tone_wav(1.0))
    cloned = _cli(gemelo_emulator, tmp_path, "clone", "-p", "gemelo", "--name", "CLI voice",
                  str(sample))
    assert cloned.returncode == 0, cloned.stderr
    voice_id = max(gemelo_emulator.cloned)
    assert gemelo_emulator.cloned[voice_id]["name"] == "CLI voice"
    assert str(voice_id) in cloned.stdout
    out = tmp_path / "me-speaking.wav"
    said = _cli(gemelo_emulator, tmp_path, "say", "In my own voice", "-p", "gemelo",
                "-v", f"cloned:{voice_id}", "-o", str(out))
    assert said.returncode == 0, said.stderr
    assert gemelo_emulator.convert_bodies[-1] == {
        "voiceId": voice_id, "text": "In my own voice", "voiceType": "cloned"}
    with wave.open(str(out)) as w:
        assert w.getnframes() > 0
