"""The complete minimal plugin of docs/plugin-authoring.md really works.

Its files are extracted from the guide's code blocks (each starts with a
``# plugins/voicekit-acme/<path>`` line), "installed" through a dist-info directory on
PYTHONPATH, and then: its own tests (conformance suite included) pass, and the CLI lists it
and speaks through it against its emulator.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

GUIDE = Path(__file__).parent.parent / "docs" / "plugin-authoring.md"
PREFIX = "# plugins/voicekit-acme/"


def extract(root: Path) -> list[str]:
    written = []
    for block in re.findall(r"```(?:python|toml)\n(.*?)```", GUIDE.read_text(), re.S):
        first, _, body = block.partition("\n")
        if first.startswith(PREFIX):
            path = root / first[len(PREFIX):]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
            written.append(first[len(PREFIX):])
    return written


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("acme")
    package = root / "voicekit-acme"
    files = extract(package)
    assert sorted(files) == ["pyproject.toml", "tests/test_acme_conformance.py",
                             "voicekit_acme/__init__.py", "voicekit_acme/emulator.py",
                             "voicekit_acme/plugin.py", "voicekit_acme/provider.py"]
    dist = root / "site" / "voicekit_acme-0.1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: voicekit-acme\n"
                                   "Version: 0.1.0\n")
    entry = re.search(r"^acme = .*$", (package / "pyproject.toml").read_text(), re.M)
    assert entry is not None
    line = entry.group(0).replace('"', "")
    (dist / "entry_points.txt").write_text(f"[voicekit]\n{line}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VOICEKIT_", "ACME_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(root / "site"), str(package)])
    return package, env


def test_the_guides_plugin_passes_its_tests(acme: tuple[Path, dict[str, str]]) -> None:
    package, env = acme
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "tests"], cwd=package, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "passed" in result.stdout


def test_the_cli_lists_and_speaks_through_it(acme: tuple[Path, dict[str, str]],
                                            tmp_path: Path) -> None:
    package, env = acme
    run = [sys.executable, "-m", "voicekit_core.cli"]
    listed = subprocess.run([*run, "providers", "--json"], env=env, capture_output=True,
                            text=True, timeout=60)
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert rows["acme"]["capabilities"] == ["ListVoices", "Synthesize"]
    assert rows["acme"]["distribution"] == "voicekit-acme"

    sys.path.insert(0, str(package))
    try:
        from voicekit_acme.emulator import AcmeEmulator  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(package))
    with AcmeEmulator() as emulator:
        env = dict(env, ACME_BASE_URL=emulator.url,
                   ACME_API_KEY=emulator.credentials["api_key"])
        voices = subprocess.run([*run, "voices", "acme", "--language", "fr"], env=env,
                                capture_output=True, text=True, timeout=60)
        assert voices.returncode == 0, voices.stderr
        assert "Bruno" in voices.stdout and "Ada" not in voices.stdout
        out = tmp_path / "acme.wav"
        said = subprocess.run([*run, "say", "Hello", "-p", "acme", "-v", "1", "-o", str(out)],
                              env=env, capture_output=True, text=True, timeout=60)
        assert said.returncode == 0, said.stderr
        assert out.read_bytes()[:4] == b"RIFF"
        assert emulator.ledger.spent == 5
