"""Every documented example runs as written, against the emulators (issue 14 item 6).

The README's and the user guide's Python blocks run in order in one fresh interpreter per
document; the README's command-line lines run one by one in a shell. Connection settings
come from the environment, as the documents say, pointing at the gemelo and voicedub
emulators (VoiceDub's jobs finish at once). Each run is bounded in time.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from voicekit_core.testing.media import mp3_bytes

ROOT = Path(__file__).parent.parent
gemelo_emulator = pytest.importorskip("voicekit_gemelo.emulator")
voicedub_emulator = pytest.importorskip("voicekit_voicedub.emulator")
pytest.importorskip("voicekit_espeak")

#: command lines that are not examples to run: a server in the foreground, the installers
NOT_RUN = ("voicekit emulate", "pip install", "scripts/", "nox ", "python3 -m venv")


def _blocks(path: Path, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", path.read_text(encoding="utf-8"),
                      flags=re.S | re.M)


@pytest.fixture
def documented_world(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path, str]]:
    """(environment, working directory, what `keys set` reads) for the examples."""
    (tmp_path / "song.mp3").write_bytes(mp3_bytes(2.0))
    with gemelo_emulator.GemeloEmulator() as gemelo, \
            voicedub_emulator.VoiceDubEmulator(instant=True) as voicedub:
        env = dict(os.environ, VOICEKIT_KEY_FILE=str(tmp_path / "keys.json"),
                   GEMELO_BASE_URL=gemelo.url, VOICEDUB_BASE_URL=voicedub.url)
        for prefix, emulator in (("GEMELO", gemelo), ("VOICEDUB", voicedub)):
            for option, value in emulator.credentials.items():
                env[f"{prefix}_{option.upper()}"] = value
        keys = "".join(f"{v}\n" for v in gemelo.credentials.values())
        yield env, tmp_path, keys


@pytest.mark.parametrize("document", ["README.md", "docs/user-guide.md"])
def test_python_examples_run_as_written(
        documented_world: tuple[dict[str, str], Path, str], document: str) -> None:
    env, cwd, _keys = documented_world
    script = "\n".join(_blocks(ROOT / document, "python"))
    assert script.strip()
    run = subprocess.run([sys.executable, "-c", script], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, f"{document}:\n{run.stderr[-2000:]}"


def _command_lines() -> list[str]:
    lines = []
    for block in _blocks(ROOT / "README.md", "sh"):
        for line in block.splitlines():
            if "voicekit" in line and not any(skip in line for skip in NOT_RUN):
                lines.append(line)
    return lines


@pytest.mark.parametrize("line", _command_lines())
def test_command_line_examples_run_as_written(
        documented_world: tuple[dict[str, str], Path, str], line: str) -> None:
    env, cwd, keys = documented_world
    venv_bin = str(Path(sys.executable).parent)
    env = dict(env, PATH=venv_bin + os.pathsep + env.get("PATH", ""))
    run = subprocess.run(["bash", "-c", line], cwd=cwd, env=env, input=keys,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, f"{line}\n{run.stderr[-2000:]}"
