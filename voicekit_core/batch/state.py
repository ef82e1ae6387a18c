"""The batch's state file: one SQLite database beside the outputs.

One row per item key records where the item is: ``starting`` (handed to a worker; it may
have reached the vendor), ``running`` (a vendor job, with its reference), ``done`` (the
output is written) or ``failed`` (with the error, and whether it may have been charged).
Re-running a batch reads it back: done items are skipped, running jobs are resumed by
reference, and nothing that may have been paid for is submitted again unless asked.

Only the process that runs the batch writes the file (workers report back to it).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

__all__ = ["STATE_FILE", "BatchState", "ItemRecord"]

STATE_FILE = ".voicekit-batch.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    key TEXT PRIMARY KEY,
    line INTEGER NOT NULL,
    output TEXT NOT NULL,
    status TEXT NOT NULL,
    job_ref TEXT,
    reserved REAL NOT NULL DEFAULT 0,
    spent REAL NOT NULL DEFAULT 0,
    charged INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    error_type TEXT,
    result TEXT,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS run (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@attrs.frozen
class ItemRecord:
    """What the state file knows of one item."""

    key: str
    line: int
    output: str
    status: str
    job_ref: str | None = None
    reserved: float = 0.0
    spent: float = 0.0
    charged: bool = False
    error: str | None = None
    error_type: str | None = None
    result: str | None = None


class BatchState:
    """The SQLite state file of one output folder. Thread-safe (one connection, a lock)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False,
                                   isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    @classmethod
    def in_folder(cls, folder: str | Path) -> BatchState:
        """The state file of output folder ``folder`` (created with it)."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        return cls(out / STATE_FILE)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> BatchState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------

    def get(self, key: str) -> ItemRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT key, line, output, status, job_ref, reserved, spent, charged, "
                "error, error_type, result FROM items WHERE key = ?", (key,)).fetchone()
        return None if row is None else _record(row)

    def records(self) -> Iterator[ItemRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT key, line, output, status, job_ref, reserved, spent, charged, "
                "error, error_type, result FROM items ORDER BY line").fetchall()
        return (_record(row) for row in rows)

    def spent(self) -> float:
        """Credits recorded as spent by every item so far (all runs)."""
        with self._lock:
            (total,) = self._db.execute("SELECT COALESCE(SUM(spent), 0) FROM items").fetchone()
        return float(total)

    def setting(self, name: str) -> Any:
        with self._lock:
            row = self._db.execute("SELECT value FROM run WHERE name = ?", (name,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_setting(self, name: str, value: Any) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO run (name, value) VALUES (?, ?)",
                             (name, json.dumps(value)))

    # -- writing ---------------------------------------------------------------------------

    def starting(self, key: str, line: int, output: str, reserved: float) -> None:
        """Record that the item is being handed to a worker (before it is)."""
        self._write(key, line, output, "starting", reserved=reserved, charged=True)

    def running(self, key: str, job_ref: str, spent: float) -> None:
        self._update(key, status="running", job_ref=job_ref, spent=spent)

    def done(self, key: str, output: str, spent: float, result: str | None = None) -> None:
        self._update(key, status="done", output=output, spent=spent, reserved=0.0,
                     result=result, error=None, error_type=None)

    def failed(self, key: str, line: int, output: str, error: BaseException, *,
               spent: float, charged: bool) -> None:
        if self.get(key) is None:
            self._write(key, line, output, "failed", reserved=0.0, charged=charged)
        self._update(key, status="failed", spent=spent, reserved=0.0, charged=int(charged),
                     error=str(error), error_type=type(error).__name__)

    def forget(self, key: str) -> None:
        """Drop the item's record (it will be submitted again)."""
        with self._lock:
            self._db.execute("DELETE FROM items WHERE key = ?", (key,))

    def _write(self, key: str, line: int, output: str, status: str, *, reserved: float,
               charged: bool) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO items (key, line, output, status, reserved, charged, "
                "updated) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, line, output, status, reserved, int(charged), time.time()))

    def _update(self, key: str, **values: Any) -> None:
        names = sorted(values)
        assignments = ", ".join(f"{n} = ?" for n in names)
        with self._lock:
            self._db.execute(f"UPDATE items SET {assignments}, updated = ? WHERE key = ?",
                             (*[values[n] for n in names], time.time(), key))


def _record(row: tuple[Any, ...]) -> ItemRecord:
    (key, line, output, status, job_ref, reserved, spent, charged, error, error_type,
     result) = row
    return ItemRecord(key=key, line=line, output=output, status=status, job_ref=job_ref,
                      reserved=reserved, spent=spent, charged=bool(charged), error=error,
                      error_type=error_type, result=result)
