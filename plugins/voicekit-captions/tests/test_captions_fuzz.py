"""Hostile Captions answers (fuzzed) on the calls the conformance suite does not make:
languages, script, creators, video submit and polls, deletes, resumed jobs. Only
VoicekitError may escape; nothing may hang. ``bench/fuzz_all.py captions`` runs the suite's
calls with 10,000 examples.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import test_captions_conformance as conformance
from voicekit_core.testing.fuzz import Operation
from voicekit_core.testing.fuzz_plugin import fuzz_plugin


def captions_operations(ops: dict[str, Operation]) -> dict[str, Operation]:
    """The suite's operations plus Captions' own."""
    return {
        **ops,
        "supported_languages": lambda p: p.supported_languages(),
        "twin_script": lambda p: p.twin_script("English"),
        "twin_script(?)": lambda p, value: p.twin_script(value),
        "list_twins": lambda p: p.list_twins(),
        "list_creators": lambda p: p.list_creators(),
        "delete_twin": lambda p: p.delete_twin("twin-1-sam"),
        "delete_twin(?)": lambda p, value: p.delete_twin(value),
        "generate_video": lambda p: p.generate_video(script="Hi there.", consent=True,
                                                     twin="Kate").refresh(),
        "generate_video(?)": lambda p, value: p.generate_video(script=value, consent=True,
                                                               twin="Kate"),
        "job(video)": lambda p: p.job("captions:video:op-1").wait(timeout=60),
        "job(twin)": lambda p: p.job("captions:twin:op-1?name=sam").wait(timeout=60),
    }


OPERATIONS: Callable[[dict[str, Operation]], dict[str, Operation]] = captions_operations


def test_only_voicekit_errors_escape_captions_calls() -> None:
    report = fuzz_plugin(conformance.TestCaptionsConformance, examples=150, seed=7,
                         stop_on_first=True, operations=OPERATIONS)
    assert report.ok, report.text()


def fuzz_operations(directory: Path) -> Callable[[dict[str, Operation]], dict[str, Operation]]:
    """The operations ``bench/fuzz_all.py captions`` fuzzes (``directory``: for files)."""
    return captions_operations
