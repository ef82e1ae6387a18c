"""Checked inputs: text, audio files, URL path segments and language names.

Everything here raises :class:`InvalidInput` naming the argument and the limit, before any
request is sent or any credit spent. :func:`voicekit_core.options.operation` applies
:class:`TextRules` and :class:`AudioRules` to the parameters they are declared for.
"""

from __future__ import annotations

import itertools
import os
import urllib.parse
from collections.abc import Mapping
from typing import Any

import attrs

from . import validate
from .audio import AudioSource
from .errors import InvalidInput

__all__ = ["AudioRules", "TextRules", "language_code", "language_name", "segment"]


# -- text ------------------------------------------------------------------------------


@attrs.frozen
class TextRules:
    """What a text input accepts: non-blank text within a character and/or byte limit.

    ``bytes_ok``: UTF-8 bytes are accepted too (decoded; invalid UTF-8 is refused).
    """

    max_chars: int | None = None
    max_bytes: int | None = None
    field: str = "text"
    bytes_ok: bool = False

    def check(self, value: Any, field: str | None = None) -> str:
        """``value`` as checked text; raises InvalidInput naming the limit."""
        name = field or self.field
        if self.bytes_ok and isinstance(value, (bytes, bytearray, memoryview)):
            raw = bytes(value)
            if self.max_bytes is not None and len(raw) > self.max_bytes:
                raise InvalidInput(f"{name} is {len(raw)} UTF-8 bytes; the limit is "
                                   f"{self.max_bytes}", field=name,
                                   limit=f"at most {self.max_bytes} UTF-8 bytes")
            if self.max_chars is not None and len(raw) > 4 * self.max_chars:
                raise InvalidInput(f"{name} is {len(raw)} bytes; the limit is "
                                   f"{self.max_chars} characters", field=name,
                                   limit=f"at most {self.max_chars} characters")
            try:
                value = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidInput(f"{name} is not valid UTF-8 (byte {exc.start}); pass str "
                                   "or UTF-8 bytes", field=name, limit="UTF-8") from None
        elif not isinstance(value, str):
            what = "a str or UTF-8 bytes" if self.bytes_ok else "a str"
            raise InvalidInput(f"{name} must be {what}, got {type(value).__name__}",
                               field=name, limit=what)
        return validate.text(value, field=name, max_chars=self.max_chars,
                             max_bytes=self.max_bytes)


# -- audio -----------------------------------------------------------------------------

_HEAD = 512


@attrs.frozen
class AudioRules:
    """What an audio input accepts (a path, bytes, a binary file, an AudioSource; a URL
    when ``urls``).

    ``count=(1, 1)`` takes one input (a list of exactly one is unwrapped); ``(1, 5)`` takes
    one to five and always gives a list. ``sniff`` refuses data that is clearly not audio
    (text, JSON, HTML, XML, PDF, zip, images) whatever its name says.
    """

    formats: tuple[str, ...] | None = None
    max_bytes: int | None = None
    min_seconds: float | None = None
    max_seconds: float | None = None
    count: tuple[int, int] = (1, 1)
    urls: bool = False
    not_empty: bool = True
    sniff: bool = True

    @property
    def many(self) -> bool:
        return self.count[1] > 1

    def check(self, value: Any, field: str = "audio") -> AudioSource | list[AudioSource]:
        """``value`` as an AudioSource (or a list, when ``count`` allows many)."""
        low, high = self.count
        items = _several(value, high, field)
        if items is None:
            if not self.many:
                return self.one(value, field)
            items = [value]
        if not low <= len(items) <= high:
            want = (f"exactly {low}" if low == high else f"{low} to {high}")
            raise InvalidInput(f"{field} takes {want} audio input(s), got {len(items)}",
                               field=field, limit=f"{want} input(s)")
        if not self.many:
            return self.one(items[0], field)
        return [self.one(item, field, index=i) for i, item in enumerate(items)]

    def one(self, value: Any, field: str = "audio", *, index: int | None = None
            ) -> AudioSource:
        """Check a single input."""
        where = field if index is None else f"{field}[{index}]"
        source = _source(value, field, where, self.urls)
        if source.is_url:
            return source
        if self.not_empty and source.size == 0:
            raise InvalidInput(f"{where}: {source.name} is empty", field=field,
                               limit="not empty")
        if self.max_bytes is not None:
            source.require_max_size(self.max_bytes, field=field)
        if self.sniff and source.format is None:
            kind = not_audio(_head(source, field, where))
            if kind is not None:
                raise InvalidInput(f"{where}: {source.name} is {kind}, not audio; nothing "
                                   "was sent", field=field, limit="audio data")
        if self.formats is not None:
            source.require_format(self.formats, field=field)
        if self.min_seconds is not None or self.max_seconds is not None:
            source.require_duration(minimum=self.min_seconds, maximum=self.max_seconds,
                                    field=field)
        return source


