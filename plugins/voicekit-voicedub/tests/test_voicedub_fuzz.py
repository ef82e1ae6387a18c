"""Hostile VoiceDub answers (fuzzed) on the calls the conformance suite does not make:
catalogue filters, trained voices by id, the dub and training steps one by one, resumed
dub and training jobs, estimates of a stored dub. Only VoicekitError may escape; nothing
may hang.

``python bench/fuzz_all.py voicedub`` runs the same operations with 10,000 examples.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import test_voicedub_conformance as conformance

from voicekit_core.testing.fuzz import Operation
from voicekit_core.testing.fuzz_plugin import fuzz_plugin

ID = "0b7e6a4c-3f2d-4e1a-9c8b-5d6e7f8a9b0c"


def voicedub_operations(ops: dict[str, Operation]) -> dict[str, Operation]:
    """The suite's operations ``ops`` plus VoiceDub's own."""
    return {
        **ops,
        "list_voices(cloned)": lambda p: p.list_voices(kind="cloned", ids=[ID]),
        "list_voices(filters)": lambda p: p.list_voices(
            search="Echo", genres=["pop"], languages=["english"], styles=["singing"],
            limit=8),
        "list_voices(ids=?)": lambda p, value: p.list_voices(kind="cloned", ids=value),
        "get_dub": lambda p: p.get_dub(ID),
        "get_dub(?)": lambda p, value: p.get_dub(value),
        "get_voice": lambda p: p.get_voice(ID),
        "get_voice(?)": lambda p, value: p.get_voice(value),
        "preprocess_dub": lambda p: p.preprocess_dub(ID),
        "generate_dub": lambda p: p.generate_dub(ID, max_credits=100),
        "generate_dub(max_credits=?)": lambda p, value: p.generate_dub(ID,
                                                                       max_credits=value),
        "train_voice": lambda p: p.train_voice(ID),
        "job(dub)": lambda p: p.job(f"voicedub:dub:{ID}").wait(timeout=600),
        "job(clone)": lambda p: p.job(f"voicedub:clone:{ID}").wait(timeout=600),
        "estimate(dub_id)": lambda p: p.estimate("dub", dub_id=ID),
        "estimate(seconds=?)": lambda p, value: p.estimate("dub", seconds=value),
    }


def test_only_voicekit_errors_escape_voicedub_calls() -> None:
    report = fuzz_plugin(conformance.TestVoiceDubConformance, examples=150, seed=9,
                         stop_on_first=True, operations=voicedub_operations)
    assert report.ok, report.text()


def fuzz_operations(directory: Path) -> Callable[[dict[str, Operation]], dict[str, Operation]]:
    """The operations ``bench/fuzz_all.py voicedub`` fuzzes (``directory``: for files)."""
    return voicedub_operations
