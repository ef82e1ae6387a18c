"""Running a batch on a Dask cluster (``pip install voicekit-core[dask]``).

Imported only when a batch runs on a Dask executor. What workers on many machines must
share lives in the cluster, in one Dask actor (a
:class:`~voicekit_core.batch.coordinator.Coordinator` on one worker): the credit ledger,
the rate limiter and the cap on calls in flight. A call costs two round trips to it, one
to begin (reservation, rate slot, place under the cap) and one to end; a
``distributed.Semaphore`` for the cap would add two more to the scheduler per call.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures as cf
import time
from collections.abc import Callable
from typing import Any

from ..errors import ConfigurationError
from .coordinator import Coordinator

__all__ = ["ActorCoordinator", "SharedActor", "executor_for", "shared_state"]


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ConfigurationError("batches on Dask need dask.distributed: pip install "
                                 "'voicekit-core[dask]'") from None
    return distributed


def shared_state(executor: cf.Executor, *, max_credits: float | None, spent: float,
                 rate_limit: tuple[int, float] | None, workers: int, name: str
                 ) -> tuple[Any, Any]:
    """The shared coordinator of a batch on a Dask ``executor``: one actor holding the
    ledger, the rate limiter and the cap of ``workers`` calls in flight; and the
    concurrency cap to hold around each call (None: the actor's cap is the one)."""
    _distributed()
    client = getattr(executor, "_client", None)
    if client is None:
        raise ConfigurationError("a Dask executor comes from client.get_executor()")
    actor = client.submit(ActorCoordinator, max_credits, spent, rate_limit, time.monotonic,
                          workers, actor=True, pure=False).result()
    return SharedActor(actor), None


class ActorCoordinator(Coordinator):
    """The coordinator as a Dask actor: its methods are coroutines, so they run on the
    hosting worker's event loop at once (no hop to the actor's thread); each is quick,
    and only :meth:`begin` waits (for a place under the cap), without blocking the loop.
    """

    #: the longest one ``begin`` is held for a place under the cap; it then answers
    #: "busy" and the worker asks again
    HOLD = 5.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()

    async def begin(self, estimate: float | None, exact: bool = True  # type: ignore[override]
                    ) -> tuple[str, float | None, float]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.HOLD
        while True:
            verdict = Coordinator.begin(self, estimate, exact)
            left = deadline - loop.time()
            if verdict[0] != "busy" or left <= 0:
                return verdict
            place: asyncio.Future[None] = loop.create_future()
            self._waiting.append(place)
            try:
                await asyncio.wait_for(place, left)
            except asyncio.TimeoutError:
                pass
            finally:
                if place in self._waiting:
                    self._waiting.remove(place)

    async def end(self, slots: int, remaining: int | None = None,  # type: ignore[override]
                  reset_after: float | None = None, retry_after: float | None = None,
                  settle: tuple[float, float, float | None] | None = None) -> None:
        Coordinator.end(self, slots, remaining, reset_after, retry_after, settle)
        while self._waiting:  # a place is free: wake the longest waiting begin
            place = self._waiting.popleft()
            if not place.done():
                place.set_result(None)
                break

    async def take(self) -> float:  # type: ignore[override]
        return Coordinator.take(self)

    async def settle(self, reserved: float, spent: float,  # type: ignore[override]
                     estimate: float | None = None) -> None:
        Coordinator.settle(self, reserved, spent, estimate)


class SharedActor:
    """A Dask actor's address, passed to tasks as plain data.

    Handing tasks the actor itself would make it a dependency, and the scheduler would
    then run every task on the worker that hosts the actor. Calls answer with futures
    (``.result()``).
    """

    def __init__(self, actor: Any) -> None:
        self._ref = actor.__reduce__()[1]  # (class, worker address, key)
        self._actor: Any = actor

    def __getstate__(self) -> Any:
        return self._ref

    def __setstate__(self, state: Any) -> None:
        self._ref = state
        self._actor = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._actor is None:
            self._actor = _actor(self._ref)
        return getattr(self._actor, name)


_ACTORS: dict[str, Any] = {}


def _actor(ref: tuple[Any, str, str]) -> Any:
    """The actor of ``ref`` (class, address, key), one per process and key."""
    actor = _ACTORS.get(ref[2])
    if actor is None:
        from distributed.actor import Actor

        actor = _ACTORS[ref[2]] = Actor(*ref)  # type: ignore[no-untyped-call]
    return actor


def executor_for(scheduler: str | None = None, *, local_workers: int | None = None,
                 threads_per_worker: int = 4) -> tuple[cf.Executor, Callable[[], None]]:
    """An executor on the Dask scheduler at ``scheduler`` (``tcp://host:8786``), or on a
    new local cluster of ``local_workers`` processes; and the function that closes it."""
    distributed = _distributed()
    cluster = None
    if scheduler is not None:
        client = distributed.Client(scheduler)
    else:
        import dask

        # no dashboard, so nobody reads the workers' statistical profiles: sampling every
        # thread every 10 ms costs an I/O-bound batch a few percent of its throughput
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = distributed.LocalCluster(n_workers=local_workers or 2, processes=True,
                                               threads_per_worker=threads_per_worker,
                                               dashboard_address=None)
        client = distributed.Client(cluster)

    def close() -> None:
        client.close()
        if cluster is not None:
            cluster.close()

    executor: cf.Executor = client.get_executor()
    return executor, close
