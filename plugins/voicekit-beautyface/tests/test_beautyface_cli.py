"""`voicekit say -p beautyface` and `voicekit balance -p beautyface` as subprocesses.

The CLI runs on the real clock and polls speeches every 3 s, so the emulator finishes
speeches at once (``tts_seconds=0``): the first look, 3 s after the submission, finds the
audio ready.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from voicekit_core.audio import parse_wav_header

from voicekit_beautyface.emulator import BeautyfaceEmulator


@pytest.fixture
def instant_emulator() -> Iterator[BeautyfaceEmulator]:
    emulator = BeautyfaceEmulator(tts_seconds=0, clone_seconds=0)
    with emulator:
        yield emulator


def _run(args: list[str], emulator: BeautyfaceEmulator, tmp_path: Path, *,
         base_url: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEAUTYFACE_")}
    env.update({
        "BEAUTYFACE_API_KEY": emulator.credentials["api_key"],
        "VOICEKIT_KEY_FILE": str(tmp_path / "keys.json"),
        "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
    })
    if base_url:
        env["BEAUTYFACE_BASE_URL"] = emulator.url
    return subprocess.run([sys.executable, "-m", "voicekit_core.cli", *args], env=env,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)


def _aria(emulator: BeautyfaceEmulator) -> str:
    return next(str(v["id"]) for v in emulator.voices.values() if v["title"] == "Aria")


def test_cli_say(instant_emulator: BeautyfaceEmulator, tmp_path: Path) -> None:
    out = tmp_path / "hello.wav"
    text = "Hello from the command line."
    result = _run(["say", text, "-p", "beautyface", "-v", _aria(instant_emulator),
                   "-o", str(out)], instant_emulator, tmp_path)
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert parse_wav_header(data).sample_rate == 16000
    assert instant_emulator.ledger.spent == len(text.encode())
    assert len(instant_emulator.requests("POST", "/api/v1/tts")) == 1
    assert len(instant_emulator.requests("GET", "/api/v1/tts/*")) == 1
    assert instant_emulator.storage.violations == []
    key = instant_emulator.credentials["api_key"]
    assert key not in result.stdout + result.stderr


def test_cli_balance(instant_emulator: BeautyfaceEmulator, tmp_path: Path) -> None:
    result = _run(["balance", "-p", "beautyface"], instant_emulator, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "100000 credits"
    assert "  regular: 98000" in lines and "  permanent: 2000" in lines
    assert any(line.startswith("  resets at ") for line in lines)


def test_cli_without_a_base_url_says_how_to_set_it(instant_emulator: BeautyfaceEmulator,
                                                   tmp_path: Path) -> None:
    result = _run(["balance", "-p", "beautyface"], instant_emulator, tmp_path,
                  base_url=False)
    assert result.returncode != 0
    assert "BEAUTYFACE_BASE_URL" in result.stderr
    assert instant_emulator.log == []


def test_ctrl_c_during_a_paid_say_says_how_to_resume(tmp_path: Path) -> None:
    # the emulator's clock stands still: the speech stays PROCESSING while the CLI polls
    with BeautyfaceEmulator(tts_seconds=60) as emulator:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BEAUTYFACE_")}
        env.update({"BEAUTYFACE_API_KEY": emulator.credentials["api_key"],
                    "BEAUTYFACE_BASE_URL": emulator.url,
                    "VOICEKIT_KEY_FILE": str(tmp_path / "keys.json")})
        out = tmp_path / "my speech.wav"
        proc = subprocess.Popen(
            [sys.executable, "-m", "voicekit_core.cli", "say", "Paid for already.", "-p",
             "beautyface", "-v", _aria(emulator), "-o", str(out)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
        try:
            for _ in range(400):  # bounded: until the first status look (at most ~20 s)
                if emulator.requests("GET", "/api/v1/tts/*") or proc.poll() is not None:
                    break
                threading.Event().wait(0.05)
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
        (speech_id,) = emulator.speeches
    assert proc.returncode == 130 and "Traceback" not in err
    words = shlex.split(err.rsplit("resume with", 1)[1])
    assert words[:3] == ["voicekit", "jobs", "wait"]
    assert words[3].startswith(f"beautyface:speech:{speech_id}?")
    assert words[4:] == ["-o", str(out)] and not out.exists()
