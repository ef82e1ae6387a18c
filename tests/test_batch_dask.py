"""Batches on a Dask LocalCluster of 2 worker processes (needs voicekit-core[dask])."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import batchfake
import pytest
from batchfake import BatchFakeEmulator

import voicekit_core as vk
from voicekit_core.batch import BatchItem, run

distributed = pytest.importorskip("distributed")
batchfake.register()
KEY = BatchFakeEmulator.credentials["api_key"]


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """One cluster of 2 worker processes for the module. Workers read keys from their
    environment at start: batchfake-cheap has one, batchfake has none."""
    saved = {k: os.environ.pop(k, None) for k in ("BATCHFAKE_API_KEY",
                                                  "BATCHFAKE_CHEAP_API_KEY")}
    os.environ["BATCHFAKE_CHEAP_API_KEY"] = KEY
    try:
        with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=2,
                                      dashboard_address=None) as cluster, \
                distributed.Client(cluster, timeout=60) as dask_client:
            yield dask_client
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value


def _connected_providers() -> int:
    from voicekit_core.batch import tasks

    return len(tasks._PROVIDERS)


def test_ceiling_honoured_on_a_local_cluster_of_2_processes(tmp_path: Path, client: Any
                                                           ) -> None:
    """Workers in two processes share the ledger and the concurrency cap (a Dask actor):
    estimates are half the real price, and together they still stop at the ceiling,
    paying no item twice."""
    items = [BatchItem(f"line number {i:03d}", voice="v1") for i in range(20)]
    with BatchFakeEmulator() as emu:
        emu.faults.add("POST /tts", "delay", count=20, delay=0.1)  # calls overlap
        with vk.connect("batchfake-cheap", **emu.connect_options()) as provider:
            report = run(provider, "say", items, tmp_path, executor=client.get_executor(),
                         workers=4, max_credits=150)
        per_worker = client.run(_connected_providers)
        assert emu.ledger.spent <= 150
        assert report.count("done") == 10 and report.count("pending") == 10
        assert set(emu.charged.values()) == {1}
        assert sorted(per_worker.values()) == [1, 1]  # both processes did paid calls
        assert _connected_providers() == 0  # and this one did none
        assert len(list(tmp_path.glob("*.wav"))) == 10


def test_dask_workers_without_credentials_fail_cleanly(tmp_path: Path, client: Any) -> None:
    """Keys never travel to workers: one without them reports the item failed, unpaid."""
    with BatchFakeEmulator() as emu, \
            vk.connect("batchfake", **emu.connect_options()) as provider:
        report = run(provider, "say", [BatchItem("hello", voice="v1")], tmp_path,
                     executor=client.get_executor())
    assert [(f.error_type, f.charged) for f in report.failed] == [("MissingCredentials", False)]
    assert "BATCHFAKE_API_KEY" in (report.failed[0].error or "") and emu.log == []

