"""Long-running vendor work (cloning, dubbing, twins, async speech) behind one ``Job`` API.

A provider starts the work and returns a :class:`Job`. ``job.wait()`` polls the vendor
following the provider's :class:`PollPolicy` for that kind of job, on the provider's clock
(injectable, so tests never sleep). ``job.to_ref()`` gives a string that resumes waiting in
another process: ``voicekit.connect(name).job(ref)``.
"""

from __future__ import annotations

import enum
import math
import shlex
import urllib.parse
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import attrs

from .callbacks import notify
from .errors import BadResponse, CreditLimitExceeded, InvalidInput, JobFailed, JobTimeout
from .polling import JobState, PollPolicy, StatusMap

if TYPE_CHECKING:
    from .clock import Clock

__all__ = ["Job", "JobKind", "JobRef", "JobState", "JobUpdate", "PollPolicy", "StatusMap",
           "WaitInterrupted"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

#: The context key that carries a job's ``max_credits`` (kept in its reference).
BUDGET_KEY = "max_credits"


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


class WaitInterrupted(KeyboardInterrupt):
    """Ctrl-C while :meth:`Job.wait` polled: waiting stopped, the job goes on at the vendor.

    ``ref`` resumes it (``connect(p).job(ref)``, ``ref.command()`` on the command line).
    """

    def __init__(self, ref: JobRef) -> None:
        super().__init__(f"stopped waiting for {ref}; resume with {ref.command()}")
        self.ref = ref


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

    def command(self, output: str | None = None) -> str:
        """The shell command that resumes the job (quoted: a ref holds ``?`` and ``&``),
        saving to ``output`` when the interrupted command had ``-o``."""
        line = f"voicekit jobs wait {shlex.quote(str(self))}"
        return line + (f" -o {shlex.quote(str(output))}" if output is not None else "")

    @classmethod
    def parse(cls, ref: str | JobRef) -> JobRef:
        """Read a reference made by ``str(job_ref)``; raises InvalidInput if malformed."""
        if isinstance(ref, JobRef):
            return ref
        if not isinstance(ref, str):
            raise InvalidInput(f"a job reference is a string, got {type(ref).__name__}",
                               field="ref", limit="provider:kind:id")
        body, _, query = ref.strip().partition("?")
        parts = body.split(":")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise InvalidInput(f"not a job reference: {ref[:200]!r} (expected provider:kind:id)",
                               field="ref", limit="provider:kind:id")
        context = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        if BUDGET_KEY in context:
            _budget(context[BUDGET_KEY])
        return cls(parts[0], parts[1], urllib.parse.unquote(parts[2]), context)


def _budget(text: str | None) -> float | None:
    """A job's ``max_credits`` from its context (None: no limit); InvalidInput if garbled."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise InvalidInput(f"the job reference's max_credits={text[:40]!r} is not a number "
                           ">= 0", field="max_credits", limit="a finite number >= 0")
    return value


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
        """Whether the job has ended (succeeded or failed): no more polling."""
        return self.state.done

    @property
    def budget(self) -> float | None:
        """The caller's ``max_credits`` for this job (None: no limit); kept in the ref."""
        return _budget(self.context.get(BUDGET_KEY))

    def check_price(self, need: float, *, what: str) -> None:
        """Refuse to go on when the vendor's price ``need`` is over the job's budget.

        For prices learnt from the vendor while the job runs (VoiceDub's dub price after
        preprocessing). Without a budget this does nothing.

        Raises:
            CreditLimitExceeded: ``need`` exceeds the budget (the step was not sent).
            BadResponse: a budget is set and the vendor's price is not a number >= 0.
        """
        budget = self.budget
        if budget is None:
            return
        name = self.provider.name
        if (isinstance(need, bool) or not isinstance(need, (int, float))
                or not math.isfinite(need) or need < 0):
            raise BadResponse(f"{name} gave no usable price for {what} ({need!r}), so "
                              f"max_credits={budget:g} cannot be checked; nothing more was "
                              f"sent (resume with {self.to_ref()} after raising the limit)",
                              provider=name)
        if need > budget:
            raise CreditLimitExceeded(
                f"{what} would spend {need:g} credits, over max_credits={budget:g}; the step "
                f"was not sent, so nothing was charged for it (the job waits: to spend that, "
                f"finish it with `{self._unlimited_ref().command()}`)",
                max_credits=budget, need=float(need), provider=name)

    def _unlimited_ref(self) -> JobRef:
        """This job's reference without its budget (resuming it accepts the vendor's price)."""
        context = {k: v for k, v in self.context.items() if k != BUDGET_KEY}
        return JobRef(self.provider.name, self.kind, self.id, context)

    def _apply(self, update: JobUpdate[T]) -> None:
        self.state = update.state
        self.vendor_status = update.vendor_status
        self.progress = update.progress
        self.raw = update.raw
        if update.context is not None:
            budget = self.context.get(BUDGET_KEY)
            self.context = dict(update.context)
            if budget is not None:  # the caller's limit outlives the provider's context
                self.context.setdefault(BUDGET_KEY, budget)
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
        _check_wait_args(timeout, on_update)
        clock = self.provider.clock
        policy = self.provider.poll_policy(self.kind)
        deadline = None if timeout is None or math.isinf(timeout) else clock.now() + timeout
        delays = policy.delays()
        first = not self._polled
        try:
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
                            f"{self.kind} job {self.id} still "
                            f"{self.vendor_status or self.state.value}"
                            f" after {timeout:g} s; it goes on at the vendor: resume with "
                            f"`{self.to_ref().command()}`",
                            job_id=self.id, last_status=self.vendor_status,
                            ref=str(self.to_ref()), provider=self.provider.name,
                        )
                clock.sleep(delay)
                self.refresh()
                if on_update is not None:
                    notify(on_update, "on_update", self, provider=self.provider.name)
        except KeyboardInterrupt as exc:  # Ctrl-C stops waiting, not the vendor's job
            if isinstance(exc, WaitInterrupted):
                raise
            raise WaitInterrupted(self.to_ref()) from None
        return self.result()

    def to_ref(self) -> JobRef:
        """A reference that resumes this job elsewhere: ``connect(p).job(str(ref))``."""
        return JobRef(self.provider.name, self.kind, self.id, dict(self.context))

    def __repr__(self) -> str:
        progress = "" if self.progress is None else f" {self.progress:.0%}"
        return (f"<Job {self.provider.name}:{self.kind}:{self.id} {self.state.value}"
                f" ({self.vendor_status}){progress}>")


