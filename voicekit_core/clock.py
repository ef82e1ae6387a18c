"""Time, made injectable: job polling and rate-limit waits go through a :class:`Clock`."""

from __future__ import annotations

import threading
import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "SystemClock", "wall_time"]


@runtime_checkable
class Clock(Protocol):
    """What voicekit needs of time: a monotonic reading and a way to wait."""

    def now(self) -> float:
        """Seconds on a monotonic scale."""

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (or make them pass)."""


class SystemClock:
    """The real clock: ``time.monotonic`` and ``time.sleep``."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def wall(self) -> float:
        """The Unix time (``time.time()``)."""
        return time.time()

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that only moves when told to; ``sleep`` advances it at once.

    Emulators and tests share one so that a job that "takes 30 s" finishes instantly and
    deterministically. Thread-safe.
    """

    def __init__(self, start: float = 1_000_000.0, *, wall_start: float | None = None) -> None:
        self._now = start
        self._lock = threading.Lock()
        # the Unix time that ``start`` stands for (default: the real time at creation)
        self._wall_offset = (time.time() if wall_start is None else wall_start) - start

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def wall(self) -> float:
        """The Unix time on this clock: the wall time at creation plus the time advanced."""
        return self.now() + self._wall_offset

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (negative values are ignored)."""
        if seconds > 0:
            with self._lock:
                self._now += seconds

    def __repr__(self) -> str:
        return f"ManualClock(now={self.now():.3f})"


def wall_time(clock: Clock | None = None) -> float:
    """The Unix time according to ``clock`` (its ``wall()``; ``time.time()`` if it has none).

    Servers state some instants as Unix times (``X-RateLimit-Reset``); reading them against
    the clock that also does the waiting keeps a :class:`ManualClock` run consistent.
    """
    wall = getattr(clock, "wall", None)
    return float(wall()) if callable(wall) else time.time()


SYSTEM_CLOCK = SystemClock()
