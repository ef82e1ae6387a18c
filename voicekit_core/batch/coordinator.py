"""What every worker of a batch shares: the credit ledger, the rate limiter and the cap
on calls in flight.

:class:`Coordinator` answers with plain values and never blocks, so the same object
serves threads directly and Dask workers as a Dask actor (see :mod:`.dask`). A call costs
two messages: :meth:`Coordinator.begin` (a reservation, a rate slot, a place under the
cap) and :meth:`Coordinator.end` (what the vendor's headers said, the credits spent).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .ledger import CreditLedger, LedgerView
from .ratelimit import RateLimiter

__all__ = ["BUSY_RETRY", "Coordinator"]

#: seconds a worker waits before asking again for a place under the cap
BUSY_RETRY = 0.01


class Coordinator:
    """The ledger (``max_credits``, what earlier runs ``spent``) and the rate limiter
    (``rate_limit``: requests per seconds, or None) of one batch."""

    def __init__(self, max_credits: float | None = None, spent: float = 0.0,
                 rate_limit: tuple[int, float] | None = None,
                 now: Callable[[], float] = time.monotonic,
                 max_calls: int | None = None) -> None:
        self.ledger = CreditLedger(max_credits, spent=spent)
        self.limiter = RateLimiter(*(rate_limit or (None,)), now=now)
        self.max_calls = max_calls
        self._calls = 0
        self._lock = threading.Lock()

    # -- credits -----------------------------------------------------------------------

    def reserve(self, estimate: float | None, exact: bool = True) -> float | None:
        return self.ledger.reserve(estimate, exact)

    def settle(self, reserved: float, spent: float, estimate: float | None = None) -> None:
        self.ledger.settle(reserved, spent, estimate)

    def view(self) -> LedgerView:
        return self.ledger.view()

    # -- one call, in two messages (each a round trip when this is a Dask actor) ----------

    def begin(self, estimate: float | None, exact: bool = True
              ) -> tuple[str, float | None, float]:
        """Start a call: ``("go", reserved, delay)`` (wait ``delay`` seconds, then send),
        ``("busy", None, retry)`` when ``max_calls`` are in flight (ask again after
        ``retry`` seconds), or ``("ceiling", None, 0)`` when the reservation does not fit.
        """
        with self._lock:
            if self.max_calls is not None and self._calls >= self.max_calls:
                return "busy", None, BUSY_RETRY
            reserved = self.ledger.reserve(estimate, exact)
            if reserved is None:
                return "ceiling", None, 0.0
            self._calls += 1
        return "go", reserved, self.limiter.take()

    def end(self, slots: int, remaining: int | None = None, reset_after: float | None = None,
            retry_after: float | None = None,
            settle: tuple[float, float, float | None] | None = None) -> None:
        """A call that took ``slots`` request slots is over: what the vendor's headers said,
        and (``settle``: reserved, spent, estimate) what it cost."""
        with self._lock:
            self._calls = max(0, self._calls - 1)
        self.limiter.finished(slots)
        self.limiter.observe(remaining=remaining, reset_after=reset_after,
                             retry_after=retry_after)
        if settle is not None:
            self.ledger.settle(*settle)

    # -- rate ----------------------------------------------------------------------------

    def take(self) -> float:
        return self.limiter.take()

    def finished(self, count: int = 1) -> None:
        self.limiter.finished(count)

    def observe(self, remaining: int | None = None, reset_after: float | None = None,
                retry_after: float | None = None) -> None:
        self.limiter.observe(remaining=remaining, reset_after=reset_after,
                             retry_after=retry_after)
