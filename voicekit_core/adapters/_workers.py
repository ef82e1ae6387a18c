"""A pool of daemon threads that live on between streams (starting a thread per stream
would cost its first audio a thread start-up)."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable

__all__ = ["submit"]

_tasks: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
_idle = threading.Semaphore(0)
_lock = threading.Lock()
_count = 0


def _work() -> None:
    while True:
        task = _tasks.get()
        with contextlib.suppress(BaseException):  # tasks report their own errors
            task()
        _idle.release()


def submit(task: Callable[[], None]) -> None:
    """Run ``task`` on an idle pool thread, or on a new one when none is idle."""
    global _count
    _tasks.put(task)
    if _idle.acquire(blocking=False):
        return
    with _lock:
        _count += 1
        name = f"voicekit-adapter-{_count}"
    threading.Thread(target=_work, name=name, daemon=True).start()
