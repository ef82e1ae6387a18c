"""`voicekit video ...` against the Gemelo emulator, in a subprocess (its clock stands
still: a video started there is finished here by advancing the emulator's clock)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from voicekit_gemelo.emulator import GemeloEmulator


def _voicekit(emulator: GemeloEmulator, tmp_path: Path, *argv: str
              ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GEMELO_BASE_URL": emulator.url,
           "GEMELO_CLIENT_KEY": emulator.credentials["client_key"],
           "GEMELO_API_KEY": emulator.credentials["api_key"],
           "VOICEKIT_KEY_FILE": str(tmp_path / "keys.json")}
    return subprocess.run([sys.executable, "-m", "voicekit_core.cli", "video", *argv],
                          env=env, capture_output=True, text=True, timeout=60, check=False)


def test_video_commands(gemelo_emulator: GemeloEmulator, tmp_path: Path) -> None:
    out = _voicekit(gemelo_emulator, tmp_path, "twins", "-p", "gemelo", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)[0] == {"id": "20", "name": "Anna"}
    refused = _voicekit(gemelo_emulator, tmp_path, "create", "-p", "gemelo", "--twin", "20",
                        "--script", "Hi.", "-v", "181", "--no-wait")
    assert refused.returncode == 1 and "--consent" in refused.stderr
    assert gemelo_emulator.video_bodies == []
    out = _voicekit(gemelo_emulator, tmp_path, "create", "-p", "gemelo", "--twin", "20",
                    "--script", "Hi.", "-v", "181", "--consent", "--no-wait")
    assert out.returncode == 0, out.stderr
    ref = out.stdout.strip()
    assert ref.startswith("gemelo:video:")
    gemelo_emulator.clock.advance(60)
    target = tmp_path / "twin.mp4"
    out = _voicekit(gemelo_emulator, tmp_path, "wait", ref, "-o", str(target))
    assert out.returncode == 0, out.stderr
    assert target.read_bytes()[4:8] == b"ftyp"
    video_id = ref.rsplit(":", 1)[1]
    out = _voicekit(gemelo_emulator, tmp_path, "list", "-p", "gemelo", "--json")
    assert [v["id"] for v in json.loads(out.stdout)] == [video_id]
    again = tmp_path / "again.mp4"
    out = _voicekit(gemelo_emulator, tmp_path, "download", video_id, "-p", "gemelo",
                    "-o", str(again))
    assert out.returncode == 0, out.stderr
    assert again.read_bytes() == target.read_bytes()
    out = _voicekit(gemelo_emulator, tmp_path, "delete", video_id, "-p", "gemelo")
    assert out.returncode == 0, out.stderr
    assert gemelo_emulator.videos == {}
    secrets = gemelo_emulator.credentials.values()
    assert not any(s in out.stdout + out.stderr for s in secrets)
