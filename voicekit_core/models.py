"""The values voicekit hands back: voices, audio, streams, balances, costs, results.

attrs classes, frozen and slotted. Each keeps the vendor's own payload in ``raw``. Vendor
JSON is read with :mod:`voicekit_core.schema`; ``ProviderInfo`` lives in
:mod:`voicekit_core.registry` and ``Event`` in :mod:`voicekit_core.events` (both still
importable from here).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any, BinaryIO, TypeVar

import attrs

from . import audio as _audio
from .errors import InvalidInput
from .jobs import Job, JobRef, JobState, JobUpdate, PollPolicy

__all__ = [
    "Audio",
    "AudioStream",
    "Balance",
    "Cost",
    "DubResult",
    "DuplexStream",
    "Job",
    "JobRef",
    "JobState",
    "JobUpdate",
    "PollPolicy",
    "Twin",
    "Video",
    "Voice",
    "parse_datetime",
]

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_S = TypeVar("_S", bound="AudioStream")


def _freeze(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value)) if value else _EMPTY


@attrs.frozen
class Voice:
    """A voice a provider can speak with.

    ``id`` is always a string (pass it back as ``voice=``); ``kind`` says where it comes from
    (``"system"``, ``"cloned"``, ``"public"``, ...: each provider documents its kinds).
    """

    id: str
    name: str
    provider: str
    kind: str = "system"
    languages: tuple[str, ...] = ()
    description: str | None = None
    raw: Mapping[str, Any] = attrs.field(default=_EMPTY, converter=_freeze, repr=False,
                                         eq=False)

    def speaks(self, language: str) -> bool:
        """Whether the voice speaks ``language``: tags match by prefix either way
        (``"en"`` matches ``"en-US"``; ``"en_GB"`` matches ``"en"``), in any case."""
        want = _language_tag(language)
        return any(have == want or have.startswith(want + "-") or want.startswith(have + "-")
                   for have in map(_language_tag, self.languages))


def _language_tag(value: str) -> str:
    return value.strip().lower().replace("_", "-")


def parse_datetime(value: Any) -> dt.datetime | None:
    """An ISO-8601 string from vendor JSON as an aware datetime (UTC when no zone is
    given), or None when it is absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = _fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


_FRACTION = re.compile(r"(\.\d+)(?=[+-]\d\d:?\d\d$|$)")


def _fromisoformat(value: str) -> dt.datetime:
    """``datetime.fromisoformat`` that also reads ``Z`` and any number of fraction digits
    on Python 3.10 (which only takes 3 or 6)."""
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    text = _FRACTION.sub(lambda m: (m.group(1) + "000000")[:7], text)
    return dt.datetime.fromisoformat(text)


@attrs.frozen
class Audio:
    """Synthesised or converted audio, in memory.

    ``duration`` is computed from the header for WAV and from the byte count for PCM when
    the provider did not state it.
    """

    data: bytes = attrs.field(repr=lambda d: f"<{len(d)} bytes>")
    format: str
    sample_rate: int | None = None
    channels: int | None = None
    duration: float | None = None
    metadata: Mapping[str, Any] = attrs.field(default=_EMPTY, converter=_freeze, repr=False,
                                              eq=False)

    def __attrs_post_init__(self) -> None:
        if self.format == "wav" and self.data[:4] == b"RIFF" and (
                self.sample_rate is None or self.channels is None or self.duration is None):
            try:
                info = _audio.parse_wav_header(self.data[:4096])
            except InvalidInput:
                return
            size = len(self.data) - info.data_offset
            if self.sample_rate is None:
                object.__setattr__(self, "sample_rate", info.sample_rate)
            if self.channels is None:
                object.__setattr__(self, "channels", info.channels)
            if self.duration is None:
                object.__setattr__(self, "duration", info.duration(size))
        elif self.format == "pcm" and self.duration is None and self.sample_rate:
            channels = self.channels or 1
            object.__setattr__(self, "duration", len(self.data) / (2 * channels * self.sample_rate))

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the audio to ``path`` atomically (never a partial file); return the path.

        A suffix naming another audio format (``"x.mp3"`` for WAV audio) converts the
        audio first (see :mod:`voicekit_core.convert`), or refuses: WAV bytes are never
        written into an ``.mp3`` file.
        """
        return _audio.atomic_write(path, [_as_suffix_asks(self, path).data])

    def convert(self, format: str | None = None, *, sample_rate: int | None = None) -> Audio:
        """This audio as ``format`` at ``sample_rate`` (extra ``voicekit-core[convert]``)."""
        from .convert import convert

        return convert(self, format=format, sample_rate=sample_rate)

    def head(self, size: int = 64) -> bytes:
        """The first ``size`` bytes (what format sniffing looks at)."""
        return self.data[:size]

    def __len__(self) -> int:
        return len(self.data)


@attrs.frozen
class SavedAudio:
    """Audio that a call wrote to ``path`` (``synthesize(..., to=PATH)``), not held in
    memory: a large answer goes from the network to the file in chunks.

    It has :class:`Audio`'s attributes; ``data`` reads the file (on each access), and
    :meth:`read` gives an in-memory :class:`Audio`.
    """

    path: Path
    format: str
    size: int
    sample_rate: int | None = None
    channels: int | None = None
    duration: float | None = None
    metadata: Mapping[str, Any] = attrs.field(default=_EMPTY, converter=_freeze, repr=False,
                                              eq=False)

    @property
    def data(self) -> bytes:
        """The whole file, read now (memory grows with it: prefer ``path``)."""
        return self.path.read_bytes()

    def head(self, size: int = 64) -> bytes:
        """The first ``size`` bytes of the file."""
        with self.path.open("rb") as f:
            return f.read(size)

    def read(self) -> Audio:
        """The audio in memory."""
        return Audio(data=self.data, format=self.format, sample_rate=self.sample_rate,
                     channels=self.channels, duration=self.duration, metadata=self.metadata)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Copy the audio to ``path`` atomically, in chunks (a suffix naming another format
        converts it, as :meth:`Audio.save` does)."""
        from .convert import format_of_path

        if format_of_path(path) not in (None, self.format):
            return self.read().save(path)
        with self.path.open("rb") as source:
            return _audio.atomic_write(path, iter(lambda: source.read(1 << 16), b""))

    def __len__(self) -> int:
        return self.size


