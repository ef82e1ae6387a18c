"""Process-wide locks for native libraries that keep their state in globals.

Two plugins may bind the same C library through ``ctypes`` (espeak speaks with
libespeak-ng, piper phonemizes with it). ``dlopen`` hands both the same copy, so its global
state (current voice, callbacks, buffers) is shared: every call into it must be serialised
by one lock, whichever plugin makes it. Plugins never import each other, so they meet here::

    from voicekit_core.native import library_lock

    LOCK = library_lock("libespeak-ng")   # the same Lock in every plugin that asks
"""

from __future__ import annotations

import threading

__all__ = ["library_lock"]

_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


def library_lock(name: str) -> threading.Lock:
    """The one lock (not re-entrant) of native library ``name`` in this process."""
    with _guard:
        lock = _locks.get(name)
        if lock is None:
            lock = _locks[name] = threading.Lock()
        return lock
