"""How jobs are watched: the normalised states, a vendor's status words, the poll rule.

Re-exported by :mod:`voicekit_core.jobs`, where jobs themselves live.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from .errors import InvalidInput

__all__ = ["JobState", "PollPolicy", "StatusMap", "vendor_word"]


class JobState(enum.Enum):
    """A job's state, normalised across vendors (the vendor's own is ``Job.vendor_status``)."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def done(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.FAILED)

    @classmethod
    def from_vendor(cls, status: str | None, **extra: JobState) -> JobState:
        """Normalise a vendor's status word (any case). Words the common vocabulary does
        not know count as RUNNING, so a new vendor status never ends a wait early.

        ``extra`` maps further (lower-case) words, e.g. ``preprocessed=JobState.RUNNING``.
        """
        word = (status or "").strip().lower()
        return extra.get(word) or _VENDOR_WORDS.get(word, cls.RUNNING)


_VENDOR_WORDS: dict[str, JobState] = {
    **dict.fromkeys(("pending", "queued", "waiting", "created", "new", "submitted"),
                    JobState.PENDING),
    **dict.fromkeys(("completed", "complete", "succeeded", "success", "done", "ready",
                     "finished", "active"), JobState.SUCCEEDED),
    **dict.fromkeys(("failed", "failure", "error", "errored", "cancelled", "canceled",
                     "rejected"), JobState.FAILED),
}



def vendor_word(status: Any) -> str:
    """A vendor status as a case-folded word (enum members by their value)."""
    if isinstance(status, enum.Enum):
        status = status.value
    return "" if status is None else str(status).strip().casefold()


def _words(values: Iterable[str]) -> frozenset[str]:
    return frozenset(vendor_word(v) for v in values)


def _progress_table(values: Mapping[str, float | None]) -> Mapping[str, float | None]:
    return MappingProxyType({vendor_word(k): v for k, v in dict(values).items()})


@attrs.frozen
class StatusMap:
    """A vendor's status words, sorted into :class:`JobState`.

    Words are compared case-folded. Words not declared fall back to the common vocabulary
    (``done``, ``failed``, ``queued``...), and unknown words are RUNNING, so a new vendor
    status never ends a wait early. ``progress`` gives a fraction for a word.
    """

    pending: frozenset[str] = attrs.field(default=frozenset(), converter=_words)
    running: frozenset[str] = attrs.field(default=frozenset(), converter=_words)
    succeeded: frozenset[str] = attrs.field(default=frozenset(), converter=_words)
    failed: frozenset[str] = attrs.field(default=frozenset(), converter=_words)
    progress: Mapping[str, float | None] = attrs.field(factory=dict, converter=_progress_table)

    def state(self, status: Any) -> JobState:
        """The state of vendor word ``status`` (any type; never raises)."""
        word = vendor_word(status)
        for state, words in ((JobState.FAILED, self.failed),
                             (JobState.SUCCEEDED, self.succeeded),
                             (JobState.RUNNING, self.running),
                             (JobState.PENDING, self.pending)):
            if word in words:
                return state
        return _VENDOR_WORDS.get(word, JobState.RUNNING)

    def fraction(self, status: Any) -> float | None:
        """The declared progress for ``status`` (1.0 once succeeded), else None."""
        value = self.progress.get(vendor_word(status))
        if value is None and self.state(status) is JobState.SUCCEEDED:
            return 1.0
        return value


@attrs.frozen
class PollPolicy:
    """How often to ask the vendor about a job, from the vendor's documented rule.

    The first poll comes ``first_delay`` seconds after the job starts, later ones every
    ``interval`` seconds, growing by ``backoff`` each time up to ``max_interval``.
    """

    interval: float = 3.0
    first_delay: float | None = None
    max_interval: float | None = None
    backoff: float = 1.0

    def __attrs_post_init__(self) -> None:
        if self.interval <= 0 or self.backoff < 1:
            raise InvalidInput("PollPolicy needs interval > 0 and backoff >= 1",
                               field="poll_policy")

    def delays(self) -> Iterator[float]:
        """The waits between polls, endlessly (the first one after ``first_delay``)."""
        delay = self.interval
        cap = self.max_interval if self.max_interval is not None else self.interval
        while True:
            yield delay
            delay = min(max(cap, self.interval), delay * self.backoff)

    @property
    def initial(self) -> float:
        return self.interval if self.first_delay is None else self.first_delay
