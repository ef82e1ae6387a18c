"""Long-running vendor work (cloning, dubbing, twins, async speech) behind one ``Job`` API.

A provider starts the work and returns a :class:`Job`. ``job.wait()`` polls the vendor
following the provider's :class:`PollPolicy` for that kind of job, on the provider's clock
(injectable, so tests never sleep). ``job.to_ref()`` gives a string that resumes waiting in
another process: ``voicekit.connect(name).job(ref)``.
"""

from __future__ import annotations

import enum
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import attrs

from .errors import InvalidInput, JobFailed, JobTimeout

if TYPE_CHECKING:
    from .clock import Clock

__all__ = ["Job", "JobRef", "JobState", "JobUpdate", "PollPolicy"]

T = TypeVar("T")


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


_EMPTY: Mapping[str, Any] = MappingProxyType({})


@attrs.frozen
class JobUpdate(Generic[T]):
    """What one look at a job found. Providers return these from ``refresh_job``."""

    state: JobState
    vendor_status: str | None = None
    progress: float | None = None
    result: T | None = None
    error_code: str | None = None
    error_message: str | None = None
    raw: Mapping[str, Any] = attrs.field(default=_EMPTY, repr=False)
    context: Mapping[str, str] | None = None  # replaces the job's context when given


@attrs.frozen
class JobRef:
    """A job's address, printable as ``provider:kind:id[?key=value...]``."""

    provider: str
    kind: str
    id: str
    context: Mapping[str, str] = attrs.field(factory=dict)

    def __str__(self) -> str:
        ref = f"{self.provider}:{self.kind}:{urllib.parse.quote(self.id, safe='')}"
        if self.context:
            ref += "?" + urllib.parse.urlencode(sorted(self.context.items()))
        return ref

    @classmethod
    def parse(cls, ref: str | JobRef) -> JobRef:
        """Read a reference made by ``str(job_ref)``; raises InvalidInput if malformed."""
        if isinstance(ref, JobRef):
            return ref
        body, _, query = ref.partition("?")
        parts = body.split(":")
        if len(parts) != 3 or not all(parts):
            raise InvalidInput(f"not a job reference: {ref!r} (expected provider:kind:id)",
                               field="ref", limit="provider:kind:id")
        context = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        return cls(parts[0], parts[1], urllib.parse.unquote(parts[2]), context)


class JobHost(Protocol):
    """What a Job needs of its provider."""

    name: str
    clock: Clock

    def refresh_job(self, job: Job[Any]) -> JobUpdate[Any]: ...

    def poll_policy(self, kind: str) -> PollPolicy: ...

    def _emit(self, kind: str, **data: Any) -> None: ...


class Job(Generic[T]):
    """Vendor work in progress.

    Attributes:
        id: the vendor's id for the work.
        kind: what the work is (``"clone"``, ``"dub"``, ``"twin"``, ``"speech"``, ...).
        provider: the provider that polls it.
        state: normalised :class:`JobState`; ``vendor_status`` is the vendor's own word.
        progress: fraction done in [0, 1], when the vendor says.
        context: small string values the provider needs to carry on (kept in ``to_ref()``).
    """

    def __init__(
        self,
        provider: JobHost,
        kind: str,
        id: str,
        *,
        update: JobUpdate[T] | None = None,
        context: Mapping[str, str] | None = None,
    ) -> None:
        self.provider = provider
        self.kind = kind
        self.id = str(id)
        self.context: dict[str, str] = dict(context or {})
        self.state = JobState.PENDING
        self.vendor_status: str | None = None
        self.progress: float | None = None
        self.raw: Mapping[str, Any] = _EMPTY
        self._result: T | None = None
        self._error: tuple[str | None, str | None] = (None, None)
        self._started = provider.clock.now()
        self._polled = False
        if update is not None:
            self._apply(update)

    @property
    def done(self) -> bool:
        return self.state.done

    def _apply(self, update: JobUpdate[T]) -> None:
        self.state = update.state
        self.vendor_status = update.vendor_status
        self.progress = update.progress
        self.raw = update.raw
        if update.context is not None:
            self.context = dict(update.context)
        if update.state is JobState.SUCCEEDED:
            self._result = update.result
        self._error = (update.error_code, update.error_message)

    def refresh(self) -> Job[T]:
        """Ask the vendor once for the job's status; return self."""
        update: JobUpdate[T] = self.provider.refresh_job(self)
        self._polled = True
        self._apply(update)
        self.provider._emit("job_update", job=str(self.to_ref()), state=self.state.value,
                            vendor_status=self.vendor_status, progress=self.progress)
        return self

    def result(self) -> T:
        """The finished result; raises JobFailed if the job failed, InvalidInput if pending."""
        if self.state is JobState.FAILED:
            code, message = self._error
            raise JobFailed(
                message or f"{self.kind} job {self.id} failed (status {self.vendor_status})",
                job_id=self.id, vendor_status=self.vendor_status,
                provider=self.provider.name, code=code,
            )
        if self.state is not JobState.SUCCEEDED:
            raise InvalidInput(f"{self.kind} job {self.id} is not finished; call wait()",
                               field="job")
        return self._result  # type: ignore[return-value]

    def wait(
        self,
        timeout: float | None = None,
        on_update: Callable[[Job[T]], None] | None = None,
    ) -> T:
        """Poll until the job ends and return its result.

        Args:
            timeout: seconds to wait at most (None: no limit). The job keeps running at the
                vendor when this expires.
            on_update: called with the job after every poll (progress bars, logs).

        Raises:
            JobFailed: the vendor reports failure (with its code and message).
            JobTimeout: ``timeout`` expired (carries the last status and the ref).
        """
        clock = self.provider.clock
        policy = self.provider.poll_policy(self.kind)
        deadline = None if timeout is None else clock.now() + timeout
        delays = policy.delays()
        first = not self._polled
        while not self.done:
            if first:
                delay = max(0.0, self._started + policy.initial - clock.now())
                first = False
            else:
                delay = next(delays)
            if deadline is not None:
                remaining = deadline - clock.now()
                if remaining <= 0 or delay > remaining:
                    clock.sleep(max(0.0, remaining))
                    raise JobTimeout(
                        f"{self.kind} job {self.id} still {self.vendor_status or self.state.value}"
                        f" after {timeout:g} s; it goes on at the vendor: resume with "
                        f"`voicekit jobs wait {self.to_ref()}`",
                        job_id=self.id, last_status=self.vendor_status,
                        ref=str(self.to_ref()), provider=self.provider.name,
                    )
            clock.sleep(delay)
            self.refresh()
            if on_update is not None:
                on_update(self)
        return self.result()

    def to_ref(self) -> JobRef:
        """A reference that resumes this job elsewhere: ``connect(p).job(str(ref))``."""
        return JobRef(self.provider.name, self.kind, self.id, dict(self.context))

    def __repr__(self) -> str:
        progress = "" if self.progress is None else f" {self.progress:.0%}"
        return (f"<Job {self.provider.name}:{self.kind}:{self.id} {self.state.value}"
                f" ({self.vendor_status}){progress}>")
