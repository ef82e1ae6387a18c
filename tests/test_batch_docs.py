"""docs/batch.md's worked example runs as written (against the Beautyface emulator)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

DOC = Path(__file__).parent.parent / "docs" / "batch.md"


def test_worked_example_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    pytest.importorskip("voicekit_beautyface.emulator")
    example = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)[0]
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(example, str(DOC), "exec"), {"__name__": "__doc_example__"})
    printed = out.getvalue().splitlines()
    # what the example's comments say it prints
    assert printed[0] == "102.0" and printed[-2:] == ["True 102.0", "3 0.0"]
    assert "# 102.0" in example and "# True 102.0" in example
    assert sorted(p.name for p in (tmp_path / "chapter-1").glob("*.wav")) == [
        "para-001.wav", "para-002.wav", "para-003.wav"]
