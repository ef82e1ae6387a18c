"""What a batch run reports: per-item results, progress, and the failures file."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import attrs

from ..audio import atomic_write

__all__ = ["BatchProgress", "BatchReport", "ItemResult"]


@attrs.frozen
class ItemResult:
    """How one item ended (or stands) after a run.

    ``status``: ``done``, ``skipped`` (done by an earlier run), ``failed``, ``running``
    (a vendor job still going: a re-run resumes it), ``pending`` (not started: the run was
    interrupted or reached the credit ceiling).
    """

    line: int
    key: str
    output: str
    status: str
    spent: float = 0.0
    error: str | None = None
    error_type: str | None = None
    charged: bool = False
    job_ref: str | None = None

    def as_dict(self) -> dict[str, object]:
        return attrs.asdict(self)


@attrs.frozen
class BatchProgress:
    """Where a run stands; given to ``on_progress`` after each change."""

    total: int
    done: int
    failed: int
    skipped: int
    in_flight: int
    spent: float
    estimate: float
    elapsed: float
    eta: float | None  # seconds left, from the pace so far (None until known)
    last: ItemResult | None = None


@attrs.frozen
class BatchReport:
    """The result of :func:`voicekit_core.batch.run`.

    Attributes:
        items: one :class:`ItemResult` per item, in input order.
        estimate: estimated credits of the items this run had to do (the dry-run figure).
        unknown_costs: how many of them have no local estimate.
        spent: credits spent by this run (from the providers' reports).
        spent_total: credits spent by every run of this batch (the state file's total).
        interrupted: the run was stopped (Ctrl-C) before it finished.
        dry_run: nothing was sent.
        state_file: the state file that makes a re-run resume.
    """

    items: Sequence[ItemResult]
    estimate: float
    unknown_costs: int
    spent: float
    spent_total: float
    unit: str = "credits"
    interrupted: bool = False
    dry_run: bool = False
    state_file: str | None = None

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)

    @property
    def done(self) -> int:
        return self.count("done") + self.count("skipped")

    @property
    def failed(self) -> list[ItemResult]:
        return [item for item in self.items if item.status == "failed"]

    @property
    def ok(self) -> bool:
        """Every item has its output."""
        return not self.dry_run and all(i.status in ("done", "skipped") for i in self.items)

    def write_failures(self, path: str | os.PathLike[str]) -> Path | None:
        """Write the items that did not succeed as JSON Lines; None when there are none."""
        rows = [item for item in self.items if item.status not in ("done", "skipped")]
        if not rows:
            return None
        lines = [json.dumps(item.as_dict(), ensure_ascii=False) + "\n" for item in rows]
        return atomic_write(path, [line.encode("utf-8") for line in lines])
