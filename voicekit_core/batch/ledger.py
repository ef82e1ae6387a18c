"""The batch's credit ledger: one ceiling for the whole run.

Before an item is submitted its estimated cost is *reserved*; when the item ends the
reservation is *settled* with what it really spent (from the provider's ``credits_spent``
events, or the estimate when the provider reports nothing). A reservation that would take
spent + reserved over the ceiling is refused, so concurrent workers together stay under it.

When estimates are not exact, the ledger reserves 10% more until an item has shown how
far off they are, then the largest spent / estimated ratio seen. The reservation is also
the item's own ``max_credits=``, so a provider that learns the real price before charging
(VoiceDub's ``requiredCredits``) refuses an item that would not fit.
"""

from __future__ import annotations

import math
import threading

import attrs

__all__ = ["UNCALIBRATED_MARGIN", "CreditLedger", "LedgerView"]

#: extra reserved for an inexact estimate before any item has settled
UNCALIBRATED_MARGIN = 0.10


@attrs.frozen
class LedgerView:
    """The ledger at one moment."""

    max_credits: float | None
    spent: float
    reserved: float
    ratio: float


class CreditLedger:
    """Thread-safe reservations against ``max_credits`` (None: no ceiling).

    ``spent`` starts at what earlier runs of the same batch already spent.
    """

    def __init__(self, max_credits: float | None, *, spent: float = 0.0) -> None:
        self.max_credits = max_credits
        self._spent = float(spent)
        self._reserved = 0.0
        self._ratio = 1.0
        self._samples = 0
        self._lock = threading.Lock()

    def reserve(self, estimate: float | None, exact: bool = True) -> float | None:
        """Reserve for an item estimated at ``estimate``; the amount reserved, or None when
        it does not fit under the ceiling (nothing reserved then)."""
        amount = 0.0 if estimate is None else float(estimate)
        with self._lock:
            if not exact:
                amount *= self._ratio if self._samples else max(
                    self._ratio, 1.0 + UNCALIBRATED_MARGIN)
            if self.max_credits is not None and \
                    self._spent + self._reserved + amount > self.max_credits + 1e-9:
                return None
            self._reserved += amount
            return amount

    def settle(self, reserved: float, spent: float, estimate: float | None = None) -> None:
        """End a reservation: ``spent`` credits were really used."""
        with self._lock:
            self._reserved = max(0.0, self._reserved - reserved)
            if math.isfinite(spent) and spent > 0:
                self._spent += spent
                if estimate and estimate > 0:
                    self._ratio = max(self._ratio, spent / estimate)
                    self._samples += 1

    def view(self) -> LedgerView:
        with self._lock:
            return LedgerView(self.max_credits, self._spent, self._reserved, self._ratio)