class AudioStream:
    """Audio arriving in chunks: iterate it, or ``save()`` / ``read()`` it whole.

    Chunks are handed over as they arrive, never buffered. Use it as a context manager (or
    call ``close()``) to release the connection early. A stream that breaks raises
    :class:`~voicekit_core.errors.StreamInterrupted` (with the bytes received) rather than
    ending short. For WAV, ``sample_rate`` / ``channels`` are read from the RIFF header as
    soon as it has arrived.
    """

    def __init__(
        self,
        chunks: Iterable[bytes],
        *,
        format: str,
        sample_rate: int | None = None,
        channels: int | None = None,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self.format = format
        self.sample_rate = sample_rate
        self.channels = channels
        self.received_bytes = 0
        self._chunks = iter(chunks)
        self._on_close = on_close
        self._closed = False
        self._head = b""

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self._closed:
            raise StopIteration
        try:
            chunk = next(self._chunks)
        except BaseException:
            self._release()
            raise
        self.received_bytes += len(chunk)
        if self.format == "wav" and len(self._head) < 4096:
            self._learn_header(chunk)
        return chunk

    def _learn_header(self, chunk: bytes) -> None:
        self._head += chunk[: 4096 - len(self._head)]
        try:
            info = _audio.parse_wav_header(self._head)
        except InvalidInput:
            return
        self.sample_rate = info.sample_rate
        self.channels = info.channels
        self._head = b"\0" * 4096  # done

    def close(self) -> None:
        """Stop receiving and release the connection (idempotent)."""
        self._release()

    def _release(self) -> None:
        if not self._closed:
            self._closed = True
            if self._on_close is not None:
                self._on_close()

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._release()

    def read(self) -> Audio:
        """Consume the rest of the stream into one :class:`Audio` (WAV sizes made exact)."""
        data = b"".join(self)
        if self.format == "wav" and data[:4] == b"RIFF":
            data = _audio.finalize_wav_bytes(data)
        return Audio(data=data, format=self.format, sample_rate=self.sample_rate,
                     channels=self.channels)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Stream the rest to ``path`` atomically; a broken stream leaves no file behind.

        A suffix naming another format (``"x.mp3"`` for a WAV stream) is checked before
        anything is read, then the whole audio is converted (see :meth:`Audio.save`).
        """
        from .convert import check_encodable, format_of_path

        wanted = format_of_path(path)
        if wanted is not None and wanted != self.format:
            check_encodable(wanted, source=self.format)
            return self.read().save(path)
        finish = _finish_wav if self.format == "wav" else None
        return _audio.atomic_write(path, self, finish=finish)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return (f"<{type(self).__name__} {self.format} {state}, "
                f"{self.received_bytes} bytes received>")


def _as_suffix_asks(audio: Audio, path: str | os.PathLike[str]) -> Audio:
    """``audio`` in the format the suffix of ``path`` names (unchanged for other suffixes)."""
    from .convert import convert, format_of_path

    wanted = format_of_path(path)
    if wanted is None or wanted == audio.format:
        return audio
    return convert(audio, format=wanted)


def _finish_wav(out: BinaryIO) -> None:
    out.seek(0)
    head = out.read(4096)
    if head[:4] != b"RIFF":
        return
    info = _audio.parse_wav_header(head)
    total = out.seek(0, os.SEEK_END)
    if info.data_size != total - info.data_offset:
        _audio.fix_wav_sizes(out, info, total)


class DuplexStream(AudioStream):
    """A two-way stream: ``send()`` text pieces while iterating audio, from two threads.

    ``finish()`` (alias ``close()``) means "no more text": the provider flushes and the
    iteration ends when all audio has arrived. Leaving the ``with`` block (or ``abort()``)
    drops the stream at once.
    """

    def __init__(
        self,
        chunks: Iterable[bytes],
        *,
        send: Callable[[str], None],
        finish: Callable[[], None],
        abort: Callable[[], None],
        format: str,
        sample_rate: int | None = None,
        channels: int | None = None,
    ) -> None:
        super().__init__(chunks, format=format, sample_rate=sample_rate, channels=channels,
                         on_close=abort)
        self._send = send
        self._finish = finish
        self._finished = False
        self._send_lock = threading.Lock()

    def send(self, text: str) -> None:
        """Queue ``text`` for synthesis; audio for it follows, in order."""
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("text must be a non-empty string", field="text",
                               limit="non-empty")
        with self._send_lock:
            if self._finished:
                raise InvalidInput("send() after close(): the stream takes no more text",
                                   field="text", limit="before close()")
            self._send(text)

    def finish(self) -> None:
        """No more text: flush; iteration ends after the last audio (idempotent)."""
        with self._send_lock:
            if not self._finished:
                self._finished = True
                if not self._closed:
                    self._finish()

    def close(self) -> None:
        """Same as :meth:`finish`: no more text; the audio still pending arrives."""
        self.finish()

    def abort(self) -> None:
        """Drop the stream now, without waiting for pending audio."""
        self._release()


@attrs.frozen
class Balance:
    """What an account has left to spend."""

    credits: float
    unit: str = "credits"
    breakdown: Mapping[str, float] = attrs.field(default=_EMPTY, converter=_freeze)
    resets_at: dt.datetime | None = None
    raw: Mapping[str, Any] = attrs.field(default=_EMPTY, converter=_freeze, repr=False,
                                         eq=False)


@attrs.frozen
class Cost:
    """What an operation will spend. ``exact`` is False for an estimate."""

    credits: float
    unit: str = "credits"
    exact: bool = True


@attrs.frozen
class _Downloadable:
    url: str
    duration: float | None = None
    raw: Mapping[str, Any] = attrs.field(default=_EMPTY, converter=_freeze, repr=False,
                                         eq=False)
    _fetch: Callable[..., Path] | None = attrs.field(default=None, repr=False, eq=False,
                                                     alias="fetch")

    def download(
        self, path: str | os.PathLike[str], *, on_progress: Callable[[int, int | None], None]
        | None = None,
    ) -> Path:
        """Stream the file to ``path`` (atomic, constant memory, no credentials sent)."""
        if self._fetch is None:
            raise InvalidInput("this result is not bound to a provider; connect() one and use "
                               "its download()", field="url")
        return self._fetch(self.url, path, on_progress=on_progress)


@attrs.frozen
class DubResult(_Downloadable):
    """A finished dub: ``download(path)`` saves it."""


@attrs.frozen
class Video(_Downloadable):
    """A rendered video: ``download(path)`` saves it (an MP4, streamed, atomic).

    ``id`` is the vendor's video id where it has one (to get or delete it again);
    ``status`` the vendor's word for it when listed (a listed video may not be ready yet).
    """

    id: str | None = None
    status: str | None = None


@attrs.frozen
class Twin:
    """A video AI twin."""

    id: str
    name: str
    raw: Mapping[str, Any] = attrs.field(default=_EMPTY, converter=_freeze, repr=False,
                                         eq=False)


#: Names that moved out of this module, still importable from it.
_MOVED = {"ProviderInfo": ("registry", "ProviderInfo"), "Event": ("events", "Event"),
          "make_converter": ("schema", "make_converter")}


def __getattr__(name: str) -> Any:
    """``ProviderInfo`` (now in :mod:`~voicekit_core.registry`), ``Event``
    (:mod:`~voicekit_core.events`) and the cattrs helpers (:mod:`~voicekit_core.schema`)
    keep working from here, loaded on first use."""
    import importlib

    if name == "converter":
        from .schema import make_converter

        value = globals()["converter"] = make_converter()
        return value
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _MOVED[name]
    return getattr(importlib.import_module(f"{__package__}.{module}"), attribute)
