"""Client-side pacing of a vendor's documented request rate, shared per API key.

A vendor that allows, say, 5 requests a minute per key gets at most that from this process:
every provider (and every job) using the key waits its turn on its own clock (a
:class:`~voicekit_core.clock.ManualClock` in tests, so nothing really sleeps).
"""

from __future__ import annotations

import collections
import hashlib
import threading
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .clock import Clock

__all__ = ["Pace"]


class Pace:
    """At most ``limit`` requests in any ``per_seconds`` window, per key.

    ::

        CREATOR_PACE = Pace(5, 60.0)         # declared once, shared by every provider
        CREATOR_PACE.take(api_key, self.clock)  # before each paced request

    Keys are kept only as digests; windows are kept per clock (so tests on separate
    manual clocks never see each other's requests).
    """

    def __init__(self, limit: int, per_seconds: float) -> None:
        if limit < 1 or not per_seconds > 0:
            raise ValueError("a Pace needs limit >= 1 and per_seconds > 0")
        self.limit = limit
        self.per_seconds = float(per_seconds)
        self._lock = threading.Lock()
        self._windows: weakref.WeakKeyDictionary[object, dict[str, collections.deque[float]]]
        self._windows = weakref.WeakKeyDictionary()

    def take(self, key: str, clock: Clock) -> float:
        """Wait (on ``clock``) until a request with ``key`` may go, and count it; the
        seconds waited. Callers wait in turn (the lock is held while waiting)."""
        digest = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
        with self._lock:
            times = self._windows.setdefault(clock, {}).setdefault(digest, collections.deque())
            now = clock.now()
            waited = 0.0
            while len(times) >= self.limit:
                while times and times[0] <= now - self.per_seconds:
                    times.popleft()
                if len(times) < self.limit:
                    break
                delay = times[0] + self.per_seconds - now
                clock.sleep(delay)
                waited += delay
                now = clock.now()
            while times and times[0] <= now - self.per_seconds:
                times.popleft()
            times.append(now)
            return waited
