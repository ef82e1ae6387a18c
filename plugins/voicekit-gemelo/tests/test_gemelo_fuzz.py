"""Hostile Gemelo answers (fuzzed) on the calls the conformance suite does not make:
cloned-voice paging, bare-id lookups, rename, delete, previews, resumed clone jobs, the
stream-backed ``synthesize``. Only VoicekitError may escape; nothing may hang.

``python bench/fuzz_all.py gemelo`` runs the same operations with 10,000 examples.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import test_gemelo_conformance as conformance

from voicekit_core.testing.fuzz import Operation
from voicekit_core.testing.fuzz_plugin import fuzz_plugin


def _preview(directory: Path) -> Operation:
    def run(provider: Any) -> Any:
        for voice in provider.list_voices(kind="system"):
            return provider.download_preview(voice, directory / "preview.wav")
        return None

    return run


def gemelo_operations(directory: Path) -> Callable[[dict[str, Operation]], dict[str, Operation]]:
    """The suite's operations plus Gemelo's own (files go to ``directory``)."""

    def extend(ops: dict[str, Operation]) -> dict[str, Operation]:
        return {
            **ops,
            "list_voices(cloned)": lambda p: p.list_voices(kind="cloned"),
            "list_voices(filters)": lambda p: p.list_voices(language="English", label="x",
                                                            disabled=False),
            "synthesize(bare id)": lambda p: p.synthesize("Hello", voice="502"),
            "synthesize(mp3)": lambda p: p.synthesize("Hello", voice="cloned:501",
                                                      format="mp3", sample_rate=44100),
            "convert_voice(bare id)": lambda p: p.convert_voice(b"RIFF", voice="133"),
            "rename_voice": lambda p: p.rename_voice("501", "Renamed"),
            "rename_voice(?)": lambda p, value: p.rename_voice(value, "Renamed"),
            "rename_voice(name=?)": lambda p, value: p.rename_voice(501, value),
            "delete_voice": lambda p: p.delete_voice(501),
            "delete_voice(?)": lambda p, value: p.delete_voice(value),
            "download_preview": _preview(directory),
            "synthesize(to=)": lambda p: p.synthesize("Hello", voice="35",
                                                      to=directory / "speech.wav"),
            "job(clone)": lambda p: p.job("gemelo:clone:501").wait(timeout=60),
            "voice_ref(?)": lambda p, value: p.voice_ref(value),
        }

    return extend


def test_only_voicekit_errors_escape_gemelo_calls() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        report = fuzz_plugin(conformance.TestGemeloConformance, examples=150, seed=11,
                             stop_on_first=True, operations=gemelo_operations(Path(tmp)))
    assert report.ok, report.text()


def fuzz_operations(directory: Path) -> Callable[[dict[str, Operation]], dict[str, Operation]]:
    """The operations ``bench/fuzz_all.py gemelo`` fuzzes (``directory``: for files)."""
    return gemelo_operations(directory)
