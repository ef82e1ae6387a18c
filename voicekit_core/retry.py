"""The retry policy, shared by HTTP and WebSocket, built on stamina.

What is retried:

* any request that provably never reached the server (connection refused, DNS, TLS
  before sending, connect timeout);
* idempotent requests (GET, HEAD, DELETE, PUT; and vendor POSTs a plugin marks as reads)
  on connection errors, timeouts, bodies that broke off (StreamInterrupted) and 5xx;
* any request answered 429 as a rate limit (the server refused it without processing it),
  after waiting for ``Retry-After`` / ``X-RateLimit-Reset``, capped.

What is not: a POST that may have reached the server (it may spend credits; its error says
``may_have_been_processed``), and a 429 that means insufficient credits.

Rate-limit waits go through the provider's clock (so tests drive them without sleeping);
other backoffs are stamina's jittered exponential ones (zero under
``stamina.set_testing(True)``).
"""

from __future__ import annotations

import email.utils
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

import attrs
import stamina

from .clock import Clock
from .errors import (
    ConnectionFailed,
    InsufficientCredits,
    RateLimited,
    ServerError,
    StreamInterrupted,
    Timeout,
    TransportError,
    VoicekitError,
)

__all__ = ["IDEMPOTENT_METHODS", "RateLimitInfo", "RetryPolicy", "parse_delay"]

T = TypeVar("T")

#: Longer waits than this (a year) are junk, not a rate-limit window: ignored.
MAX_DELAY = 366 * 24 * 3600.0

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "DELETE", "PUT", "OPTIONS"})


def parse_delay(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` or ``X-RateLimit-Reset`` value.

    Accepts seconds, a Unix time (values above 1e9) or an HTTP date. Negative, NaN,
    infinite, absurdly large (over a year) or unreadable values give None.
    """
    if not isinstance(value, str):
        return None
    value = value.strip()[:100]
    wall = time.time() if now is None else now
    try:
        number = float(value)
    except (ValueError, OverflowError):
        try:
            parsed = email.utils.parsedate_to_datetime(value)
            number = parsed.timestamp() - wall
        except (TypeError, ValueError, IndexError, OverflowError, OSError):
            return None
    else:
        if math.isnan(number) or math.isinf(number):
            return None
        if number > 1e12:  # milliseconds since the epoch
            number = number / 1000 - wall
        elif number > 1e9:  # a Unix time
            number = number - wall
    if math.isnan(number) or math.isinf(number) or number < 0 or number > MAX_DELAY:
        return None
    return number


@attrs.frozen
class RateLimitInfo:
    """The rate-limit headers of a response (each None when absent)."""

    limit: int | None = None
    remaining: int | None = None
    reset_after: float | None = None  # seconds until the window resets
    retry_after: float | None = None  # seconds, from Retry-After

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], *, now: float | None = None
                     ) -> RateLimitInfo:
        """Read the headers; ``now`` is the Unix time absolute values are measured from
        (default ``time.time()``; the provider passes its clock's)."""
        return cls(
            limit=_int(headers.get("X-RateLimit-Limit")),
            remaining=_int(headers.get("X-RateLimit-Remaining")),
            reset_after=parse_delay(headers.get("X-RateLimit-Reset"), now=now),
            retry_after=parse_delay(headers.get("Retry-After"), now=now),
        )

    @property
    def wait(self) -> float | None:
        """How long the server asks us to wait: Retry-After first, then the reset."""
        return self.retry_after if self.retry_after is not None else self.reset_after


def _int(value: str | None) -> int | None:
    """A whole count from a header; None when absent, unreadable, infinite, huge or negative."""
    if value is None:
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return int(number) if math.isfinite(number) and 0 <= number < 2**53 else None


class _StaminaLogFilter(logging.Filter):
    """Drops stamina's "retry_scheduled" records while voicekit's own retry loop runs on
    this thread (voicekit reports its retries at DEBUG and as ``retry`` events); stamina
    used elsewhere in the application logs as configured."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_OWN_RETRIES, "active", False)


_OWN_RETRIES = threading.local()
_STAMINA_FILTER = _StaminaLogFilter()
logging.getLogger("stamina").addFilter(_STAMINA_FILTER)


@attrs.frozen
class RetryPolicy:
    """When and how long to retry.

    Attributes:
        max_retries: attempts after the first.
        rate_limit_cap: the longest wait for a rate-limit reset, in seconds.
        wait_initial, wait_max: stamina's exponential backoff bounds for other failures.
    """

    max_retries: int = 4
    rate_limit_cap: float = 60.0
    wait_initial: float = 0.5
    wait_max: float = 10.0

    def should_retry(self, exc: BaseException, *, idempotent: bool) -> bool:
        """Whether ``exc`` may be retried for a request of this kind."""
        if isinstance(exc, InsufficientCredits):
            return False
        if isinstance(exc, RateLimited):
            return True
        if isinstance(exc, TransportError) and exc.never_sent \
                and not exc.may_have_been_processed:
            return True  # refused, DNS, connect timeout: it cannot have been processed
        if not idempotent:
            return False
        return isinstance(exc, (ConnectionFailed, Timeout, ServerError, StreamInterrupted))

    def rate_limit_wait(self, exc: RateLimited) -> float | None:
        """The capped wait a RateLimited asks for (None: use the exponential backoff)."""
        if exc.retry_after is None:
            return None
        return min(max(0.0, exc.retry_after), self.rate_limit_cap)

    def run(
        self,
        call: Callable[[], T],
        *,
        idempotent: bool,
        clock: Clock,
        on_retry: Callable[[int, BaseException, float | None], None] | None = None,
    ) -> T:
        """Run ``call``; retry it per this policy. The first attempt runs outside stamina
        (no overhead on the happy path); further ones run in ``stamina.retry_context``.
        """
        try:
            return call()
        except VoicekitError as exc:
            if self.max_retries <= 0 or not self.should_retry(exc, idempotent=idempotent):
                raise
            if not self._before_retry(exc, 1, clock, on_retry) and not stamina.is_testing():
                clock.sleep(self.wait_initial)  # stamina's loop does not wait before its first

        attempt_no = 1

        def hook(exc: Exception) -> bool | float:
            if attempt_no > self.max_retries or not self.should_retry(exc, idempotent=idempotent):
                return False
            waited = self._before_retry(exc, attempt_no, clock, on_retry)
            return 0.0 if waited else True

        outer = getattr(_OWN_RETRIES, "active", False)
        _OWN_RETRIES.active = True  # stamina logs each retry at WARNING: ours go to DEBUG
        try:
            for attempt in stamina.retry_context(
                on=hook,
                attempts=self.max_retries,
                timeout=None,
                wait_initial=self.wait_initial,
                wait_max=self.wait_max,
            ):
                attempt_no += 1
                with attempt:
                    return call()
        finally:
            _OWN_RETRIES.active = outer
        raise AssertionError("unreachable")  # pragma: no cover

    def _before_retry(
        self,
        exc: BaseException,
        attempt: int,
        clock: Clock,
        on_retry: Callable[[int, BaseException, float | None], None] | None,
    ) -> bool:
        """Report the retry and do the rate-limit wait on ``clock``; True if it waited."""
        delay = self.rate_limit_wait(exc) if isinstance(exc, RateLimited) else None
        if on_retry is not None:
            on_retry(attempt, exc, delay)
        if delay is not None:
            clock.sleep(delay)
            return True
        return False
