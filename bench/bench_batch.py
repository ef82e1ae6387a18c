"""Batch throughput: N items against a vendor with a fixed latency L, C calls at a time.

Run: ``python bench/bench_batch.py``. The ideal is C / L items a second; each ratio is the
measured throughput over it (target: at least 0.9). The vendor is a loopback HTTP server
that answers every ``POST /tts`` after L seconds (bench/_batch_fake.py); every item goes
through the whole batch machinery (state file, ledger reservation and settlement, rate
limiter, atomic output file).

Figures:
    items, latency_s, concurrency: N, L and C.
    raw_requests_items_per_s / raw_requests_ratio: the floor, C threads posting with plain
        ``requests`` (what the machine allows; on a loaded machine it is below 1 too).
    threads_items_per_s / threads_ratio: the default executor (C threads).
    dask_items_per_s / dask_ratio: a Dask LocalCluster of 2 worker processes, as
        ``voicekit batch --local-cluster 2`` starts it (C threads each; the batch queues
        2C calls and its Dask actor, which holds the ledger, the rate limiter and the cap,
        lets C run: a call waiting for a place is held on the actor, not polling); the
        cluster's start-up (dask_startup_s) is not counted, the batch's own start (the
        actor, workers importing voicekit and connecting) is.
    dask_floor_items_per_s / dask_floor_ratio: the same cluster running tasks that only
        sleep L, C at a time: what Dask itself allows on this machine.
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

N = int(os.environ.get("BENCH_BATCH_ITEMS", 192))
LATENCY = float(os.environ.get("BENCH_BATCH_LATENCY", 0.5))
CONCURRENCY = 8


def _throughput(executor: Any, url: str) -> float:
    from _batch_fake import LatencyProvider

    from voicekit_core.batch import BatchItem, run

    items = [BatchItem(f"item {i}", voice="v") for i in range(N)]
    with tempfile.TemporaryDirectory() as out, LatencyProvider(base_url=url) as provider:
        start = time.perf_counter()
        report = run(provider, "synthesize", items, out, executor=executor,
                     workers=CONCURRENCY, max_credits=N)
        elapsed = time.perf_counter() - start
    if not report.ok or report.spent != N:
        statuses = collections.Counter(item.status for item in report.items)
        odd = [item for item in report.items if item.status != "done"][:2]
        raise RuntimeError(f"the batch did not complete: {dict(statuses)}, spent "
                           f"{report.spent} of {N}; {odd}")
    return N / elapsed


def _raw_throughput(url: str) -> float:
    """The floor: C threads posting with plain requests.Session objects, no voicekit."""
    import concurrent.futures as cf
    import threading

    import requests

    local = threading.local()

    def call(i: int) -> bytes:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        return session.post(url + "/tts", json={"text": f"item {i}", "voice": "v"},
                            timeout=30).content

    start = time.perf_counter()
    with cf.ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(call, range(N)))
    return N / (time.perf_counter() - start)


def _sleep_throughput(executor: Any) -> float:
    """The Dask floor: N tasks that only sleep L, C at a time, no voicekit."""
    import concurrent.futures as cf

    start = time.perf_counter()
    pending: set[cf.Future[None]] = set()
    submitted = 0
    while submitted < N or pending:
        while submitted < N and len(pending) < CONCURRENCY:
            pending.add(executor.submit(time.sleep, LATENCY, pure=False))
            submitted += 1
        _, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
    return N / (time.perf_counter() - start)


def run() -> dict[str, Any]:
    ideal = CONCURRENCY / LATENCY
    server = subprocess.Popen([sys.executable, str(HERE / "_batch_fake.py"), str(LATENCY)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdin is not None
    url = server.stdout.readline().strip()
    figures: dict[str, Any] = {"items": N, "latency_s": LATENCY, "concurrency": CONCURRENCY}
    try:
        raw = _raw_throughput(url)
        figures["raw_requests_items_per_s"] = round(raw, 2)
        figures["raw_requests_ratio"] = round(raw / ideal, 3)
        threads = _throughput(None, url)
        figures["threads_items_per_s"] = round(threads, 2)
        figures["threads_ratio"] = round(threads / ideal, 3)
        try:
            import distributed  # noqa: F401
        except ImportError:
            figures["dask"] = "skipped: pip install 'voicekit-core[dask]'"
            return figures
        from voicekit_core.batch.dask import executor_for

        start = time.perf_counter()
        executor, close = executor_for(local_workers=2, threads_per_worker=CONCURRENCY)
        try:
            figures["dask_startup_s"] = round(time.perf_counter() - start, 2)
            floor = _sleep_throughput(executor)
            figures["dask_floor_items_per_s"] = round(floor, 2)
            figures["dask_floor_ratio"] = round(floor / ideal, 3)
            dask = _throughput(executor, url)
        finally:
            close()
        figures["dask_items_per_s"] = round(dask, 2)
        figures["dask_ratio"] = round(dask / ideal, 3)
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
