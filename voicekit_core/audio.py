"""Audio formats and files: sniffing, WAV headers, input sources, atomic writes, durations.

Nothing here touches the network; plugins use it to validate input before any request.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Union

import attrs

from .errors import ConfigurationError, InvalidInput
from .wav import (  # the WAV helpers lived here: re-exported
    WavInfo,
    finalize_wav_bytes,
    fix_wav_sizes,
    one_wav,
    parse_wav_header,
    wav_header,
)

__all__ = [
    "AudioInput",
    "AudioSource",
    "WavInfo",
    "atomic_write",
    "check_target",
    "finalize_wav_bytes",
    "fix_wav_sizes",
    "format_of_content_type",
    "media_duration",
    "one_wav",
    "parse_wav_header",
    "sniff_format",
    "wav_header",
]

#: What every ``audio=`` / ``samples=`` / ``source=`` argument accepts.
AudioInput = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, BinaryIO]

CONTENT_TYPES = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "opus": "audio/ogg",
    "webm": "audio/webm",
    "flac": "audio/flac",
    "m4a": "audio/mp4",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "pcm": "audio/pcm",
}

#: Content-Type -> format, for answers (aliases vendors send included).
CONTENT_FORMATS = {
    "audio/wav": "wav", "audio/x-wav": "wav", "audio/wave": "wav", "audio/vnd.wave": "wav",
    "audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/mpeg3": "mp3", "audio/x-mpeg": "mp3",
    "audio/ogg": "ogg", "audio/opus": "ogg", "application/ogg": "ogg", "audio/vorbis": "ogg",
    "audio/flac": "flac", "audio/x-flac": "flac", "audio/webm": "webm",
    "audio/mp4": "m4a", "audio/x-m4a": "m4a", "audio/aac": "aac",
    "audio/pcm": "pcm", "audio/l16": "pcm", "audio/x-pcm": "pcm", "audio/raw": "pcm",
    "video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm",
}


def format_of_content_type(content_type: str | None) -> str | None:
    """The format a Content-Type names (parameters and case ignored), or None."""
    if not content_type:
        return None
    return CONTENT_FORMATS.get(content_type.split(";")[0].strip().lower())


_SNIFF_BYTES = 64
_NAME_MAX = 255  # bytes in one file name on common file systems


def sniff_format(head: bytes) -> str | None:
    """Name the container of audio/video bytes from their first bytes, or None.

    Knows RIFF/WAVE (``wav``), MP3 with an ID3 tag or a frame sync (``mp3``), OGG
    (``ogg``), WebM/Matroska (``webm``), FLAC (``flac``) and ISO media by brand
    (``m4a``, ``mov``, ``mp4``).
    """
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:3] == b"ID3":
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0 and (head[1] & 0x06):
        return "mp3"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if head[:4] == b"fLaC":
        return "flac"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand.startswith(b"M4A") or brand.startswith(b"M4B"):
            return "m4a"
        if brand == b"qt  ":
            return "mov"
        return "mp4"
    return None


# -- files -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _umask() -> int:
    """The process umask (read once: from /proc on Linux, else by setting and restoring)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_target(path: str | os.PathLike[str], *, field: str = "path") -> Path:
    """``path`` as a file that can be written, or InvalidInput naming it and why.

    Checked before any paid work: the folder must exist and be writable, and ``path`` must
    not be a folder nor a file that cannot be replaced. Nothing is created.
    """
    try:
        target = Path(os.fspath(path))
    except TypeError:
        raise InvalidInput(f"{field} must be a file path, not {type(path).__name__}",
                           field=field) from None
    text = str(target)
    if not text or text == "." or "\0" in text:
        raise InvalidInput(f"{field} {text!r} is not a file path", field=field)
    try:
        os.fsencode(text)
    except UnicodeError:  # a lone surrogate: no file system can name it
        raise InvalidInput(f"{field} {text!r} is not a file path: it holds characters a file "
                           "name cannot have", field=field, limit="an encodable path") from None
    try:
        _check_folder(target, text, field)
    except OSError as exc:  # a name over 255 bytes, a path too long, a loop of links
        reason = exc.strerror or type(exc).__name__
        raise InvalidInput(f"cannot write {text}: {reason}", field=field,
                           limit="a writable file path") from None
    return target


def _check_folder(target: Path, text: str, field: str) -> None:
    directory = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise InvalidInput(f"cannot write {text}: it is a folder; give a file name",
                           field=field, limit="a file path")
    if not directory.is_dir():
        what = "is not a folder" if directory.exists() else "does not exist"
        raise InvalidInput(f"cannot write {text}: the folder {directory} {what}",
                           field=field, limit="an existing folder")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise InvalidInput(f"cannot write {text}: no permission to write in {directory}",
                           field=field, limit="a writable folder")


