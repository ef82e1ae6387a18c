"""Hostile Speechgen answers (fuzzed) on the calls the conformance suite does not make:
models (list, get, delete), one voice, cloned-voice listing and filters, resumed clone
jobs, the local payload check. Only VoicekitError may escape; nothing may hang.

``python bench/fuzz_all.py speechgen`` runs the same operations with 10,000 examples.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import test_speechgen_conformance as conformance
from voicekit_core.testing.fuzz import Operation
from voicekit_core.testing.fuzz_plugin import fuzz_plugin


def speechgen_operations() -> Callable[[dict[str, Operation]], dict[str, Operation]]:
    """The suite's operations plus Speechgen's own."""

    folder = Path(tempfile.mkdtemp(prefix="voicekit-fuzz-"))

    def extend(ops: dict[str, Operation]) -> dict[str, Operation]:
        return {
            **ops,
            "synthesize(to=)": lambda p: p.synthesize("Hello", voice="en-US-aria",
                                                      to=folder / "speech.wav"),
            "list_voices(cloned)": lambda p: p.list_voices(kind="cloned"),
            "list_voices(filters)": lambda p: p.list_voices(language="English",
                                                            gender="female", style="x"),
            "list_models": lambda p: p.list_models(),
            "get_model": lambda p: p.get_model("vm_0001abcd"),
            "get_model(?)": lambda p, value: p.get_model(value),
            "delete_model": lambda p: p.delete_model("vm_0001abcd"),
            "get_voice": lambda p: p.get_voice("en-US-aria"),
            "get_voice(?)": lambda p, value: p.get_voice(value),
            "synthesize(mp3)": lambda p: p.synthesize("Hello", voice="en-US-aria",
                                                      format="mp3", speed=1, pitch=-2.5),
            "tts_payload(?)": lambda p, value: p.tts_payload("Hi", voice="en-US-aria",
                                                             speed=value),
            "job(clone)": lambda p: p.job("speechgen:clone:vm_0001abcd").wait(timeout=600),
        }

    return extend


def test_only_voicekit_errors_escape_speechgen_calls() -> None:
    report = fuzz_plugin(conformance.TestSpeechgenConformance, examples=150, seed=7,
                         stop_on_first=True, operations=speechgen_operations())
    assert report.ok, report.text()


def fuzz_operations(directory: Path) -> Callable[[dict[str, Operation]], dict[str, Operation]]:
    """The operations ``bench/fuzz_all.py speechgen`` fuzzes (``directory``: for files)."""
    return speechgen_operations()
