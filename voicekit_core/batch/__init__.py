"""Batches: one operation over many items, resumable, under one credit ceiling.

>>> import voicekit_core as vk
>>> items = [vk.batch.BatchItem("Chapter one.", voice="v1", output="ch1.wav")]
>>> report = vk.batch.run("gemelo", "synthesize", items, "out/")  # doctest: +SKIP

or from a manifest file: ``vk.batch.run(p, "say", vk.batch.read_manifest("lines.csv",
vk.batch.operation_named("say")), "out/")``, or ``voicekit batch say lines.csv -p NAME -o
out/``. See docs/batch.md.
"""

from __future__ import annotations

from .items import OPERATIONS, BatchItem, Operation, item_key, operation_named
from .manifest import read_manifest
from .report import BatchProgress, BatchReport, ItemResult
from .runner import run
from .state import STATE_FILE, BatchState

__all__ = [
    "OPERATIONS",
    "STATE_FILE",
    "BatchItem",
    "BatchProgress",
    "BatchReport",
    "BatchState",
    "ItemResult",
    "Operation",
    "item_key",
    "operation_named",
    "read_manifest",
    "run",
]
