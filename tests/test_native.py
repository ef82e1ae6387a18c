"""library_lock: one lock per native library name, the same for every caller."""

from __future__ import annotations

import threading

import pytest

from voicekit_core.native import library_lock


def test_same_name_same_lock_from_any_thread() -> None:
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(library_lock("libdemo")))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(seen) == 8 and all(lock is seen[0] for lock in seen)
    assert library_lock("libdemo") is seen[0]
    assert library_lock("libother") is not seen[0]


def test_the_lock_excludes() -> None:
    lock = library_lock("libexclusive")
    with lock:
        assert not library_lock("libexclusive").acquire(blocking=False)
    assert lock.acquire(blocking=False)
    lock.release()


def test_espeak_ng_loads_the_library_and_its_data_once_asked() -> None:
    pytest.importorskip("espeakng_loader")
    from pathlib import Path

    from voicekit_core.native import espeak_ng

    lib, data = espeak_ng(provider="acme", install="pip install acme")
    assert hasattr(lib, "espeak_Initialize") and Path(data).is_dir()
