"""What runs on a batch worker (a thread, or a Dask worker process).

:func:`start_item` reserves the item's credits, waits for a rate-limit slot, calls the
provider once, and reports back a picklable :class:`Started`: audio, a job reference, or
the error (with whether the vendor may have charged for it). Workers never touch the
state file or the output folder; the process running the batch does.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

import attrs

from ..errors import (
    AuthenticationError,
    ConfigurationError,
    InsufficientCredits,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    TransportError,
    VoicekitError,
)
from ..hookspecs import hookimpl
from ..jobs import Job
from ..models import Audio, Event
from ..provider import Provider

__all__ = ["ProviderHandle", "Started", "capture_spending", "paced", "start_item"]


class SharedState(Protocol):
    """The coordinator's calls a worker makes (a :class:`Coordinator` or its Dask actor,
    whose calls answer with futures)."""

    def begin(self, estimate: float | None, exact: bool = True) -> Any:
        """``(verdict, reserved, delay)``: see :meth:`Coordinator.begin`."""

    def take(self) -> Any: ...

    def end(self, slots: int, remaining: int | None = None, reset_after: float | None = None,
            retry_after: float | None = None,
            settle: tuple[float, float, float | None] | None = None) -> Any: ...


# -- the provider, in this process ---------------------------------------------------------


_PROVIDERS: dict[tuple[str, str], Provider] = {}
_PROVIDERS_LOCK = threading.Lock()


class ProviderHandle:
    """A provider that travels to workers: the instance itself in this process; its name
    and (non-secret) options when pickled, so another process connects its own copy,
    reading credentials from its own environment or key file (keys never travel)."""

    def __init__(self, provider: Provider) -> None:
        self.name = provider.name
        cls = type(provider)
        self.factory = f"{cls.__module__}:{cls.__qualname__}"
        options: dict[str, Any] = {"timeout": provider.timeout,
                                   "max_retries": provider.max_retries,
                                   "rate_limit_cap": provider.rate_limit_cap}
        if provider.base_url is not None:
            options["base_url"] = provider.base_url
            options["allow_http"] = provider.allow_http
        self.options = options
        self._instance: Provider | None = provider

    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name, "factory": self.factory, "options": self.options}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.name = state["name"]
        self.factory = state["factory"]
        self.options = state["options"]
        self._instance = None

    def get(self) -> Provider:
        if self._instance is not None:
            return self._instance
        key = (self.factory, repr(sorted(self.options.items())))
        with _PROVIDERS_LOCK:
            provider = _PROVIDERS.get(key)
            if provider is None:
                import importlib

                module, _, name = self.factory.partition(":")
                cls: type[Provider] = getattr(importlib.import_module(module), name)
                provider = _PROVIDERS[key] = cls(**self.options)
            return provider


# -- credits spent and requests paced, through the providers' events ------------------------


_local = threading.local()


@attrs.define
class _Pacer:
    """Rate-limit slots for the requests of one call on this thread (``prepaid`` slots
    were taken with the call's reservation)."""

    shared: SharedState
    provider: Provider
    prepaid: int = 0
    taken: int = 0

    def request(self, url: str) -> None:
        http = _client(self.provider)
        if http is None or not http.is_own_origin(url):
            return  # storage and download hosts are not the vendor's API
        if self.prepaid > 0:
            self.prepaid -= 1
            return
        self.taken += 1
        delay = float(_resolve(self.shared.take()))
        if delay > 0:
            self.provider.clock.sleep(delay)


class _BatchObserver:
    """Routes this thread's ``credits_spent`` events to the active recorder, and paces
    the requests of a batch call (the ``request`` event comes just before the send)."""

    @hookimpl
    def voicekit_on_event(self, event: Event) -> None:
        kind = event.kind
        if kind == "credits_spent":
            recorder: list[float] | None = getattr(_local, "recorder", None)
            if recorder is not None:
                with contextlib.suppress(TypeError, ValueError):
                    recorder.append(float(event.data.get("credits") or 0.0))
            return
        pacer: _Pacer | None = getattr(_local, "pacer", None)
        if pacer is None or pacer.provider.name != event.provider:
            return
        if kind == "request":
            pacer.request(str(event.data.get("url", "")))


_OBSERVER = _BatchObserver()
_OBSERVER_NAME = "voicekit-batch"


def _listen(provider: Provider) -> None:
    from ..registry import get_registry

    registries = {id(r): r for r in (get_registry(), getattr(provider, "_registry", None))
                  if r is not None}
    for registry in registries.values():
        if not registry.pm.has_plugin(_OBSERVER_NAME):
            with contextlib.suppress(ValueError):  # registered meanwhile by another thread
                registry.pm.register(_OBSERVER, name=_OBSERVER_NAME)


@contextlib.contextmanager
def capture_spending(provider: Provider) -> Iterator[list[float]]:
    """Collect the credits ``provider`` reports spent on this thread inside the block."""
    _listen(provider)
    outer: list[float] | None = getattr(_local, "recorder", None)
    recorder: list[float] = []
    _local.recorder = recorder
    try:
        yield recorder
    finally:
        _local.recorder = outer
        if outer is not None:
            outer.extend(recorder)


class Paced:
    """What :func:`paced` learns: set ``settle`` before the block ends to settle the
    call's reservation in the same message."""

    settle: tuple[float, float, float | None] | None = None


@contextlib.contextmanager
def paced(shared: SharedState, provider: Provider, *, prepaid: int = 0,
          wait: bool = True) -> Iterator[Paced]:
    """Inside the block, each request ``provider`` sends to its API (retries included)
    waits for a slot of the shared rate limiter (``prepaid`` slots were taken already);
    at the end one message tells the limiter what the vendor's rate-limit headers (or a
    429) said, and settles the call's credits when ``settle`` was set."""
    _listen(provider)
    pacer = _Pacer(shared, provider, prepaid=prepaid)
    outer = getattr(_local, "pacer", None)
    _local.pacer = pacer
    result = Paced()
    error: BaseException | None = None
    try:
        yield result
    except BaseException as exc:
        error = exc
        raise
    finally:
        _local.pacer = outer
        retry_after = error.retry_after if isinstance(error, RateLimited) else None
        last = getattr(_client(provider), "last_rate_limit", None)
        answer = shared.end(prepaid + pacer.taken,
                            None if last is None else last.remaining,
                            None if last is None else last.reset_after,
                            retry_after, result.settle)
        if wait:
            _resolve(answer)


def _client(provider: Provider) -> Any:
    """The provider's HTTP client if it has one (None for local engines)."""
    if not provider.remote:
        return None
    try:
        return provider.http
    except VoicekitError:
        return None


def _resolve(value: Any) -> Any:
    """A Dask actor answers with a future; a local coordinator with the value itself."""
    result = getattr(value, "result", None)
    return result() if callable(result) else value


# -- one item ----------------------------------------------------------------------------------


@attrs.frozen
class Started:
    """What a worker reports for one item.

    ``kind``: ``"audio"`` (``audio`` holds data, format...), ``"job"`` (``job_ref``),
    ``"value"`` (a finished result that is not audio: ``value``), ``"failed"`` or
    ``"ceiling"`` (its reservation did not fit under the credit ceiling; nothing sent).
    """

    kind: str
    reserved: float = 0.0
    spent: float = 0.0
    reported: bool = False  # the provider sent credits_spent events
    audio: tuple[bytes, str, int | None, int | None, float | None] | None = None
    job_ref: str | None = None
    value: Any = None
    error_type: str | None = None
    error: str | None = None
    charged: bool = False
    retryable: bool = False


#: errors that prove the vendor did not take (or charge for) the request
_NOT_CHARGED = (InvalidInput, InsufficientCredits, RateLimited, AuthenticationError,
                PermissionDenied, NotFound, ConfigurationError, OSError)


def may_have_charged(error: BaseException, spent: float) -> bool:
    """Whether the vendor may have charged for a call that ended in ``error``."""
    if spent > 0:
        return True
    if isinstance(error, TransportError):
        return error.may_have_been_processed or not getattr(error, "never_sent", False)
    return not isinstance(error, _NOT_CHARGED)


def _accepts_max_credits(method: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False
    return "max_credits" in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())


def start_item(handle: ProviderHandle, shared: SharedState, method_name: str,
               arguments: Mapping[str, Any], estimate: float | None, exact: bool,
               cap: Any = None, nonce: str = "") -> Started:
    """Reserve, wait for a rate slot, call ``provider.<method_name>(**arguments)`` once.

    ``cap`` (a Dask Semaphore) bounds the calls in flight across workers; ``nonce`` makes
    each attempt a distinct task for executors that cache pure calls. A call that ends
    (audio, a value, an error) is settled here; a job is settled when it ends.
    """
    with cap if cap is not None else contextlib.nullcontext():
        return _start(handle, shared, method_name, arguments, estimate, exact)


#: the longest a worker waits for a place under the shared cap on calls in flight
_BUSY_LIMIT = 3600.0


def _start(handle: ProviderHandle, shared: SharedState, method_name: str,
           arguments: Mapping[str, Any], estimate: float | None, exact: bool) -> Started:
    waited = 0.0
    while True:
        verdict, reserved, delay = _resolve(shared.begin(estimate, exact))
        if verdict != "busy" or waited >= _BUSY_LIMIT:
            break
        time.sleep(delay)  # real time: other workers' calls end in real time
        waited += delay
    if verdict == "ceiling":
        return Started("ceiling")
    if reserved is None:
        return Started("failed", error_type="Busy", error=f"no place under the cap on "
                       f"calls in flight after {_BUSY_LIMIT:g} s; nothing was sent")
    spent: list[float] = []
    try:
        provider = handle.get()
    except Exception as exc:  # nothing was sent: the worker could not connect
        _resolve(shared.end(1, settle=(reserved, 0.0, estimate)))
        return Started("failed", reserved=reserved, error_type=type(exc).__name__,
                       error=f"this worker cannot connect {handle.name}: {exc}")
    if delay > 0:
        provider.clock.sleep(float(delay))
    outcome: Started
    try:
        with paced(shared, provider, prepaid=1) as pace:
            try:
                method = getattr(provider, method_name)
                kwargs = dict(arguments)
                if estimate is not None and reserved > 0 and _accepts_max_credits(method):
                    kwargs["max_credits"] = reserved
                with capture_spending(provider) as spent:
                    result = method(**kwargs)
                outcome = _success(result, reserved, spent, estimate)
            except Exception as exc:
                outcome = _failure(exc, reserved, spent)
            if outcome.kind != "job":
                pace.settle = (reserved, outcome.spent if outcome.reported else
                               _assumed(outcome, estimate), estimate)
    except VoicekitError as exc:  # the limiter's own call failed (a lost Dask actor)
        return _failure(exc, reserved, spent)
    return outcome


def _assumed(outcome: Started, estimate: float | None) -> float:
    """What an item that reported nothing is taken to have spent."""
    return (estimate or 0.0) if outcome.kind != "failed" or outcome.charged else 0.0


def _success(result: Any, reserved: float, spent: list[float], estimate: float | None
             ) -> Started:
    used = sum(spent)
    common: dict[str, Any] = {"reserved": reserved, "spent": used, "reported": bool(spent)}
    if isinstance(result, Job):
        return Started("job", job_ref=str(result.to_ref()), **common)
    if isinstance(result, Audio):
        audio = (result.data, result.format, result.sample_rate, result.channels,
                 result.duration)
        return Started("audio", audio=audio, **common)
    return Started("value", value=describe_value(result), **common)


def _failure(exc: BaseException, reserved: float, spent: list[float]) -> Started:
    used = sum(spent)
    common: dict[str, Any] = {"reserved": reserved, "spent": used, "reported": bool(spent),
                              "error_type": type(exc).__name__}
    if isinstance(exc, VoicekitError):
        return Started("failed", error=str(exc), charged=may_have_charged(exc, used),
                       retryable=isinstance(exc, RateLimited) and not used, **common)
    if isinstance(exc, OSError):  # reading an input file: nothing was sent
        return Started("failed", error=f"{exc.strerror or exc}"
                       + (f": {exc.filename}" if exc.filename else ""), **common)
    # a bug somewhere: the request may have gone out
    return Started("failed", error=f"unexpected error: {exc}", charged=True, **common)


def describe_value(value: Any) -> Any:
    """A picklable, JSON-able view of a result that is not audio (a Voice, a Twin...)."""
    view: dict[str, Any] = {"type": type(value).__name__}
    for name in ("id", "name", "provider", "url", "duration"):
        attribute = getattr(value, name, None)
        if isinstance(attribute, (str, int, float)):
            view[name] = attribute
    return view