def _fraction(value: Any) -> float | None:
    """A progress fraction clamped to [0, 1]; None for anything that is not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return None
    return min(1.0, max(0.0, float(value)))


def _raw_mapping(raw: Any) -> Mapping[str, Any]:
    if raw is None:
        return _EMPTY
    if isinstance(raw, Mapping):
        return raw
    if attrs.has(type(raw)):
        return attrs.asdict(raw)
    return MappingProxyType({"value": raw})


class JobKind(Generic[T]):
    """One kind of vendor job, declared once: its name, poll rule and status words.

    ::

        DUB = JobKind[DubResult]("dub", poll=PollPolicy(interval=3.0),
                                 states=StatusMap(pending={"new"}, succeeded={"done"}))

        class VoiceDubProvider(Provider):
            jobs = (DUB,)

            @DUB.refresh
            def _refresh_dub(self, job: Job[DubResult]) -> JobUpdate[DubResult]: ...
    """

    def __init__(self, name: str, *, poll: PollPolicy | None = None,
                 states: StatusMap | None = None) -> None:
        if not isinstance(name, str) or not name or ":" in name or "?" in name:
            raise InvalidInput(f"a job kind is a non-empty name without ':' or '?', got "
                               f"{name!r}", field="name")
        self.name = name
        self.poll = poll if poll is not None else PollPolicy()
        self.states = states if states is not None else StatusMap()
        #: Name of the provider method that refreshes these jobs (set by :meth:`refresh`).
        self.method: str | None = None

    def __repr__(self) -> str:
        return f"JobKind({self.name!r}, method={self.method!r})"

    def refresh(self, method: F) -> F:
        """Decorator: ``method(self, job) -> JobUpdate`` is how the provider looks at a job."""
        name = getattr(method, "__name__", None)
        if not isinstance(name, str):
            raise TypeError(f"JobKind.refresh decorates a method, got {method!r}")
        if self.method not in (None, name):
            raise TypeError(f"job kind {self.name!r} is already refreshed by {self.method}()")
        self.method = name
        return method

    def start(self, provider: JobHost, id: str, update: JobUpdate[T], *,
              context: Mapping[str, str] | None = None,
              budget: float | None = None) -> Job[T]:
        """A new job of this kind at ``id``, as the vendor first described it.

        ``budget`` (the call's ``max_credits``) is kept in the job's context and ref, so
        :meth:`Job.check_price` can hold it against prices the vendor names later.
        """
        context = dict(context or {})
        if budget is not None:
            context[BUDGET_KEY] = repr(float(budget))
        return Job(provider, self.name, id, update=update, context=context)

    def done(self, provider: JobHost, id: str, result: T, *, raw: Any = None) -> Job[T]:
        """A job of this kind the vendor finished at once (its answer held the result)."""
        update: JobUpdate[T] = JobUpdate(JobState.SUCCEEDED, vendor_status=None, progress=1.0,
                                         result=result, raw=_raw_mapping(raw))
        return Job(provider, self.name, id, update=update)

    def update(self, status: Any, *, result: Callable[[], T] | None = None,
               error: tuple[str | None, str | None] | None = None,
               progress: float | None = None, raw: Any = None,
               context: Mapping[str, str] | None = None) -> JobUpdate[T]:
        """What the vendor's ``status`` word means, as a :class:`JobUpdate`.

        ``result`` is called only when the status means success (it may raise
        BadResponse when the answer lacks the result); ``error`` is the vendor's
        ``(code, message)``, kept only when the status means failure.
        """
        state = self.states.state(status)
        word = None if status is None else str(
            status.value if isinstance(status, enum.Enum) else status)
        value = None
        if state is JobState.SUCCEEDED and result is not None:
            value = result()
        code, message = error if state is JobState.FAILED and error else (None, None)
        fraction = _fraction(progress) if progress is not None else self.states.fraction(status)
        return JobUpdate(state, vendor_status=word, progress=fraction, result=value,
                         error_code=None if code is None else str(code),
                         error_message=None if message is None else str(message),
                         raw=_raw_mapping(raw), context=context)


def _check_wait_args(timeout: object, on_update: object) -> None:
    if timeout is not None and (isinstance(timeout, bool)
                                or not isinstance(timeout, (int, float))
                                or math.isnan(timeout) or timeout < 0):
        raise InvalidInput(f"timeout must be a number of seconds >= 0 or None, got "
                           f"{timeout!r}", field="timeout", limit=">= 0 seconds")
    if on_update is not None and not callable(on_update):
        raise InvalidInput(f"on_update must be callable, got {type(on_update).__name__}",
                           field="on_update", limit="a callable taking the job")
