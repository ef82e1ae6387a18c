"""Fuzzing a provider's public operations with hostile vendor answers.

Only a :class:`~voicekit_core.errors.VoicekitError` may leave a public call, whatever a
server answers. :func:`run_fuzz` checks that: it points a provider at a :class:`FuzzServer`
(loopback) that answers every request with a generated hostile answer
(:mod:`voicekit_core.testing.fuzz_strategies`), calls the provider's operations, consumes
what they return (iterators, jobs, streams, downloads), and reports every other exception
and every call that outlives ``time_limit`` (a hang)::

    report = run_fuzz(fuzz_connect("acme", api_key="k"), {
        "list_voices": lambda p: p.list_voices(),
        "synthesize": lambda p: p.synthesize("Hello", voice="v1"),
        "voice_named": lambda p, value: p.synthesize("Hi", voice=value),  # hostile input
    }, examples=200, seed=1)
    assert report.ok, report.text()

An operation taking a second parameter also gets a hostile input value for it.
``samples`` (from :func:`record_samples`: the real answers the plugin's emulator gave for
each operation) make most generated answers mutations of real ones, so parsing is probed
deep inside, not only at its first check. In a plugin's tests use
:func:`assert_no_escapes` (few examples, shrinking on); ``bench/fuzz_all.py`` runs
10,000+ per plugin. Needs ``hypothesis`` and ``h11``.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import inspect
import itertools
import sys
import sysconfig
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from voicekit_core.clock import ManualClock
from voicekit_core.errors import VoicekitError
from voicekit_core.jobs import Job
from voicekit_core.provider import Provider
from voicekit_core.testing.fuzz_server import FuzzResponse, FuzzServer
from voicekit_core.testing.fuzz_strategies import KEYS, hostile_inputs, responses

__all__ = ["Escape", "FuzzReport", "FuzzResponse", "FuzzServer", "Runner", "assert_no_escapes",
           "consume", "fuzz_connect", "record_samples", "recording", "run_fuzz"]

Operation = Callable[..., Any]
#: stands for the fuzz server's origin in recorded samples
BASE = "http://fuzz.invalid"


@attrs.frozen
class Escape:
    """A non-VoicekitError exception (or a hang) out of a public operation."""

    operation: str
    error: str
    message: str
    where: str
    responses: tuple[FuzzResponse, ...]
    input: str = ""
    hang: bool = False
    #: the hostile input itself (for replaying)
    value: Any = attrs.field(default=None, eq=False, repr=False)

    def text(self) -> str:
        what = "HANG" if self.hang else f"{self.error}: {self.message[:200]}"
        lines = [f"{self.operation}: {what} at {self.where}"]
        if self.input:
            lines.append(f"    input: {self.input[:120]}")
        lines += [f"    answer {i}: {r.summary()}" for i, r in enumerate(self.responses, 1)]
        return "\n".join(lines)


@attrs.define
class FuzzReport:
    """What :func:`run_fuzz` found: one :class:`Escape` per distinct (operation, exception
    type, raising line), the one with the smallest answers."""

    examples: int = 0
    requests: int = 0
    seconds: float = 0.0
    calls: dict[str, int] = attrs.field(factory=dict)
    found: dict[tuple[str, str, str], Escape] = attrs.field(factory=dict)
    #: exceptions Python could not raise (in finalizers), by type: no caller sees them, but
    #: a RecursionError here means a body was nested deep enough to reach a finalizer
    unraisable: dict[str, int] = attrs.field(factory=dict)

    @property
    def escapes(self) -> list[Escape]:
        return list(self.found.values())

    @property
    def ok(self) -> bool:
        return not self.found

    def add(self, escape: Escape) -> None:
        key = (escape.operation, escape.error, escape.where)
        old = self.found.get(key)
        if old is None or _size(escape) < _size(old):
            self.found[key] = escape

    def text(self) -> str:
        head = (f"{self.examples} examples, {self.requests} requests in "
                f"{self.seconds:.1f} s: {len(self.found)} escape(s)")
        if self.unraisable:
            head += f" (unraisable, ignored: {self.unraisable})"
        return "\n".join([head, *(e.text() for e in self.escapes)])


def _size(escape: Escape) -> int:
    return sum(len(r.body) + len(r.headers) * 20 for r in escape.responses)


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    stdlib = sysconfig.get_paths()["stdlib"]
    ours = [f for f in frames if "site-packages" not in f.filename
            and not f.filename.startswith(stdlib)
            and "/voicekit_core/testing/fuzz" not in f.filename] or frames
    if not ours:
        return "?"
    frame = ours[-1]
    parts = Path(frame.filename).parts
    return f"{'/'.join(parts[-2:])}:{frame.lineno} in {frame.name}"


def consume(value: Any, *, directory: Path | None = None, limit: int = 200) -> None:
    """Use a result the way a caller would: drain iterators (``limit`` items), wait for
    jobs, read streams, download downloadable results into ``directory``."""
    if isinstance(value, Job):
        value = value.wait(timeout=86_400)
    if hasattr(value, "read") and hasattr(value, "__enter__"):
        with value:
            value.read()
        return
    if isinstance(value, Iterator):
        for _ in itertools.islice(value, limit):
            pass
        return
    if hasattr(value, "download") and directory is not None:
        value.download(directory / "download.out")


def fuzz_connect(name: str, **options: Any) -> Callable[[str], Provider]:
    """``make_provider`` for :func:`run_fuzz`: ``connect(name)`` at the fuzz server with a
    ManualClock, no retries and short timeouts (``options`` add credentials etc.)."""
    from voicekit_core.registry import connect

    def make(url: str) -> Provider:
        settings = {"base_url": url, "clock": ManualClock(), "max_retries": 0,
                    "timeout": (2.0, 5.0), **options}
        return connect(name, **settings)

    return make


def _takes_input(operation: Operation) -> bool:
    try:
        return len(inspect.signature(operation).parameters) >= 2
    except (TypeError, ValueError):
        return False


def _scenarios(operations: Mapping[str, Operation], samples: Mapping[str, Sequence[
        FuzzResponse]], keys: Sequence[str], base: str, max_responses: int
               ) -> st.SearchStrategy[tuple[str, tuple[FuzzResponse, ...], Any]]:
    names = sorted(operations)
    inputs = {name: _takes_input(operations[name]) for name in names}

    @st.composite
    def scenario(draw: st.DrawFn) -> tuple[str, tuple[FuzzResponse, ...], Any]:
        name = draw(st.sampled_from(names))
        real = samples.get(name, ())
        count = (min(12, len(real) + draw(st.integers(-1, 2))) if real
                 else draw(st.integers(1, max_responses)))
        answers = tuple(draw(responses(keys, base, real[i] if i < len(real) else None))
                        for i in range(max(1, count)))
        value = draw(hostile_inputs()) if inputs[name] else None
        return name, answers, value

    return scenario()


def _localise(response: FuzzResponse, url: str) -> FuzzResponse:
    swap = BASE.encode(), url.encode()
    return attrs.evolve(response, body=response.body.replace(*swap),
                        headers=tuple((k, v.replace(BASE, url)) for k, v in response.headers))


class Runner:
    """Runs one operation against given answers on a :class:`FuzzServer`, within a time
    limit; an exception other than a VoicekitError (or a hang) comes back as an
    :class:`Escape`. A context manager: stamina's testing mode (one attempt) and a
    counting ``sys.unraisablehook`` hold while it is open."""

    def __init__(self, make_provider: Callable[[str], Provider],
                 operations: Mapping[str, Operation], *, time_limit: float = 10.0) -> None:
        self.make_provider = make_provider
        self.operations = operations
        self._inputs = {name: _takes_input(op) for name, op in operations.items()}
        self.time_limit = time_limit
        self.server = FuzzServer()
        self.unraisable: dict[str, int] = {}
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        self._tmp = tempfile.TemporaryDirectory()
        self._restore: tuple[bool, Any] | None = None

    def __enter__(self) -> Runner:
        import stamina

        self._restore = (stamina.is_testing(), sys.unraisablehook)
        stamina.set_testing(True, attempts=1)
        # a finalizer that runs while a deep JSON body is being refused can hit the
        # recursion limit; Python reports that as "unraisable" (pytest would fail on it)
        sys.unraisablehook = self._count_unraisable
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        import stamina

        self.server.stop()
        self._pool.shutdown(wait=False)
        self._tmp.cleanup()
        if self._restore is not None:
            # back to how it was (a test's fast-retry mode gets the fixture's 10 attempts)
            stamina.set_testing(self._restore[0], attempts=10)
            sys.unraisablehook = self._restore[1]

    def _count_unraisable(self, info: Any) -> None:
        name = type(info.exc_value).__name__
        self.unraisable[name] = self.unraisable.get(name, 0) + 1

    def _call(self, name: str, value: Any) -> None:
        provider = self.make_provider(self.server.url)
        try:
            operation = self.operations[name]
            result = operation(provider, value) if self._inputs[name] else operation(provider)
            consume(result, directory=Path(self._tmp.name))
        finally:
            with contextlib.suppress(Exception):
                provider.close()

    def run(self, name: str, answers: Sequence[FuzzResponse], value: Any = None
            ) -> Escape | None:
        """Call operation ``name`` (with ``value`` if it takes one) against ``answers``."""
        answers = tuple(answers)
        self.server.reset(answers)
        shown = repr(value)[:200] if value is not None else ""
        future = self._pool.submit(self._call, name, value)
        escape: Escape | None = None
        try:
            future.result(timeout=self.time_limit)
        except concurrent.futures.TimeoutError:
            self._pool.shutdown(wait=False)
            self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
            escape = Escape(name, "hang", f"still running after {self.time_limit} s", "?",
                            answers, shown, hang=True, value=value)
        except VoicekitError:
            return None
        except Exception as exc:  # the point: anything else is a finding
            escape = Escape(name, type(exc).__name__, str(exc), _where(exc), answers, shown,
                            value=value)
        if escape is not None:
            escape = attrs.evolve(escape, responses=answers[:max(1, self.server.hits)])
        return escape


def run_fuzz(make_provider: Callable[[str], Provider], operations: Mapping[str, Operation],
             *, examples: int = 1000, seed: int = 0,
             samples: Mapping[str, Sequence[FuzzResponse]] | None = None,
             keys: Sequence[str] = (), time_limit: float = 10.0, max_responses: int = 6,
             stop_on_first: bool = False) -> FuzzReport:
    """Call ``operations`` against hostile answers ``examples`` times; report escapes.

    Args:
        make_provider: ``url -> Provider`` aimed at the fuzz server (see
            :func:`fuzz_connect`); called for every example.
        operations: name -> ``f(provider)`` or ``f(provider, hostile_value)``.
        samples: real answers per operation (:func:`record_samples`), mutated mostly.
        keys: more JSON keys to build hostile objects with (besides :data:`KEYS`).
        time_limit: seconds a call may take before it counts as a hang.
        stop_on_first: raise AssertionError at the first escape, letting hypothesis
            shrink it (for pytest); otherwise collect them all.
    """
    report = FuzzReport()
    all_keys = tuple(dict.fromkeys([*KEYS, *keys]))
    started = time.monotonic()
    with Runner(make_provider, operations, time_limit=time_limit) as runner:
        url = runner.server.url
        local = {name: [_localise(r, url) for r in answers]
                 for name, answers in (samples or {}).items()}

        def example(case: tuple[str, tuple[FuzzResponse, ...], Any]) -> None:
            name, answers, value = case
            report.examples += 1
            report.calls[name] = report.calls.get(name, 0) + 1
            escape = runner.run(name, answers, value)
            report.requests += runner.server.hits
            if escape is not None:
                report.add(escape)
                if stop_on_first:
                    raise AssertionError(escape.text())

        phases = (Phase.generate, Phase.shrink) if stop_on_first else (Phase.generate,)
        test = settings(max_examples=examples, deadline=None, database=None, phases=phases,
                        suppress_health_check=list(HealthCheck), print_blob=False)(
            given(_scenarios(operations, local, all_keys, url, max_responses))(example))
        try:
            hypothesis_seed(seed)(test)()
        finally:
            report.unraisable = dict(runner.unraisable)
            report.seconds = time.monotonic() - started
    return report


def assert_no_escapes(make_provider: Callable[[str], Provider],
                      operations: Mapping[str, Operation], *, examples: int = 100,
                      seed: int = 0, **kwargs: Any) -> FuzzReport:
    """For a plugin's tests: :func:`run_fuzz` that fails (shrunk) at the first escape."""
    report = run_fuzz(make_provider, operations, examples=examples, seed=seed,
                      stop_on_first=True, **kwargs)
    assert report.ok, report.text()
    return report


