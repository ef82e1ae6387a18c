"""Rate-limit windows for emulators, on the emulator's clock.

Declare the vendor's limits on the emulator class; the harness counts every authorised API
request in its bucket and answers the one over the limit with the vendor's
``rate_limited`` error, 429, ``Retry-After`` and ``X-RateLimit-*`` headers::

    class AcmeEmulator(Emulator):
        rate_limits = {"read": RateLimit(10_000, 60), "write": RateLimit(500, 60)}

Time is the emulator's :class:`~voicekit_core.clock.ManualClock`, so a test moves past a
window with ``emulator.clock.advance(60)`` instead of sleeping.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

import attrs

__all__ = ["RateLimit", "RateWindow", "Throttled"]


@attrs.frozen
class RateLimit:
    """At most ``limit`` requests per window of ``per_seconds`` (a fixed window that opens
    with its first request)."""

    limit: int
    per_seconds: float

    def __attrs_post_init__(self) -> None:
        if self.limit < 1 or not self.per_seconds > 0 or math.isinf(self.per_seconds):
            raise ValueError("a RateLimit needs limit >= 1 and a finite per_seconds > 0")


class RateWindow:
    """The running count of one :class:`RateLimit`; thread-safe.

    A window opens with the first request after the previous one closed and closes
    ``per_seconds`` later (emulator-clock seconds), or at ``closes(opened_at)`` when given
    (a vendor whose windows end on a whole Unix second); a request within ``slack``
    seconds of the close already counts in the next window.
    """

    def __init__(self, rule: RateLimit, *, closes: Callable[[float], float] | None = None,
                 slack: float = 0.0) -> None:
        self.rule = rule
        self.reset_at: float | None = None  # emulator-clock time the open window closes
        self.used = 0
        self._closes = closes
        self._slack = slack
        self._lock = threading.Lock()

    def _current(self, now: float) -> tuple[float, int]:
        if self.reset_at is None or now >= self.reset_at - self._slack:
            closes = self._closes(now) if self._closes else now + self.rule.per_seconds
            return closes, 0
        return self.reset_at, self.used

    def hit(self, now: float) -> bool:
        """Count one request at ``now``; False (not counted) when the window is used up."""
        with self._lock:
            self.reset_at, self.used = self._current(now)
            if self.used >= self.rule.limit:
                return False
            self.used += 1
            return True

    def state(self, now: float) -> tuple[int, float]:
        """(requests remaining, emulator-clock time the window closes) as of ``now``."""
        with self._lock:
            reset_at, used = self._current(now)
            return max(0, self.rule.limit - used), reset_at


@attrs.frozen
class Throttled:
    """One request the harness answered 429: its bucket, when (emulator clock), when the
    window reopens (emulator clock) and the Unix time sent in ``X-RateLimit-Reset``."""

    bucket: str
    time: float
    reset_time: float
    reset_unix: int
    method: str = ""
    path: str = ""
