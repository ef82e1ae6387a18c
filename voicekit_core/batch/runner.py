"""Run one operation over many items: the loop of :func:`voicekit_core.batch.run`.

The process that calls :func:`run` owns the state file and the output folder. Workers (a
``concurrent.futures.Executor``: threads by default, or a Dask cluster's executor) make
the paid calls; vendor jobs are then polled from this one loop, many at once, each at
its vendor's documented pace, so no thread is held per job.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import contextlib
import json
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

from ..clock import SystemClock
from ..errors import (
    CreditLimitExceeded,
    InvalidInput,
    NotFound,
    PermissionDenied,
    VoicekitError,
)
from ..jobs import Job, JobRef
from ..models import Audio, Cost
from ..provider import Provider
from .items import (
    BatchItem,
    Operation,
    item_key,
    operation_named,
    output_name,
)
from .manifest import validate_items
from .report import BatchProgress, BatchReport, ItemResult
from .state import STATE_FILE, BatchState, ItemRecord
from .tasks import (
    ProviderHandle,
    Started,
    capture_spending,
    describe_value,
    may_have_charged,
    paced,
    start_item,
)
from .tasks import _resolve as resolve

__all__ = ["run"]

_CAPABILITY = {"synthesize": "Synthesize", "convert_voice": "ConvertVoice", "dub": "Dub",
               "clone_voice": "CloneVoice"}
#: how often a rate-limited item is tried again before it counts as failed
_RATE_LIMIT_ATTEMPTS = 4
#: polls in a row that may fail (network, 5xx) before a job is left for a re-run
_POLL_ERRORS = 5
#: seconds between looks at the Ctrl-C flag while waiting for workers
_SIGNAL_CHECK = 0.2
_AUDIO_SUFFIXES = frozenset({".wav", ".mp3", ".ogg", ".opus", ".flac", ".pcm", ".m4a",
                             ".aac", ".webm", ".mp4"})


@attrs.define
class _Plan:
    item: BatchItem
    key: str
    output: str
    arguments: dict[str, Any]
    cost: Cost | None
    attempts: int = 0

    @property
    def estimate(self) -> float | None:
        return None if self.cost is None else self.cost.credits


@attrs.define
class _Poll:
    plan: _Plan
    job: Job[Any]
    reserved: float
    spent: float
    reported: bool
    started: float
    next_at: float
    delays: Iterator[float]
    errors: int = 0


def run(
    provider: Provider | str,
    operation: str,
    items: Iterable[BatchItem],
    out_dir: str | Path,
    *,
    executor: cf.Executor | None = None,
    workers: int = 4,
    max_credits: float | None = None,
    dry_run: bool = False,
    on_progress: Callable[[BatchProgress], None] | None = None,
    rate_limit: tuple[int, float] | None = None,
    retry_uncertain: bool = False,
    max_jobs: int | None = None,
    job_timeout: float = 3600.0,
) -> BatchReport:
    """Run ``operation`` (``"synthesize"``, ``"convert_voice"``, ``"dub"``,
    ``"clone_voice"``; or say/convert/clone) for every item, writing outputs into
    ``out_dir`` atomically.

    Resumable: the state file in ``out_dir`` records each item; running the same batch
    again skips what is done, resumes vendor jobs by reference and never submits again an
    item that may have been paid for (``retry_uncertain=True`` does, for items interrupted
    mid-request or failed after they may have been charged).

    Args:
        provider: a connected provider, or a provider name to ``connect()``.
        executor: where the paid calls run (default: ``workers`` threads). With a Dask
            executor (``dask.distributed.Client(...).get_executor()``) the credit ledger,
            the rate limiter and the concurrency cap are shared by all workers; workers
            connect their own provider and read credentials from their own environment.
        workers: calls in flight at once (the concurrency cap).
        max_credits: one ceiling for the whole batch (earlier runs included). Every item
            is estimated first and the run refuses to start (CreditLimitExceeded, nothing
            sent) when the estimate is over it or an item's cost cannot be estimated.
        dry_run: estimate only; nothing is sent.
        on_progress: called with a :class:`BatchProgress` after each item.
        rate_limit: ``(requests, seconds)``; default: the provider's documented
            ``rate_limit``; the vendor's rate-limit headers adjust it as they arrive.
        max_jobs: vendor jobs in flight at once (default ``8 * workers``).
        job_timeout: seconds a job may run before the run leaves it for a re-run.

    Returns:
        a :class:`BatchReport`; Ctrl-C stops submitting, lets calls in flight finish and
        returns a report with ``interrupted=True`` (re-run to resume).
    """
    op = operation_named(operation)
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise InvalidInput(f"workers must be an integer >= 1, got {workers!r}",
                           field="workers", limit=">= 1")
    if max_credits is not None and (isinstance(max_credits, bool) or not
                                    isinstance(max_credits, (int, float)) or
                                    not max_credits >= 0):
        raise InvalidInput(f"max_credits must be a number >= 0, got {max_credits!r}",
                           field="max_credits", limit=">= 0")
    owned = isinstance(provider, str)
    if isinstance(provider, str):
        from ..registry import connect

        provider = connect(provider)
    try:
        batch = _Batch(provider, op, out_dir, workers=workers, max_credits=max_credits,
                       on_progress=on_progress, retry_uncertain=retry_uncertain,
                       max_jobs=max_jobs or 8 * workers, job_timeout=job_timeout)
        batch.plan(items)
        if dry_run:
            return batch.report(dry_run=True)
        return batch.execute(executor, rate_limit)
    finally:
        if owned:
            provider.close()


class _Batch:
    def __init__(self, provider: Provider, op: Operation, out_dir: str | Path, *,
                 workers: int, max_credits: float | None,
                 on_progress: Callable[[BatchProgress], None] | None,
                 retry_uncertain: bool, max_jobs: int, job_timeout: float) -> None:
        self.provider = provider
        self.op = op
        self.out_dir = Path(out_dir)
        self.workers = workers
        self.max_credits = max_credits
        self.on_progress = on_progress
        self.retry_uncertain = retry_uncertain
        self.max_jobs = max_jobs
        self.job_timeout = job_timeout
        self.clock = provider.clock
        self.method = self._method()
        self.plans: list[_Plan] = []
        self.todo: list[_Plan] = []
        self.resume: list[tuple[_Plan, ItemRecord]] = []
        self.results: dict[str, ItemResult] = {}
        self._counts: collections.Counter[str] = collections.Counter()
        self.state: BatchState | None = None
        self.spent = 0.0
        self.estimate = 0.0
        self.unknown = 0
        self.unit = "credits"
        self.ceiling_hit = False
        self._calibrated = False
        self._depth = workers
        self._stop_requested = False
        self._catching = False
        self.interrupted = False
        self._started_at = time.monotonic()
        self._finished = 0

    # -- planning (nothing is sent) ----------------------------------------------------------

    def _method(self) -> str:
        from ..registry import get_registry

        get_registry().require(self.provider, _CAPABILITY[self.op.name])
        submits = getattr(self.provider, "submits", {}) or {}
        name = submits.get(self.op.name, self.op.name)
        if not callable(getattr(self.provider, name, None)):
            name = self.op.name
        return str(name)

    def plan(self, items: Iterable[BatchItem]) -> None:
        listed: list[BatchItem] = []
        for position, item in enumerate(items, start=1):
            if not isinstance(item, BatchItem):
                raise InvalidInput(f"item {position} is a {type(item).__name__}, not a "
                                   "BatchItem", field="items")
            listed.append(item if item.line else attrs.evolve(item, line=position))
        if not listed:
            raise InvalidInput("the batch has no items", field="items")
        validate_items(listed, self.op)
        seen: dict[str, int] = {}
        for item in listed:
            key = item_key(self.provider.name, self.op, item)
            first = seen.setdefault(key, item.line)
            if first != item.line:
                raise InvalidInput(f"item {item.line} repeats item {first} (same input, voice "
                                   "and options)", field="items")
            arguments = item.arguments(self.op)
            try:
                cost = self.provider.estimate(self.op.name, **arguments)
            except InvalidInput as exc:
                raise InvalidInput(f"item {item.line}: {exc.message}", field=exc.field,
                                   limit=exc.limit, provider=exc.provider) from None
            self.plans.append(_Plan(item, key, output_name(item, key), arguments, cost))
        self.state = self._open_state()
        for plan in self.plans:
            self._classify(plan)
        self._check_budget()

    def _open_state(self) -> BatchState | None:
        path = self.out_dir / STATE_FILE
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise InvalidInput(f"{self.out_dir} is not a folder", field="out_dir")
        if not path.exists() and not self.out_dir.exists():
            return None
        return BatchState(path)

    def _classify(self, plan: _Plan) -> None:
        record = self.state.get(plan.key) if self.state is not None else None
        if record is None:
            self.todo.append(plan)
            return
        plan.output = record.output if record.status == "done" else plan.output
        if record.status == "done":
            self._result(plan, "skipped", spent=record.spent)
        elif record.status == "running" and record.job_ref:
            self.resume.append((plan, record))
        elif (record.status == "failed" and not record.charged) or self.retry_uncertain:
            self.todo.append(plan)
        else:
            reason = (record.error or "failed") if record.status == "failed" else (
                "interrupted while it was being submitted: it may have been charged, so it "
                "is not submitted again")
            self._result(plan, "failed", error=reason, error_type=record.error_type or
                         "Interrupted", charged=True, spent=record.spent)

    def _check_budget(self) -> None:
        for plan in self.todo:
            if plan.cost is None:
                self.unknown += 1
                if self.max_credits is not None:
                    raise InvalidInput(
                        f"item {plan.item.line}: {self.provider.name} cannot estimate what "
                        f"{self.op.name} costs here, so max_credits cannot be guaranteed; "
                        "nothing was sent", field="max_credits")
            else:
                self.estimate += plan.cost.credits
                self.unit = plan.cost.unit
        if self.max_credits is None:
            return
        earlier = self.state.spent() if self.state is not None else 0.0
        need = earlier + self.estimate
        if need > self.max_credits + 1e-9:
            already = f" ({earlier:g} spent by earlier runs)" if earlier else ""
            raise CreditLimitExceeded(
                f"the batch is estimated at {self.estimate:g} {self.unit}{already}, over "
                f"max_credits={self.max_credits:g}; nothing was sent",
                max_credits=self.max_credits, need=need, provider=self.provider.name)

    # -- running -------------------------------------------------------------------------------

    def execute(self, executor: cf.Executor | None, rate_limit: tuple[int, float] | None
                ) -> BatchReport:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        if self.state is None:
            self.state = BatchState.in_folder(self.out_dir)
        limit = rate_limit or getattr(self.provider, "rate_limit", None)
        own_executor = executor is None
        pool: cf.Executor = executor or cf.ThreadPoolExecutor(
            max_workers=self.workers, thread_name_prefix="voicekit-batch")
        shared, cap = self._shared(pool, limit)
        # a remote executor gets the next calls queued ahead, hiding its dispatch latency;
        # the shared cap still keeps ``workers`` calls in flight
        self._depth = 2 * self.workers if _is_dask(pool) else self.workers
        if self.provider.remote:
            _ = self.provider.http  # created once, before the workers share it
        # outputs are written off the loop, so fsyncs do not hold up submitting
        self._io = cf.ThreadPoolExecutor(max_workers=min(4, self.workers),
                                         thread_name_prefix="voicekit-batch-io")
        try:
            with self._ctrl_c():
                self._loop(pool, shared, cap)
        finally:
            self._io.shutdown(wait=True)
            if own_executor:
                pool.shutdown(wait=not self.interrupted, cancel_futures=True)
        return self.report()

    def _shared(self, pool: cf.Executor, limit: tuple[int, float] | None
                ) -> tuple[Any, Any]:
        spent = self.state.spent() if self.state is not None else 0.0
        if _is_dask(pool):
            from .dask import shared_state

            return shared_state(pool, max_credits=self.max_credits, spent=spent,
                                rate_limit=limit, workers=self.workers,
                                name=self.provider.name)
        from .coordinator import Coordinator

        return Coordinator(self.max_credits, spent, limit, now=self.clock.now), None

    def _loop(self, pool: cf.Executor, shared: Any, cap: Any) -> None:
        handle = ProviderHandle(self.provider)
        todo = collections.deque(self.todo)
        futures: dict[cf.Future[Started], _Plan] = {}
        polls: dict[str, _Poll] = {}
        now = self.clock.now()
        for plan, record in self.resume:
            assert record.job_ref is not None
            polls[plan.key] = self._poll_of(plan, record.job_ref, reserved=0.0,
                                            spent=record.spent, reported=True, at=now)
        stopping = False
        saves: dict[cf.Future[str], tuple[_Plan, float]] = {}
        while futures or saves or (polls and not stopping) or (
                todo and not stopping and not self.ceiling_hit):
            try:
                while (todo and not stopping and not self.ceiling_hit
                       and not self._stop_requested and len(futures) < self._depth
                       and len(futures) + len(polls) < self.max_jobs
                       and not self._calibrating(todo[0], futures, polls)):
                    plan = todo.popleft()
                    assert self.state is not None
                    self.state.starting(plan.key, plan.item.line, plan.output,
                                        plan.estimate or 0.0)
                    exact = plan.cost.exact if plan.cost is not None else True
                    future = pool.submit(start_item, handle, shared, self.method,
                                         plan.arguments, plan.estimate, exact, cap,
                                         uuid.uuid4().hex)
                    futures[future] = plan
                if not stopping and not self._stop_requested:
                    self._poll_due(polls, shared)
                if futures or saves:
                    timeout = self._idle(polls)
                    waiting: list[cf.Future[Any]] = [*futures, *saves]
                    done, _ = cf.wait(waiting, timeout=timeout,
                                      return_when=cf.FIRST_COMPLETED)
                    for finished in done:
                        if finished in saves:
                            self._saved(finished, *saves.pop(finished))
                            continue
                        plan = futures.pop(finished)
                        requeue = self._started(plan, _outcome(finished), polls, saves)
                        if requeue:
                            todo.append(plan)
                elif polls and not stopping:
                    wait = min(p.next_at for p in polls.values()) - self.clock.now()
                    if wait > 0:
                        self.clock.sleep(wait)
            except KeyboardInterrupt:
                if stopping:  # a second Ctrl-C: leave at once
                    raise
                self._stop_requested = True
            if self._stop_requested and not stopping:
                stopping = self.interrupted = True
                for future, plan in list(futures.items()):
                    if future.cancel():
                        futures.pop(future)
                        assert self.state is not None
                        self.state.forget(plan.key)
                        todo.appendleft(plan)
        for plan in todo:
            self._result(plan, "pending", error=self._pending_reason())
        for poll in polls.values():
            self._result(poll.plan, "running", spent=poll.spent,
                         job_ref=str(poll.job.to_ref()),
                         error=f"still {poll.job.vendor_status or poll.job.state.value} at "
                               f"{self.provider.name}: re-run to resume it")

    def _calibrating(self, plan: _Plan, futures: dict[cf.Future[Started], _Plan],
                     polls: dict[str, _Poll]) -> bool:
        """Under a ceiling, an item whose estimate is not exact waits while another such
        item is in flight and none has ended yet: the first one shows how far off the
        estimates are (the ledger then reserves accordingly), so a wave of concurrent
        under-estimated items cannot overshoot the ceiling together."""
        if self.max_credits is None or self._calibrated or plan.cost is None \
                or plan.cost.exact:
            return False
        in_flight = [*futures.values(), *(p.plan for p in polls.values())]
        return any(p.cost is not None and not p.cost.exact for p in in_flight)

    def _pending_reason(self) -> str:
        if self.ceiling_hit:
            return (f"not started: it would take the batch over max_credits="
                    f"{self.max_credits:g}")
        return "not started (the run was interrupted): re-run to do it"

    def _idle(self, polls: dict[str, _Poll]) -> float | None:
        """How long to wait for workers before the next job poll is due (and, under our
        Ctrl-C handler, at most a moment: a Ctrl-C only sets a flag)."""
        longest = _SIGNAL_CHECK if self._catching else None
        if not polls:
            return longest
        wait = max(0.0, min(p.next_at for p in polls.values()) - self.clock.now())
        if not isinstance(self.clock, SystemClock):
            wait = min(wait, 0.02)
        return wait if longest is None else min(wait, longest)

    @contextlib.contextmanager
    def _ctrl_c(self) -> Iterator[None]:
        """In the main thread, a first Ctrl-C asks the loop to stop submitting (at a point
        where every call handed out is tracked); a second one interrupts at once."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum: int, frame: object) -> None:
            if self._stop_requested:
                raise KeyboardInterrupt
            self._stop_requested = True

        try:
            previous = signal.signal(signal.SIGINT, handler)
        except ValueError:  # not allowed here (an embedded interpreter)
            yield
            return
        self._catching = True
        try:
            yield
        finally:
            self._catching = False
            signal.signal(signal.SIGINT, previous)

    # -- what workers report --------------------------------------------------------------------

    def _saved(self, future: cf.Future[str], plan: _Plan, spent: float) -> None:
        try:
            name = future.result()
        except VoicekitError as exc:
            self._fail(plan, str(exc), type(exc).__name__, True, spent)
        except OSError as exc:
            self._fail(plan, f"could not write the output: {exc.strerror or exc}",
                       type(exc).__name__, True, spent)
        else:
            self._done(plan, name, spent)

    def _started(self, plan: _Plan, started: Started, polls: dict[str, _Poll],
                 saves: dict[cf.Future[str], tuple[_Plan, float]]) -> bool:
        """Record a worker's report; True to try the item again later."""
        assert self.state is not None
        if started.kind == "ceiling":
            self.state.forget(plan.key)
            self.ceiling_hit = True
            self._result(plan, "pending", error=self._pending_reason())
            return False
        if started.kind == "failed":  # the worker settled it
            self.spent += started.spent
            self._calibrated = self._calibrated or started.reported
            plan.attempts += 1
            if started.retryable and plan.attempts < _RATE_LIMIT_ATTEMPTS:
                self.state.forget(plan.key)
                return True
            self._fail(plan, started.error or "failed", started.error_type,
                       started.charged, started.spent)
            return False
        spent = started.spent if started.reported else (plan.estimate or 0.0)
        self._calibrated = self._calibrated or (started.reported and started.kind != "job")
        if started.kind == "job":
            assert started.job_ref is not None
            self.state.running(plan.key, started.job_ref, started.spent)
            polls[plan.key] = self._poll_of(plan, started.job_ref, reserved=started.reserved,
                                            spent=started.spent, reported=started.reported,
                                            at=None)
            return False
        self.spent += spent  # the worker settled it
        if started.kind == "audio":
            assert started.audio is not None
            data, fmt, rate, channels, duration = started.audio
            audio = Audio(data=data, format=fmt, sample_rate=rate, channels=channels,
                          duration=duration)
            saving = self._io.submit(self._save_audio, plan, audio)
        else:
            saving = self._io.submit(self._save_value, plan, started.value)
        saves[saving] = (plan, spent)
        return False

    # -- jobs ---------------------------------------------------------------------------------

    def _poll_of(self, plan: _Plan, ref: str, *, reserved: float, spent: float,
                 reported: bool, at: float | None) -> _Poll:
        parsed = JobRef.parse(ref)
        job: Job[Any] = Job(self.provider, parsed.kind, parsed.id, context=parsed.context)
        policy = self.provider.poll_policy(parsed.kind)
        now = self.clock.now()
        return _Poll(plan, job, reserved, spent, reported, started=now,
                     next_at=now + policy.initial if at is None else at,
                     delays=policy.delays())

    def _poll_due(self, polls: dict[str, _Poll], shared: Any) -> None:
        for key in [k for k, p in polls.items() if p.next_at <= self.clock.now()]:
            poll = polls[key]
            if self._poll(poll, shared):
                del polls[key]

    def _poll(self, poll: _Poll, shared: Any) -> bool:
        """Look at one job; True when it has ended (recorded)."""
        error: VoicekitError | None = None
        reports: list[float] = []
        try:
            with paced(shared, self.provider), capture_spending(self.provider) as reports:
                poll.job.refresh()
        except VoicekitError as exc:
            error = exc
        poll.spent += sum(reports)
        poll.reported = poll.reported or bool(reports)
        now = self.clock.now()
        if error is not None:
            poll.errors += 1
            final = isinstance(error, (NotFound, PermissionDenied, InvalidInput))
            if final or poll.errors >= _POLL_ERRORS:
                if final:
                    self._end_job(poll, shared)
                    self._fail(poll.plan, str(error), type(error).__name__,
                               may_have_charged(error, poll.spent), poll.spent)
                    return True
                if now - poll.started < self.job_timeout:
                    poll.next_at = now + next(poll.delays)
                    return False
                return True
            poll.next_at = now + next(poll.delays)
            return False
        if not poll.job.done:
            if now - poll.started >= self.job_timeout:
                return True  # left running: reported, and a re-run resumes it
            poll.next_at = now + next(poll.delays)
            return False
        spent = self._end_job(poll, shared)
        try:
            result = poll.job.result()
            name = self._save_result(poll.plan, result)
        except VoicekitError as exc:
            self._fail(poll.plan, str(exc), type(exc).__name__,
                       spent > 0 or not poll.reported, spent)
            return True
        except OSError as exc:
            self._fail(poll.plan, f"could not write the output: {exc.strerror or exc}",
                       type(exc).__name__, True, spent)
            return True
        self._done(poll.plan, name, spent)
        return True

    def _end_job(self, poll: _Poll, shared: Any) -> float:
        spent = poll.spent if poll.reported else (poll.plan.estimate or 0.0)
        self._calibrated = self._calibrated or poll.reported
        resolve(shared.settle(poll.reserved, spent, poll.plan.estimate))
        self.spent += spent
        poll.reserved = 0.0
        return spent

    # -- outputs ------------------------------------------------------------------------------

    def _save_result(self, plan: _Plan, result: Any) -> str:
        if isinstance(result, Audio):
            return self._save_audio(plan, result)
        download = getattr(result, "download", None)
        url = getattr(result, "url", None)
        if callable(download) and isinstance(url, str):
            name = plan.output
            if not Path(name).suffix:
                suffix = Path(url.split("?", 1)[0]).suffix.lower()
                name += suffix if suffix in _AUDIO_SUFFIXES else ""
            path = self._target(name)
            download(path)
            return name
        return self._save_value(plan, describe_value(result))

    def _save_audio(self, plan: _Plan, audio: Audio) -> str:
        name = plan.output
        if not Path(name).suffix:
            name += f".{audio.format}"
        audio.save(self._target(name))
        return name

    def _save_value(self, plan: _Plan, value: Any) -> str:
        from ..audio import atomic_write

        name = plan.output if Path(plan.output).suffix else plan.output + ".json"
        text = json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n"
        atomic_write(self._target(name), [text.encode("utf-8")])
        return name

    def _target(self, name: str) -> Path:
        path = self.out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    # -- bookkeeping -----------------------------------------------------------------------------

    def _done(self, plan: _Plan, name: str, spent: float) -> None:
        assert self.state is not None
        plan.output = name
        self.state.done(plan.key, name, spent)
        self._result(plan, "done", spent=spent)

    def _fail(self, plan: _Plan, error: str, error_type: str | None, charged: bool,
              spent: float) -> None:
        assert self.state is not None
        self.state.failed(plan.key, plan.item.line, plan.output, _Failure(error),
                          spent=spent, charged=charged)
        self._result(plan, "failed", error=error, error_type=error_type, charged=charged,
                     spent=spent)

    def _result(self, plan: _Plan, status: str, **details: Any) -> None:
        result = ItemResult(line=plan.item.line, key=plan.key, output=plan.output,
                            status=status, **details)
        previous = self.results.get(plan.key)
        if previous is not None:
            self._counts[previous.status] -= 1
        self.results[plan.key] = result
        self._counts[status] += 1
        if status in ("done", "failed"):
            self._finished += 1
            self._progress(result)

    def _progress(self, last: ItemResult | None) -> None:
        if self.on_progress is None:
            return
        counts = self._counts
        total = len(self.plans)
        elapsed = time.monotonic() - self._started_at
        remaining = total - counts["done"] - counts["failed"] - counts["skipped"]
        eta = (elapsed / self._finished * remaining) if self._finished else None
        self.on_progress(BatchProgress(
            total=total, done=counts["done"], failed=counts["failed"],
            skipped=counts["skipped"], in_flight=max(0, remaining - counts["pending"]),
            spent=self.spent, estimate=self.estimate, elapsed=elapsed, eta=eta, last=last))

    def report(self, *, dry_run: bool = False) -> BatchReport:
        items = []
        for plan in self.plans:
            result = self.results.get(plan.key)
            if result is None:
                result = ItemResult(line=plan.item.line, key=plan.key, output=plan.output,
                                    status="pending")
            items.append(result)
        total = self.state.spent() if self.state is not None else 0.0
        state_file = str(self.state.path) if self.state is not None else None
        if self.state is not None:
            self.state.close()
        return BatchReport(items=items, estimate=self.estimate, unknown_costs=self.unknown,
                           spent=self.spent, spent_total=total, unit=self.unit,
                           interrupted=self.interrupted, dry_run=dry_run,
                           state_file=state_file)


class _Failure(Exception):
    """An error message recorded in the state file."""


def _outcome(future: cf.Future[Started]) -> Started:
    try:
        return future.result()
    except Exception as exc:  # the worker itself failed (lost, or could not run the task)
        return Started("failed", error_type=type(exc).__name__,
                       error=f"the worker failed: {exc}", charged=True)


def _is_dask(executor: cf.Executor) -> bool:
    return type(executor).__module__.split(".")[0] == "distributed"