def recording(emulator_class: type[Any], **kwargs: Any) -> Any:
    """An (unstarted) emulator of ``emulator_class`` that records its answers in
    ``exchanges`` exactly once (also when the class wraps a recorder of its own)."""
    from voicekit_core.testing.exchanges import ExchangeRecorder

    subclass = type(emulator_class.__name__, (emulator_class,), {"record_exchanges": True})
    emulator = subclass(**kwargs)
    if not isinstance(emulator.app, ExchangeRecorder):  # the class added its own outside
        inner = getattr(emulator.app, "app", None)
        if isinstance(inner, ExchangeRecorder):
            inner.sink = []
    return emulator


def record_samples(emulator_class: type[Any], make_provider: Callable[[Any], Provider],
                   operations: Mapping[str, Operation], **emulator_kwargs: Any) -> tuple[
                       dict[str, list[FuzzResponse]], dict[str, str]]:
    """The real answers an ``emulator_class`` emulator gives for each operation (one
    emulator, the operations in turn), for :func:`run_fuzz`'s ``samples``; plus the
    operations that failed against it (name -> error). ``make_provider(emulator)`` connects
    to it. The origins of the emulator and its storage become :data:`BASE` (the fuzz server
    at run time). Operations taking a hostile input are skipped."""
    samples: dict[str, list[FuzzResponse]] = {}
    failed: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp, \
            recording(emulator_class, **emulator_kwargs) as emulator:
        origins = ["/".join(emulator.url.split("/")[:3]).encode(),
                   "/".join(emulator.storage.url.split("/")[:3]).encode()]
        for name, operation in operations.items():
            if _takes_input(operation):
                continue
            del emulator.exchanges[:]
            provider = make_provider(emulator)
            try:
                consume(operation(provider), directory=Path(tmp))
            except Exception as exc:
                failed[name] = f"{type(exc).__name__}: {exc}"
            finally:
                provider.close()
            answers = []
            for exchange in list(emulator.exchanges):
                body = exchange.body
                for origin in origins:
                    body = body.replace(origin, BASE.encode())
                headers = ((("Content-Type", exchange.content_type),)
                           if exchange.content_type else ())
                answers.append(FuzzResponse(exchange.status, headers, body))
            samples[name] = answers
    return samples, failed