def _several(value: Any, high: int, field: str) -> list[Any] | None:
    """The items of a list, tuple or other iterable of inputs (at most ``high + 1`` are
    taken, so an endless generator is refused too), or None for a single input."""
    if isinstance(value, (str, bytes, bytearray, memoryview, os.PathLike, AudioSource,
                          Mapping)) or hasattr(value, "read"):
        return None
    if isinstance(value, (list, tuple)):
        return list(value)
    try:
        iterator = iter(value)
    except TypeError:
        return None
    try:
        return list(itertools.islice(iterator, high + 1))
    except InvalidInput:
        raise
    except Exception as exc:  # a generator of inputs that fails on its own
        raise InvalidInput(f"{field}: the inputs could not be read ({type(exc).__name__})",
                           field=field, limit="a list of inputs") from None


def _source(value: Any, field: str, where: str, urls: bool) -> AudioSource:
    if isinstance(value, AudioSource):
        if value.is_url and not urls:
            raise InvalidInput(f"{where}: this provider does not take links; pass a local file "
                               "or bytes", field=field, limit="local file or bytes")
        return value
    if isinstance(value, str):
        if value.startswith(("http://", "https://")):
            if urls:
                validate.url(value, field=field)
            return AudioSource.from_input(value, field=field, allow_url=urls)
        _check_path(value, field, where)
    elif isinstance(value, os.PathLike):
        path = os.fspath(value)
        if isinstance(path, bytes):
            raise InvalidInput(f"{where}: give the path as text, not bytes", field=field,
                               limit="a path")
        _check_path(path, field, where)
    elif isinstance(value, (bool, int, float, type(None), Mapping, set, frozenset)):
        raise InvalidInput(f"{where}: expected a path, bytes, a binary file"
                           f"{' or a URL' if urls else ''}, got {type(value).__name__}",
                           field=field, limit="path, bytes or binary file")
    try:
        return AudioSource.from_input(value, field=field, allow_url=urls)
    except InvalidInput:
        raise
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{where}: cannot read {validate.show(value)}: "
                           f"{getattr(exc, 'strerror', None) or exc}", field=field,
                           limit="a readable file") from None


def _check_path(path: str, field: str, where: str) -> None:
    if not path.strip():
        raise InvalidInput(f"{where}: the path is empty", field=field, limit="a file path")
    if "\0" in path:
        raise InvalidInput(f"{where}: the path contains a NUL character", field=field,
                           limit="a file path")
    try:
        os.fsencode(path)
    except UnicodeError:
        raise InvalidInput(f"{where}: the path cannot be encoded for this system",
                           field=field, limit="a file path") from None


def _head(source: AudioSource, field: str, where: str) -> bytes:
    try:
        return source.head(_HEAD)
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{where}: cannot read {source.name}: {exc}", field=field,
                           limit="a readable file") from None


_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip archive"),
    (b"PK\x05\x06", "a zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a program"),
)


