"""Output helpers of the ``voicekit`` CLI: tables, JSON, progress (tqdm, or plain lines)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

__all__ = ["Progress", "amount", "describe", "print_json", "print_table"]


def print_table(rows: Sequence[Sequence[str]], headers: Sequence[str],
                out: TextIO | None = None) -> None:
    """Print ``rows`` as aligned columns under ``headers``."""
    out = out or sys.stdout
    table = [list(headers), *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    for row in table:
        line = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row))
        print(line.rstrip(), file=out)


def amount(value: float) -> str:
    """A credit amount as people read it: whole numbers without a fraction or exponent
    (``1234567``, not ``1.23457e+06``), others to at most 4 decimals (``12.5``)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def print_json(value: Any) -> None:
    """Print ``value`` as indented JSON on stdout."""
    print(json.dumps(value, indent=2, default=str, ensure_ascii=False))


def describe(value: Any) -> Any:
    """A JSON-able view of a voicekit result (attrs model), without ``raw`` payloads or bytes."""
    import attrs  # only when there is something to describe (not for `voicekit providers`)

    if attrs.has(type(value)):
        out: dict[str, Any] = {}
        for field in attrs.fields(type(value)):
            name = field.name.lstrip("_")
            if name in ("raw", "fetch", "data", "metadata"):
                continue
            out[name] = describe(getattr(value, field.name))
        return out
    if isinstance(value, Mapping):
        return {str(k): describe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [describe(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()  # ISO 8601 ("2026-12-03T13:09:28+00:00"), for scripts
    return str(value)


class Progress:
    """Progress of a transfer or a job on stderr.

    A tqdm bar when tqdm is installed (``voicekit-core[cli]``) and stderr is a terminal;
    otherwise plain lines, one per noticeable change, so logs and tests can read them.
    """

    def __init__(self, label: str, *, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self._bar: Any = None
        self._last: tuple[Any, ...] | None = None
        self._tqdm: Any = None
        if _isatty(self.stream):
            try:
                from tqdm import tqdm
            except ImportError:
                tqdm = None
            self._tqdm = tqdm

    # -- transfers: on_progress(done, total) -------------------------------------------

    def bytes(self, done: int, total: int | None) -> None:
        """Callback for uploads and downloads."""
        if self._tqdm is not None:
            if self._bar is None:
                self._bar = self._tqdm(total=total, unit="B", unit_scale=True,
                                       unit_divisor=1024, desc=self.label, file=self.stream,
                                       leave=False)
            self._bar.update(done - self._bar.n)
            return
        if total:
            step = min(100, int(done * 100 / total)) // 25 * 25
            key: tuple[Any, ...] = ("pct", step)
            text = f"{self.label}: {step}% of {_size(total)}"
        else:
            key = ("mb", done // (16 << 20))
            text = f"{self.label}: {_size(done)}"
        if key != self._last:
            self._last = key
            print(text, file=self.stream, flush=True)

    # -- jobs: on_update(job) ----------------------------------------------------------

    def job(self, job: Any) -> None:
        """Callback for ``Job.wait(on_update=...)``."""
        status = job.vendor_status or job.state.value
        progress = job.progress
        if self._tqdm is not None:
            if self._bar is None:
                self._bar = self._tqdm(total=100, desc=self.label, file=self.stream,
                                       leave=False, bar_format="{desc}: {percentage:3.0f}%|"
                                       "{bar}| {elapsed}")
            self._bar.set_description_str(f"{self.label} {status}", refresh=False)
            if progress is not None:
                self._bar.update(int(progress * 100) - self._bar.n)
            self._bar.refresh()
            return
        key = (job.state, status, None if progress is None else round(progress, 2))
        if key != self._last:
            self._last = key
            pct = "" if progress is None else f" {progress:.0%}"
            print(f"{self.label}: {status}{pct}", file=self.stream, flush=True)

    def waiting(self, seconds: float, status: str = "queued") -> None:
        """Say when the first look at a job will be, when that is a while away (a vendor
        whose first poll comes after 30 s would otherwise show a bar stuck at 0%)."""
        if seconds < 2:
            return
        import time

        until = time.strftime("%H:%M:%S", time.localtime(time.time() + seconds))
        text = f"{status}; waiting until {until} (the vendor's first-look delay)"
        if self._tqdm is not None:
            if self._bar is None:
                self._bar = self._tqdm(total=100, desc=self.label, file=self.stream,
                                       leave=False, bar_format="{desc}: {percentage:3.0f}%|"
                                       "{bar}| {elapsed}")
            self._bar.set_description_str(f"{self.label} {text}")
            return
        self._last = ("waiting", until)
        print(f"{self.label}: {text}", file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"
