"""What every worker of a batch shares: the credit ledger and the rate limiter.

:class:`Coordinator` answers with plain values and never blocks, so the same object
serves threads directly and Dask workers as a Dask actor (see :mod:`.dask`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .ledger import CreditLedger, LedgerView
from .ratelimit import RateLimiter

__all__ = ["Coordinator"]


class Coordinator:
    """The ledger (``max_credits``, what earlier runs ``spent``) and the rate limiter
    (``rate_limit``: requests per seconds, or None) of one batch."""

    def __init__(self, max_credits: float | None = None, spent: float = 0.0,
                 rate_limit: tuple[int, float] | None = None,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.ledger = CreditLedger(max_credits, spent=spent)
        self.limiter = RateLimiter(*(rate_limit or (None,)), now=now)

    # -- credits -----------------------------------------------------------------------

    def reserve(self, estimate: float | None, exact: bool = True) -> float | None:
        return self.ledger.reserve(estimate, exact)

    def settle(self, reserved: float, spent: float, estimate: float | None = None) -> None:
        self.ledger.settle(reserved, spent, estimate)

    def view(self) -> LedgerView:
        return self.ledger.view()

    # -- rate ----------------------------------------------------------------------------

    def take(self) -> float:
        return self.limiter.take()

    def finished(self, count: int = 1) -> None:
        self.limiter.finished(count)

    def observe(self, remaining: int | None = None, reset_after: float | None = None,
                retry_after: float | None = None) -> None:
        self.limiter.observe(remaining=remaining, reset_after=reset_after,
                             retry_after=retry_after)
