"""Clock-driven status machines for emulated vendor jobs.

A vendor job moves through statuses over time (``queued`` -> ``processing`` -> ``done``).
:class:`TimedStatus` states that once; the emulator asks it for the status *now* on its
:class:`~voicekit_core.clock.ManualClock`, so tests advance the clock instead of sleeping::

    job = TimedStatus([("queued", 1.0), ("processing", 5.0)], final="done", start=now)
    job.status(now + 0.5)   # "queued"
    job.status(now + 3.0)   # "processing"
    job.status(now + 6.0)   # "done"
    job.progress(now + 3.5) # 0.5 (of the whole run)

With ``fail="error"`` the job ends in ``"error"`` instead of ``final`` (``error`` holds the
vendor's message for it).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

__all__ = ["TimedStatus"]


def _stages(value: Sequence[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
    stages = tuple((str(name), float(seconds)) for name, seconds in value)
    if any(not seconds >= 0 for _, seconds in stages):
        raise ValueError("stage durations must be >= 0")
    return stages


@attrs.define
class TimedStatus:
    """A job's status as a function of emulator time.

    Args:
        stages: ``(status, seconds)`` in order; a stage of 0 seconds is skipped.
        final: the status once every stage is over (success).
        fail: when set, the job ends in this status instead of ``final``.
        start: the emulator-clock time the first stage begins.
        error: the vendor's failure message (kept for the emulator's answers).
    """

    stages: tuple[tuple[str, float], ...] = attrs.field(converter=_stages)
    final: str
    fail: str | None = None
    start: float = 0.0
    error: str | None = None
    _settled: bool = attrs.field(default=False, init=False, repr=False)

    @classmethod
    def spread(cls, marks: Sequence[tuple[str, float]], seconds: float, *, final: str,
               fail: str | None = None, start: float = 0.0,
               error: str | None = None) -> TimedStatus:
        """Stages given as ``(status, fraction of seconds at which it begins)``, the way
        vendors describe progress (``[("queued", 0.0), ("processing", 0.2)]``)."""
        bounds = [*(fraction for _, fraction in marks[1:]), 1.0]
        stages = [(name, max(0.0, (end - begin) * seconds))
                  for (name, begin), end in zip(marks, bounds, strict=True)]
        return cls(stages, final=final, fail=fail, start=start, error=error)

    @property
    def duration(self) -> float:
        """Seconds from ``start`` to the end."""
        return sum(seconds for _, seconds in self.stages)

    @property
    def ends_at(self) -> float:
        """Emulator-clock time the job ends."""
        return self.start + self.duration

    @property
    def outcome(self) -> str:
        """The status the job ends in."""
        return self.fail if self.fail is not None else self.final

    def done(self, now: float) -> bool:
        """Whether the job has ended at ``now``."""
        return now >= self.ends_at

    def failed(self, now: float) -> bool:
        """Whether the job has ended failed at ``now``."""
        return self.fail is not None and self.done(now)

    def status(self, now: float) -> str:
        """The vendor status at ``now`` (the first stage before ``start``)."""
        elapsed = now - self.start
        for name, seconds in self.stages:
            if seconds > 0 and elapsed < seconds:
                return name
            elapsed -= seconds
        return self.outcome

    def stage_started(self, now: float) -> float:
        """Emulator-clock time the current stage began (``ends_at`` once done)."""
        at = self.start
        for _, seconds in self.stages:
            if seconds > 0 and now < at + seconds:
                return at
            at += seconds
        return self.ends_at

    def progress(self, now: float) -> float:
        """Fraction of the whole run done at ``now``, 0.0 to 1.0."""
        if self.duration <= 0:
            return 1.0
        return min(1.0, max(0.0, (now - self.start) / self.duration))

    def settle(self, now: float) -> bool:
        """True once: the first time it is asked after the job ended (publish the result,
        charge credits... exactly once)."""
        if self._settled or not self.done(now):
            return False
        self._settled = True
        return True