def not_audio(head: bytes) -> str | None:
    """What ``head`` clearly is instead of audio (``"JSON text"``, ``"a zip archive"``...),
    or None when it may be audio (containers not sniffed, raw PCM...)."""
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            return kind
    stripped = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if not stripped:
        return "blank text" if head else None
    try:
        text = stripped.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(stripped) - 3:  # not just a character cut at the end
            return None
        text = stripped[: exc.start].decode("utf-8")
    if any((ord(c) < 32 and c not in "\t\n\r\f") or ord(c) == 127 for c in text):
        return None
    lower = text[:64].lower()
    if lower.startswith(("<!doctype html", "<html", "<head", "<body")):
        return "an HTML page"
    if lower.startswith("<?xml") or lower.startswith("<"):
        return "XML or HTML text"
    if lower[:1] in ("{", "["):
        return "JSON text"
    return "text"


# -- URL path segments ------------------------------------------------------------------

_MAX_SEGMENT = 1024


def segment(value: str | int, *, field: str = "id", strip: bool = False) -> str:
    """``value`` as one safe URL path segment (an id put into ``/v1/voices/{id}``), quoted.

    Refuses (InvalidInput naming ``field``) empty values, ``.`` and ``..``, ``/``, ``?``,
    ``#``, ``\\``, control characters, unpaired surrogates, bools and other types.
    ``strip``: surrounding whitespace is dropped first (an id a user typed or pasted).
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidInput(f"{field} must be an id (text or an integer), got "
                           f"{type(value).__name__}", field=field, limit="an id")
    if strip and isinstance(value, str):
        value = value.strip()
    if isinstance(value, int):
        if not -validate.MAX_INT <= value <= validate.MAX_INT:
            raise InvalidInput(f"{field} is out of range", field=field,
                               limit="a 64-bit integer")
        return str(int(value))
    text = value.strip()
    if not text or text in (".", ".."):
        raise InvalidInput(f"{field} must be a non-empty id, got {validate.show(value)}",
                           field=field, limit="a non-empty id, not . or ..")
    if len(value) > _MAX_SEGMENT:
        raise InvalidInput(f"{field} is {len(value)} characters; the limit is {_MAX_SEGMENT}",
                           field=field, limit=f"at most {_MAX_SEGMENT} characters")
    bad = next((c for c in value if c in "/?#\\" or ord(c) < 32 or 127 <= ord(c) < 160), None)
    if bad is not None:
        raise InvalidInput(f"{field} must not contain {bad!r}, got {validate.show(value)}",
                           field=field, limit="no / ? # \\ or control characters")
    if validate.surrogate_at(value) is not None:
        raise InvalidInput(f"{field} has an unpaired surrogate", field=field,
                           limit="valid Unicode")
    return urllib.parse.quote(value, safe="")


# -- languages -------------------------------------------------------------------------

#: ISO 639-1 codes and their English names: one table for every plugin.
LANGUAGES: dict[str, str] = {
    "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "ca": "Catalan", "cs": "Czech",
    "da": "Danish", "de": "German", "el": "Greek", "en": "English", "es": "Spanish",
    "et": "Estonian", "fa": "Persian", "fi": "Finnish", "fil": "Filipino", "fr": "French",
    "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "id": "Indonesian",
    "it": "Italian", "ja": "Japanese", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian",
    "ms": "Malay", "nl": "Dutch", "no": "Norwegian", "pl": "Polish", "pt": "Portuguese",
    "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "sr": "Serbian",
    "sv": "Swedish", "sw": "Swahili", "ta": "Tamil", "th": "Thai", "tr": "Turkish",
    "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
}
_CODES = {name.lower(): code for code, name in LANGUAGES.items()}


def language_code(name: str) -> str | None:
    """The ISO 639-1 code of a language name (``"English"`` -> ``"en"``, any case); a known
    code is returned as is (lowercased). None when unknown or not text."""
    if not isinstance(name, str):
        return None
    key = name.strip().lower()
    return _CODES.get(key) or (key if key in LANGUAGES else None)


def language_name(code: str) -> str | None:
    """The English name of an ISO 639-1 code (``"en"`` -> ``"English"``; ``"en-US"`` too),
    or None when unknown or not text."""
    if not isinstance(code, str):
        return None
    key = code.strip().lower()
    return LANGUAGES.get(key) or LANGUAGES.get(key.replace("_", "-").split("-", 1)[0])
