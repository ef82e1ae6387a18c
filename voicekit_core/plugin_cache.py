"""A cache of what the installed plugins registered, for listing them without loading them.

``voicekit providers`` would otherwise parse every distribution's metadata and import every
plugin (and pluggy) on each run. The cache file (user cache dir, or ``VOICEKIT_CACHE_DIR``)
holds the registered providers and load errors, keyed by the installed distributions
(``*.dist-info``/``*.egg-info`` names and modification times on ``sys.path``) and
``VOICEKIT_LOAD_PLUGINS``; it is also dropped when a plugin's registration module changed
(its file's modification time). ``VOICEKIT_NO_CACHE=1`` turns it off. Reading or writing
it never fails a command: any problem means "no cache".
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["installed_key", "read", "write"]

_VERSION = 2
_KEEP = 8  # listings kept (one per way of starting Python: console script, -m, ...)


def _directory() -> Path:
    override = os.environ.get("VOICEKIT_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("voicekit"))


def _path() -> Path:
    return _directory() / "plugins.json"


def installed_key() -> str:
    """What the installed distributions look like now (names and mtimes on ``sys.path``)."""
    parts: list[str] = [str(_VERSION), sys.version, os.environ.get("VOICEKIT_LOAD_PLUGINS", "")]
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as found:
                names = sorted((e.name, e.stat().st_mtime_ns) for e in found
                               if e.name.endswith((".dist-info", ".egg-info", ".egg-link")))
        except OSError:
            continue
        parts.append(f"{entry}:{names}")
    return "\n".join(parts)


def _files_unchanged(files: Any) -> bool:
    if not isinstance(files, dict):
        return False
    for name, mtime in files.items():
        try:
            if os.stat(name).st_mtime_ns != mtime:
                return False
        except OSError:
            return False
    return True


def _entries() -> list[Any]:
    try:
        data = json.loads(_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return data if isinstance(data, list) else []


def read(key: str) -> dict[str, Any] | None:
    """The cached listing for ``key``, or None (absent, stale, unreadable, turned off)."""
    if os.environ.get("VOICEKIT_NO_CACHE"):
        return None
    data = next((e for e in _entries() if isinstance(e, dict) and e.get("key") == key), None)
    if data is None or not _files_unchanged(data.get("files")):
        return None
    listing = data.get("listing")
    return listing if isinstance(listing, dict) else None


def write(key: str, listing: dict[str, Any], modules: list[str]) -> None:
    """Store ``listing`` under ``key``; ``modules`` are the plugin files it depends on."""
    if os.environ.get("VOICEKIT_NO_CACHE"):
        return
    files: dict[str, int] = {}
    for name in modules:
        try:
            files[name] = os.stat(name).st_mtime_ns
        except OSError:
            return  # a plugin file we cannot watch: do not cache what might go stale
    entries = [e for e in _entries() if isinstance(e, dict) and e.get("key") != key]
    entries = [{"key": key, "files": files, "listing": listing}, *entries][:_KEEP]
    path = _path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".plugins.", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(entries, out)
        os.replace(tmp, path)
    except (OSError, TypeError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
