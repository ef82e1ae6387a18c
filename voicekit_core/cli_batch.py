"""``voicekit batch say|convert|dub|clone MANIFEST -p NAME -o DIR`` (imported only when run).

Exit codes: 0 every item succeeded (or ``--dry-run``), 1 some failed or were not started,
130 interrupted (the command to resume is printed).
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from .batch import BatchProgress, BatchReport, operation_named, read_manifest, run
from .errors import InvalidInput

__all__ = ["BatchBar", "cmd_batch", "resume_command"]

FAILURES_FILE = "failures.jsonl"


class BatchBar:
    """Items done / failed, credits spent and the ETA on stderr: a tqdm bar on a
    terminal (with ``voicekit-core[cli]``), else a plain line every 5% and on failures."""

    def __init__(self, total: int, unit: str = "credits", stream: TextIO | None = None
                 ) -> None:
        self.total = total
        self.unit = unit
        self.stream = stream or sys.stderr
        self._bar: Any = None
        self._step = max(1, total // 20)
        self._last_printed = -1
        self._failed = 0
        if _isatty(self.stream):
            try:
                from tqdm import tqdm
            except ImportError:
                return
            self._bar = tqdm(total=total, desc="batch", unit="item", file=self.stream)

    def update(self, progress: BatchProgress) -> None:
        finished = progress.done + progress.failed + progress.skipped
        text = (f"{progress.done + progress.skipped}/{progress.total} done, "
                f"{progress.failed} failed, {progress.spent:g} {self.unit}")
        if self._bar is not None:
            self._bar.update(finished - self._bar.n)
            self._bar.set_postfix_str(f"failed={progress.failed} "
                                      f"{self.unit}={progress.spent:g}")
            return
        new_failure = progress.failed != self._failed
        self._failed = progress.failed
        if (finished // self._step != self._last_printed // self._step or new_failure
                or finished == progress.total):
            self._last_printed = finished
            eta = "" if progress.eta is None else f", ETA {_duration(progress.eta)}"
            print(f"batch: {text}{eta}", file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def resume_command(args: argparse.Namespace) -> str:
    """The command line that runs this batch again (and so resumes it)."""
    words = ["voicekit", "batch", args.batch_operation, args.manifest, "-p", args.provider,
             "-o", args.output]
    if args.voice:
        words += ["--voice", args.voice]
    if args.workers != 4:
        words += ["--workers", str(args.workers)]
    if args.max_credits is not None:
        words += ["--max-credits", f"{args.max_credits:g}"]
    if args.scheduler:
        words += ["--scheduler", args.scheduler]
    if args.local_cluster:
        words += ["--local-cluster", str(args.local_cluster)]
    return shlex.join(words)


def cmd_batch(args: argparse.Namespace) -> int:
    operation = operation_named(args.batch_operation)
    if args.workers < 1:
        raise InvalidInput("--workers must be >= 1", field="workers", limit=">= 1")
    if args.scheduler and args.local_cluster:
        raise InvalidInput("give --scheduler or --local-cluster, not both", field="scheduler")
    items = read_manifest(args.manifest, operation, voice=args.voice)
    executor: Any = None
    close: Callable[[], None] | None = None
    if (args.scheduler or args.local_cluster) and not args.dry_run:
        from .batch.dask import executor_for

        executor, close = executor_for(args.scheduler, local_workers=args.local_cluster,
                                       threads_per_worker=max(1, args.workers))
    bar = None if args.dry_run else BatchBar(len(items))
    try:
        report = run(args.provider, operation.name, items, args.output, executor=executor,
                     workers=args.workers, max_credits=args.max_credits,
                     dry_run=args.dry_run, on_progress=None if bar is None else bar.update,
                     retry_uncertain=args.retry_uncertain)
    finally:
        if bar is not None:
            bar.close()
        if close is not None:
            close()
    return _conclude(report, args)


def _conclude(report: BatchReport, args: argparse.Namespace) -> int:
    err = sys.stderr
    todo = len(report.items) - report.done
    if report.dry_run:
        unknown = (f"; {report.unknown_costs} item(s) have no local estimate"
                   if report.unknown_costs else "")
        print(f"{todo} of {len(report.items)} item(s) to do, estimated at "
              f"{report.estimate:g} {report.unit}{unknown}")
        if report.done:
            print(f"{report.done} item(s) already done ({report.spent_total:g} {report.unit} "
                  "spent so far)")
        return 0
    failures = report.write_failures(Path(args.output) / FAILURES_FILE)
    print(f"batch: {report.count('done')} done, {report.count('skipped')} already done, "
          f"{len(report.failed)} failed, {report.count('running')} still running, "
          f"{report.count('pending')} not started; {report.spent:g} {report.unit} spent "
          f"({report.spent_total:g} in all runs)", file=err)
    if failures is not None:
        print(f"batch: the items that did not succeed are listed in {failures}", file=err)
    if report.interrupted:
        print("batch: interrupted; nothing more was submitted. Resume with:\n  "
              + resume_command(args), file=err)
        return 130
    if report.count("running") or report.count("pending"):
        print("batch: run the same command again to resume:\n  " + resume_command(args),
              file=err)
    return 0 if report.ok else 1


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds}s"
    return time.strftime("%H:%M:%S", time.gmtime(seconds))
