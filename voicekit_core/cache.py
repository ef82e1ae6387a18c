"""An opt-in synthesis cache on disk, so that re-running a script does not pay twice.

Wrap a provider::

    tts = vk.adapters.cached(vk.connect("gemelo"), "~/.cache/my-app", max_bytes=200_000_000)
    tts.synthesize("Hello!", voice="v1")   # paid once; later runs read the file

The key is the provider (name and base URL), the voice, the options (format included;
``max_credits`` excluded) and the exact text. Entries are single files written atomically
(a reader never sees half an entry; several processes may share a folder); when the folder
grows over ``max_bytes`` the least recently used entries are removed. ``split=True`` caches
each piece, so a long text that failed half-way costs only the rest when run again.
The CLI: ``voicekit cache info`` / ``voicekit cache clear`` (``--dir`` for another folder;
``VOICEKIT_CACHE_DIR`` sets the default), and ``voicekit say --cache``.

Only use it for deterministic synthesis: a cached answer is the same audio every time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from .adapters._wrapper import ProviderWrapper
from .audio import atomic_write, check_target
from .capabilities import Synthesize
from .errors import InvalidInput
from .metrics import emit, timed
from .models import Audio, Voice

__all__ = ["CacheInfo", "CachedProvider", "SynthesisCache", "default_directory"]

_MAGIC = b"VKCACHE1\n"
_SUFFIX = ".vkc"
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
_NOT_KEYED = frozenset({"max_credits", "on_upload_progress", "split", "to"})


def default_directory() -> Path:
    """``VOICEKIT_CACHE_DIR``, else the platform's user cache folder + ``voicekit/synthesis``."""
    env = os.environ.get("VOICEKIT_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("voicekit")) / "synthesis"


@attrs.frozen
class CacheInfo:
    """What ``SynthesisCache.info()`` reports."""

    directory: Path
    entries: int
    bytes: int
    max_bytes: int


class SynthesisCache:
    """A folder of synthesised audio, keyed by request, bounded in size (LRU eviction).

    Args:
        directory: the folder (created on first write); default :func:`default_directory`.
        max_bytes: the most the entries may take together (default 512 MiB).
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None, *,
                 max_bytes: int | None = None) -> None:
        limit = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidInput(f"max_bytes must be an integer >= 1, got {max_bytes!r}",
                               field="max_bytes", limit=">= 1")
        self.directory = (Path(directory).expanduser() if directory is not None
                          else default_directory())
        if self.directory.exists() and not self.directory.is_dir():
            raise InvalidInput(f"cache directory {self.directory} is not a folder",
                               field="directory", limit="a folder")
        self.max_bytes = limit

    # -- keys ------------------------------------------------------------------------

    @staticmethod
    def key(provider: Any, text: str, voice: Any, options: Mapping[str, Any]) -> str:
        """The entry name of a request (a SHA-256 of everything that shapes the audio)."""
        voice_id = voice.id if isinstance(voice, Voice) else voice
        request = {
            "provider": str(getattr(provider, "name", provider)),
            "base_url": getattr(provider, "base_url", None),
            "voice": None if voice_id is None else str(voice_id),
            "options": {k: _plain(v) for k, v in sorted(options.items())
                        if k not in _NOT_KEYED and v is not None},
            "text": text,
        }
        blob = json.dumps(request, sort_keys=True, ensure_ascii=False, default=repr)
        return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / (key + _SUFFIX)

    # -- entries -----------------------------------------------------------------------

    def get(self, key: str) -> Audio | None:
        """The cached audio of ``key`` (marked recently used), or None."""
        path = self._path(key)
        try:
            with path.open("rb") as f:
                blob = f.read()
        except OSError:
            return None
        audio = _decode(blob)
        if audio is None:  # damaged (another tool wrote there?): forget it
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)
        return audio

    def put(self, key: str, audio: Audio) -> None:
        """Store ``audio`` under ``key`` atomically, then evict down to ``max_bytes``."""
        blob = _encode(audio)
        if len(blob) > self.max_bytes:
            return  # larger than the whole cache: not worth evicting everything for it
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, [blob])
        self.evict()

    def _entries(self) -> Iterator[tuple[Path, os.stat_result]]:
        if not self.directory.is_dir():
            return
        for sub in self.directory.iterdir():
            if not sub.is_dir():
                continue
            for path in sub.glob("*" + _SUFFIX):
                with contextlib.suppress(OSError):
                    yield path, path.stat()

    def evict(self) -> int:
        """Remove least recently used entries until the total fits; returns bytes freed."""
        entries = sorted(self._entries(), key=lambda e: e[1].st_mtime)
        total = sum(st.st_size for _, st in entries)
        freed = 0
        for path, st in entries:
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= st.st_size
                freed += st.st_size
        return freed

    def info(self) -> CacheInfo:
        """How many entries, how many bytes, where."""
        entries = list(self._entries())
        return CacheInfo(directory=self.directory, entries=len(entries),
                         bytes=sum(st.st_size for _, st in entries), max_bytes=self.max_bytes)

    def clear(self) -> int:
        """Remove every entry (only the cache's own files); returns how many."""
        removed = 0
        for path, _ in list(self._entries()):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
        if self.directory.is_dir():
            for sub in self.directory.iterdir():
                with contextlib.suppress(OSError):
                    sub.rmdir()  # only empty ones
        return removed


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Voice):
        return value.id
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return repr(value)


def _encode(audio: Audio) -> bytes:
    header = {"format": audio.format, "sample_rate": audio.sample_rate,
              "channels": audio.channels, "duration": audio.duration, "size": len(audio.data)}
    return _MAGIC + json.dumps(header).encode("ascii") + b"\n" + audio.data


def _decode(blob: bytes) -> Audio | None:
    if not blob.startswith(_MAGIC):
        return None
    end = blob.find(b"\n", len(_MAGIC))
    try:
        header = json.loads(blob[len(_MAGIC):end])
        data = blob[end + 1:]
        if end < 0 or header["size"] != len(data):
            return None
        return Audio(data=data, format=str(header["format"]),
                     sample_rate=header.get("sample_rate"), channels=header.get("channels"),
                     duration=header.get("duration"))
    except (ValueError, KeyError, TypeError):
        return None


class CachedProvider(ProviderWrapper, Synthesize):
    """A provider whose ``synthesize`` is answered from a :class:`SynthesisCache` when it can.

    Use :func:`voicekit_core.adapters.cached`. Every other attribute is the provider's.
    """

    def __init__(self, provider: Any, cache: SynthesisCache | str | os.PathLike[str] | None
                 = None, *, max_bytes: int | None = None) -> None:
        super().__init__(provider)
        self.cache = cache if isinstance(cache, SynthesisCache) else SynthesisCache(
            cache, max_bytes=max_bytes)

    def synthesize(self, text: str, *, voice: Any = None, format: str | None = None,
                   split: bool = False, **options: Any) -> Audio:
        """The provider's ``synthesize``, paid once per distinct request (``to=PATH`` also
        saves the audio there)."""
        to = options.pop("to", None)
        if to is not None:
            check_target(to, field="to")  # before anything is spent
            saved = self.synthesize(text, voice=voice, format=format, split=split, **options)
            saved.save(to)
            return saved
        if format is not None:
            options["format"] = format
        if split:
            from .longtext import synthesize_long

            return synthesize_long(self, text, voice=voice, **options)
        key = self.cache.key(self.inner, text, voice, options)
        hit = self.cache.get(key)
        if hit is not None:
            emit(self.inner, "cache", action="hit", bytes=len(hit.data))
            return timed(self.inner, "synthesize", text, lambda: hit, cached=True)
        if voice is not None:
            options["voice"] = voice
        audio: Audio = timed(self.inner, "synthesize", text,
                             lambda: self.inner.synthesize(text, **options), kwargs=options)
        self.cache.put(key, audio)
        emit(self.inner, "cache", action="store", bytes=len(audio.data))
        return audio
