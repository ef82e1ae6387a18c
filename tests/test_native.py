"""library_lock: one lock per native library name, the same for every caller."""

from __future__ import annotations

import threading

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
