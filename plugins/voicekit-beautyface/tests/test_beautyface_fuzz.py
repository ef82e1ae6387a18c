"""Hostile Beautyface answers (fuzzed) on the calls the conformance suite does not make:
filtered and typed voice listings, voice lookups, submitted and resumed speeches, speech
fetches in another format, clone field checks and resumed clone jobs. Only VoicekitError
may escape; nothing may hang.

``python bench/fuzz_all.py beautyface`` runs the same operations with 10,000 examples.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import test_beautyface_conformance as conformance
from voicekit_core.testing.fuzz import Operation
from voicekit_core.testing.fuzz_plugin import fuzz_plugin

VOICE = "cl0123456789abcdef012345"


def beautyface_operations(ops: dict[str, Operation]) -> dict[str, Operation]:
    """The suite's operations ``ops`` plus Beautyface's own."""
    folder = Path(tempfile.mkdtemp(prefix="voicekit-fuzz-"))
    return {
        **ops,
        "synthesize(to=)": lambda p: p.synthesize("Hello", voice=VOICE,
                                                  to=folder / "speech.wav"),
        "list_voices(cloned)": lambda p: p.list_voices(kind="cloned", limit=5),
        "list_voices(filters)": lambda p: p.list_voices(
            language="en", status="COMPLETED", sort_by="popularity", sort_order="asc"),
        "find_voice": lambda p: p.find_voice(VOICE),
        "find_voice(?)": lambda p, value: p.find_voice(value),
        "submit_speech": lambda p: p.submit_speech("Hello", voice=VOICE).wait(timeout=60),
        "submit_speech(?)": lambda p, value: p.submit_speech(value, voice=VOICE),
        "get_speech": lambda p: p.get_speech(VOICE),
        "get_speech(?)": lambda p, value: p.get_speech(value),
        "fetch_speech": lambda p: p.fetch_speech(p.get_speech(VOICE), format="mp3"),
        "synthesize(mp3)": lambda p: p.synthesize("Hello", voice=VOICE, format="mp3"),
        "clone_fields(?)": lambda p, value: p.clone_fields(b"RIFF", name="x", tags=value),
        "job(speech)": lambda p: p.job(f"beautyface:speech:{VOICE}").wait(timeout=60),
        "job(clone)": lambda p: p.job(f"beautyface:clone:{VOICE}").wait(timeout=60),
        "estimate(?)": lambda p, value: p.estimate("synthesize", text=value),
    }


def test_only_voicekit_errors_escape_beautyface_calls() -> None:
    report = fuzz_plugin(conformance.TestBeautyfaceConformance, examples=150, seed=5,
                         stop_on_first=True, operations=beautyface_operations)
    assert report.ok, report.text()


def fuzz_operations(directory: Path) -> Callable[[dict[str, Operation]], dict[str, Operation]]:
    """The operations ``bench/fuzz_all.py beautyface`` fuzzes (``directory``: for files)."""
    return beautyface_operations