def atomic_write(
    path: str | os.PathLike[str],
    chunks: Iterable[bytes],
    *,
    finish: Callable[[BinaryIO], None] | None = None,
) -> Path:
    """Write ``chunks`` to a temporary file beside ``path`` and rename it into place.

    If anything fails, the temporary file is removed and ``path`` is untouched: no partial
    output ever appears at the target. ``finish`` may patch the file before the rename.
    A target that cannot be written raises InvalidInput naming it (checked first, and again
    for an OS error while writing: disk full, a folder removed meanwhile).
    """
    target = check_target(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".part", dir=directory)
    except OSError as exc:
        raise _write_error(target, exc) from None
    try:
        # mkstemp makes the file 0600; the result gets the mode any new file would get
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w+b") as out:
            for chunk in chunks:  # the source's own errors pass through unchanged
                _write(out, chunk, target)
            if finish is not None:
                finish(out)
            try:
                out.flush()
                os.fsync(out.fileno())
            except OSError as exc:
                raise _write_error(target, exc) from None
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise _write_error(target, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


def _temp_prefix(target: Path) -> str:
    """``.<name>.`` beside the target, shortened when the name leaves no room for the suffix."""
    if len(os.fsencode(target.name)) <= _NAME_MAX - 20:
        return f".{target.name}."
    return ".voicekit."


def _write(out: BinaryIO, chunk: bytes, target: Path) -> None:
    try:
        out.write(chunk)
    except OSError as exc:  # disk full, quota: named, not a raw OSError
        raise _write_error(target, exc) from None


def _write_error(target: Path, exc: OSError) -> InvalidInput:
    reason = exc.strerror or type(exc).__name__
    return InvalidInput(f"cannot write {target}: {reason}", field="path",
                        limit="a writable file path")


# -- inputs ----------------------------------------------------------------------------


@attrs.define
class AudioSource:
    """One audio/video input, normalised: a local file, bytes, an open binary file or a URL.

    ``open()`` gives a fresh binary stream positioned at the start each time it is called, so
    a retried upload re-reads from the beginning. Size and format are known without reading
    the whole input.
    """

    name: str
    size: int | None
    format: str | None
    url: str | None = None
    _path: Path | None = attrs.field(default=None, repr=False)
    _data: bytes | None = attrs.field(default=None, repr=False)
    _file: BinaryIO | None = attrs.field(default=None, repr=False)
    _file_start: int = attrs.field(default=0, repr=False)

    @classmethod
    def from_input(
        cls, value: AudioInput | AudioSource, *, field: str = "audio", allow_url: bool = False
    ) -> AudioSource:
        """Normalise ``value``; raises InvalidInput for a missing file or unsupported type."""
        if isinstance(value, AudioSource):
            return value
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            if not allow_url:
                raise InvalidInput(
                    f"{field}: this provider does not take links; pass a local file or bytes",
                    field=field,
                    limit="local file or bytes",
                )
            return cls(name=value.rsplit("/", 1)[-1].split("?")[0] or "input", size=None,
                       format=_format_from_name(value), url=value)
        if isinstance(value, (bytes, bytearray, memoryview)):
            data = bytes(value)
            return cls(name="audio", size=len(data), format=sniff_format(data[:_SNIFF_BYTES]),
                       data=data)
        if isinstance(value, (str, os.PathLike)):
            path = Path(value)
            try:
                stat = path.stat()
            except FileNotFoundError:
                raise InvalidInput(f"{field}: file not found: {path}", field=field,
                                   limit="an existing file") from None
            except (OSError, ValueError) as exc:  # NUL in the path, too long, a loop...
                raise InvalidInput(f"{field}: cannot use the path {str(path)[:200]!r}: "
                                   f"{getattr(exc, 'strerror', None) or exc}", field=field,
                                   limit="an existing file") from None
            if not path.is_file():
                raise InvalidInput(f"{field}: not a file: {path}", field=field,
                                   limit="a regular file")
            try:
                with path.open("rb") as f:
                    head = f.read(_SNIFF_BYTES)
            except OSError as exc:
                raise InvalidInput(f"{field}: cannot read {path}: {exc.strerror or exc}",
                                   field=field, limit="a readable file") from None
            return cls(name=path.name, size=stat.st_size, format=sniff_format(head), path=path)
        if hasattr(value, "read"):
            return cls._from_file(value, field)
        raise InvalidInput(
            f"{field}: expected a path, bytes, a binary file or a URL, got {type(value).__name__}",
            field=field,
            limit="path, bytes, binary file or URL",
        )

    @classmethod
    def _from_file(cls, f: BinaryIO, field: str) -> AudioSource:
        try:
            start = f.tell()
            end = f.seek(0, os.SEEK_END)
            f.seek(start)
            head = f.read(_SNIFF_BYTES)
            f.seek(start)
        except (OSError, AttributeError, ValueError, TypeError, io.UnsupportedOperation):
            raise InvalidInput(f"{field}: the file object must be seekable", field=field,
                               limit="a seekable binary file") from None
        if isinstance(head, str):
            raise InvalidInput(f"{field}: open the file in binary mode ('rb')", field=field,
                               limit="binary file")
        name = Path(str(getattr(f, "name", "audio"))).name
        return cls(name=name, size=end - start, format=sniff_format(head), file=f,
                   file_start=start)

    @property
    def is_url(self) -> bool:
        return self.url is not None

    @property
    def path(self) -> Path | None:
        return self._path

    @contextlib.contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """A binary stream of the whole input, from its start."""
        if self._path is not None:
            with self._path.open("rb") as f:
                yield f
        elif self._data is not None:
            yield io.BytesIO(self._data)
        elif self._file is not None:
            self._file.seek(self._file_start)
            yield self._file
        else:
            raise InvalidInput(f"{self.url} is a link, not local data", field="audio")

    def head(self, n: int = 4096) -> bytes:
        """The first ``n`` bytes."""
        with self.open() as f:
            return f.read(n)

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES.get(self.format or "", "application/octet-stream")

    def filename(self) -> str:
        """A file name with the sniffed extension, for multipart uploads."""
        stem = Path(self.name).stem or "audio"
        return f"{stem}.{self.format}" if self.format else self.name

    # validation helpers: each raises InvalidInput naming the limit

    def require_format(self, allowed: Iterable[str], *, field: str = "audio") -> str:
        """Check the sniffed format is one of ``allowed``; return it."""
        allowed = tuple(allowed)
        if self.format not in allowed:
            seen = self.format or "unrecognised data"
            raise InvalidInput(
                f"{field}: {self.name} is {seen}; allowed formats: {', '.join(allowed)}",
                field=field,
                limit=f"format in {', '.join(allowed)}",
            )
        return self.format

    def require_max_size(self, max_bytes: int, *, field: str = "audio") -> None:
        """Check the size is at most ``max_bytes`` (read from metadata, never the whole file)."""
        if self.size is not None and self.size > max_bytes:
            raise InvalidInput(
                f"{field}: {self.name} is {self.size} bytes; the limit is {_human(max_bytes)}",
                field=field,
                limit=f"at most {_human(max_bytes)}",
            )
        if self.size == 0:
            raise InvalidInput(f"{field}: {self.name} is empty", field=field, limit="not empty")

    def require_duration(
        self, *, minimum: float | None = None, maximum: float | None = None, field: str = "audio"
    ) -> float | None:
        """Check the duration (when it can be read locally) lies in [minimum, maximum]."""
        if self.is_url:
            return None
        seconds = media_duration(self)
        if seconds is None:
            return None
        if minimum is not None and seconds < minimum:
            raise InvalidInput(
                f"{field}: {self.name} lasts {seconds:.1f} s; the minimum is {minimum:g} s",
                field=field,
                limit=f"at least {minimum:g} s",
            )
        if maximum is not None and seconds > maximum:
            raise InvalidInput(
                f"{field}: {self.name} lasts {seconds:.1f} s; the maximum is {maximum:g} s",
                field=field,
                limit=f"at most {maximum:g} s",
            )
        return seconds


def _format_from_name(name: str) -> str | None:
    suffix = Path(name.split("?")[0]).suffix.lower().lstrip(".")
    return {"mpeg": "mp3", "oga": "ogg", "wave": "wav"}.get(suffix, suffix or None)


def _human(n: int) -> str:
    if n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000} MB"
    return f"{n} bytes"


def media_duration(source: AudioSource) -> float | None:
    """Duration in seconds of a local audio/video input, or None when it cannot be told.

    WAV is read with the standard library; compressed formats with mutagen (install
    ``voicekit-core[media]``, which plugins that limit durations depend on).
    """
    if source.format == "wav":
        head = source.head(4096)
        try:
            info = parse_wav_header(head)
        except InvalidInput:
            return None
        size = (source.size or 0) - info.data_offset
        data_size = info.data_size if info.data_size is not None else size
        return info.duration(min(data_size, size) if size > 0 else data_size)
    try:
        import mutagen
    except ImportError:  # pragma: no cover - depends on the environment
        raise ConfigurationError(
            "reading the duration of compressed audio needs mutagen: "
            "pip install 'voicekit-core[media]'"
        ) from None
    with source.open() as f:
        try:
            parsed = mutagen.File(f)
        except Exception:
            return None
    if parsed is None or parsed.info is None:
        return None
    length = getattr(parsed.info, "length", None)
    return float(length) if length else None
