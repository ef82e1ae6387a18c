"""Process-wide locks for native libraries that keep their state in globals.

Two plugins may bind the same C library through ``ctypes`` (espeak speaks with
libespeak-ng, piper phonemizes with it). ``dlopen`` hands both the same copy, so its global
state (current voice, callbacks, buffers) is shared: every call into it must be serialised
by one lock, whichever plugin makes it. Plugins never import each other, so they meet here::

    from voicekit_core.native import library_lock

    LOCK = library_lock("libespeak-ng")   # the same Lock in every plugin that asks
"""

from __future__ import annotations

import ctypes
import threading

from .errors import ConfigurationError

__all__ = ["espeak_ng", "library_lock"]

_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


def library_lock(name: str) -> threading.Lock:
    """The one lock (not re-entrant) of native library ``name`` in this process."""
    with _guard:
        lock = _locks.get(name)
        if lock is None:
            lock = _locks[name] = threading.Lock()
        return lock


def espeak_ng(*, provider: str, install: str) -> tuple[ctypes.CDLL, str]:
    """libespeak-ng and its data folder, from the ``espeakng-loader`` wheel that the plugins
    speaking through espeak-ng depend on (imported here only when called).

    Raises:
        ConfigurationError: the wheel is missing (naming ``install``) or its library does
            not load.
    """
    try:
        import espeakng_loader  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        raise ConfigurationError(f"{provider} needs the espeakng-loader wheel: {install}",
                                 provider=provider) from None
    library = espeakng_loader.get_library_path()
    try:
        data_path = str(espeakng_loader.get_data_path())
        return ctypes.CDLL(library), data_path
    except (OSError, RuntimeError) as exc:
        raise ConfigurationError(f"cannot load espeak-ng from {library}: {exc}; reinstall "
                                 "espeakng-loader", provider=provider) from exc
