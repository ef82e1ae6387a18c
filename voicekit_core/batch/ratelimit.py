"""Client-side rate limiting: a token bucket, kept in step with the vendor's headers.

Every HTTP request a batch makes to the vendor's API takes a slot. The bucket hands out
*times* rather than blocking: :meth:`RateLimiter.take` says how long
the caller must wait before its request, so one limiter can serve threads, or (behind a
Dask actor) workers on many machines, without holding anyone's thread.

It starts from the provider's documented limit (``Provider.rate_limit``: requests per
seconds), when it declares one; every response's ``X-RateLimit-Remaining`` /
``X-RateLimit-Reset`` then tells it how much of the vendor's window is left (counting the
requests still in flight), and a 429's ``Retry-After`` pauses it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

__all__ = ["WINDOW_MARGIN", "RateLimiter"]

#: seconds added to a vendor's reset time (rounded headers, clock skew)
WINDOW_MARGIN = 0.25


class RateLimiter:
    """``limit`` requests per ``per`` seconds, bursts of up to ``limit`` (None: unlimited
    until the vendor's headers say otherwise). ``now`` reads a monotonic clock."""

    def __init__(self, limit: int | None = None, per: float = 1.0, *,
                 now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._interval = 0.0
        self._burst = 0.0
        self._tat = -math.inf  # the bucket's "theoretical arrival time" (GCRA)
        self._paused_until = -math.inf
        self._window_left: int | None = None  # what the vendor's window still allows
        self._window_ends = -math.inf
        self._in_flight = 0
        if limit is not None:
            self.set_limit(limit, per)

    def set_limit(self, limit: int, per: float) -> None:
        """Allow ``limit`` requests per ``per`` seconds."""
        if limit < 1 or not per > 0:
            raise ValueError("a rate limit needs limit >= 1 and per > 0")
        with self._lock:
            self._interval = per / limit
            self._burst = (limit - 1) * self._interval

    @property
    def limited(self) -> bool:
        return self._interval > 0 or self._window_left is not None

    def take(self) -> float:
        """Take the next request slot; return the seconds to wait before sending it."""
        with self._lock:
            now = self._now()
            if self._window_left is not None and now >= self._window_ends:
                self._window_left = None  # that window is over: its budget is unknown now
            start = max(now, self._paused_until)
            if self._interval > 0:
                start = max(start, self._tat - self._burst)
            if self._window_left is not None and start < self._window_ends:
                if self._window_left >= 1:
                    self._window_left -= 1
                else:  # the vendor's window is used up: wait for its reset
                    start = self._window_ends + WINDOW_MARGIN
            if self._interval > 0:
                self._tat = max(self._tat, start) + self._interval
            self._in_flight += 1
            return max(0.0, start - now)

    def finished(self, count: int = 1) -> None:
        """``count`` requests taken with :meth:`take` got their answer (or failed)."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - count)

    def observe(self, *, remaining: int | None = None, reset_after: float | None = None,
                retry_after: float | None = None) -> None:
        """What the vendor's latest rate-limit headers (or 429) said."""
        with self._lock:
            now = self._now()
            if retry_after is not None and retry_after >= 0:
                self._paused_until = max(self._paused_until, now + retry_after)
            if remaining is None or reset_after is None or reset_after < 0:
                return
            # requests still in flight may not be counted in ``remaining`` yet
            left = max(0, remaining - self._in_flight)
            ends = now + reset_after
            if self._window_left is None or ends > self._window_ends + 0.5:
                self._window_left, self._window_ends = left, ends
            else:
                self._window_left = min(self._window_left, left)
