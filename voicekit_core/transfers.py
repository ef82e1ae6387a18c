"""Moving bytes: request bodies (JSON, multipart, streamed files with progress), presigned
uploads, atomic downloads, and reading an audio answer with :func:`read_audio`."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import itertools
import json as jsonlib
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from . import validate
from .audio import (
    AudioSource,
    atomic_write,
    check_target,
    format_of_content_type,
    sniff_format,
)
from .callbacks import notify
from .errormap import ErrorMap, error_text
from .errors import BadResponse, InvalidInput, StreamInterrupted
from .models import Audio, SavedAudio
from .wav import WavInfo, finalized_wav, fix_wav_sizes, parse_wav_header

if TYPE_CHECKING:
    from .http import HttpClient, HttpResponse

__all__ = [
    "CountingReader",
    "ProgressCallback",
    "audio_format",
    "download",
    "encode_body",
    "encode_json",
    "multipart_encoder",
    "read_audio",
    "saving_audio_to",
    "upload",
]

ProgressCallback = Callable[[int, "int | None"], None]


# -- request bodies --------------------------------------------------------------------


class CountingReader:
    """A file wrapper that reports bytes read (upload progress) and keeps its length."""

    def __init__(self, f: IO[bytes], total: int | None,
                 callback: ProgressCallback | None = None) -> None:
        self._f = f
        self.len = total
        self._sent = 0
        self._callback = callback

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        self._sent += len(data)
        if self._callback is not None:
            notify(self._callback, "on_upload_progress", self._sent, self.len)
        return data


#: one encoder for every body (``json.dumps`` with options builds a new one per call)
_JSON = jsonlib.JSONEncoder(separators=(",", ":"), allow_nan=False)


def encode_json(value: Any) -> str:
    """Compact JSON; NaN, infinities and unserialisable values are InvalidInput."""
    try:
        return _JSON.encode(value)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidInput(f"the request body cannot be sent as JSON: {exc}",
                           field="body", limit="JSON-serialisable, finite numbers") from None


def multipart_encoder(fields: Mapping[str, Any], stack: contextlib.ExitStack,
                      on_progress: ProgressCallback | None = None) -> Any:
    """A streaming multipart body: strings, numbers, :class:`AudioSource` files (opened on
    ``stack``) or ``(filename, AudioSource, content_type)``; a list sends a field repeatedly
    and None leaves it out."""
    from requests_toolbelt.multipart.encoder import MultipartEncoder, MultipartEncoderMonitor

    encoded: list[tuple[str, Any]] = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            if isinstance(item, tuple):
                filename, source, ctype = item
                encoded.append((name, (filename, stack.enter_context(source.open()), ctype)))
            elif isinstance(item, AudioSource):
                encoded.append((name, (item.filename(), stack.enter_context(item.open()),
                                       item.content_type)))
            elif isinstance(item, bytes):
                try:
                    encoded.append((name, item.decode("utf-8")))
                except UnicodeDecodeError:
                    raise InvalidInput(f"multipart field {name} is bytes that are not UTF-8 "
                                       "text; send it as a file", field=name) from None
            else:
                encoded.append((name, str(item)))
    encoder = MultipartEncoder(fields=encoded)
    if on_progress is None:
        return encoder
    total = encoder.len
    return MultipartEncoderMonitor(
        encoder, lambda m: notify(on_progress, "on_upload_progress", m.bytes_read, total))


def encode_body(
    stack: contextlib.ExitStack | None, *, json: Any = None, data: Any = None,
    multipart: Mapping[str, Any] | None = None, content: bytes | AudioSource | None = None,
    on_progress: ProgressCallback | None = None,
) -> tuple[Any, dict[str, str]]:
    """(the ``data=`` for requests, headers it needs) for one of the body kinds. Files
    (multipart parts, an :class:`AudioSource`) are opened on ``stack``, which only bodies
    without files may leave None."""
    if json is not None:
        return encode_json(json), {"Content-Type": "application/json"}
    if (multipart is not None or isinstance(content, AudioSource)) and stack is None:
        raise TypeError("encode_body(): a body with files needs an ExitStack to open them on")
    if multipart is not None:
        assert stack is not None
        encoder = multipart_encoder(multipart, stack, on_progress)
        return encoder, {"Content-Type": encoder.content_type}
    if data is not None:
        return data, {}
    if isinstance(content, AudioSource):
        assert stack is not None
        f = stack.enter_context(content.open())
        if on_progress is None and content.size is None:
            return f, {}
        return CountingReader(f, content.size, on_progress), {}
    return content, {}


# -- transfers -------------------------------------------------------------------------


def upload(client: HttpClient, url: str, source: AudioSource, *, method: str = "PUT",
           content_type: str | None = None,
           on_progress: ProgressCallback | None = None) -> HttpResponse:
    """Send ``source``'s bytes as the raw body to a presigned URL, streamed from disk.

    No credentials are sent, even to the provider's own host: the URL carries its own
    signature (and S3-style storage rejects a second auth mechanism). Retried (re-read from
    the start) on failures: a presigned PUT is idempotent. A refusal is PermissionDenied
    saying the link was refused or has expired.
    """
    progress = validate.callback(on_progress, field="on_progress")
    if progress is not None:
        progress = functools.partial(notify, progress, "on_progress")
    headers = {"Content-Type": content_type} if content_type else {}
    return client.request(method, url, content=source, headers=headers, idempotent=True,
                          on_upload_progress=progress, authenticated=False)


def download(client: HttpClient, url: str, path: str | os.PathLike[str], *,
             on_progress: ProgressCallback | None = None, expected_size: int | None = None,
             authenticated: bool = True) -> Path:
    """Stream ``url`` to ``path``: a temporary file beside it, renamed when complete.

    Memory stays flat whatever the size. A body that ends short (by Content-Length or
    ``expected_size``) is retried from scratch, then raises StreamInterrupted, leaving
    nothing at ``path``. Credentials go only to the provider's own origin, and not at all
    when ``authenticated`` is False (signed result links).
    """
    validate.callback(on_progress, field="on_progress")
    target = check_target(path)  # before the request: a bad path costs nothing
    absolute = client.url(url)

    def attempt() -> Path:
        response = client.request("GET", absolute, stream=True, idempotent=True,
                                  authenticated=authenticated, retry=False)
        total = response.expected_length or expected_size
        done = 0

        def chunks() -> Iterator[bytes]:
            nonlocal done
            for chunk in response.iter_bytes():
                done += len(chunk)
                if on_progress is not None:
                    notify(on_progress, "on_progress", done, total, provider=client.provider)
                yield chunk
            if expected_size is not None and done != expected_size:
                raise StreamInterrupted(
                    f"download from {response.url} ended after {done} of "
                    f"{expected_size} bytes", received_bytes=done, provider=client.provider)

        try:
            return atomic_write(target, chunks())
        finally:
            response.close()

    return client.retry.run(attempt, idempotent=True, clock=client.clock,
                            on_retry=client.on_retry("GET", absolute))


# -- audio answers -----------------------------------------------------------------------

_TEXTUAL_TYPES = ("text/", "application/json", "application/xml", "application/problem",
                  "application/xhtml")
_TEXT_STARTS = (b"{", b"[", b"<", b'"')


def _is_textual(ctype: str) -> bool:
    return ctype.startswith(_TEXTUAL_TYPES) or ctype.endswith(("+json", "+xml", "/json",
                                                                "/xml"))


def _looks_like_text(head: bytes) -> bool:
    """A body that starts like JSON, XML or HTML and is readable text."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped.startswith(_TEXT_STARTS):
        return False
    try:
        sample = stripped[:256].decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the end is fine
        if exc.start < 250:
            return False
        sample = stripped[:exc.start].decode("utf-8")
    return all(ch.isprintable() or ch in "\t\r\n" for ch in sample)


def _header_number(response: HttpResponse, name: str | None) -> float | None:
    if name is None:
        return None
    value = response.header(name)
    if value is None:
        return None
    try:
        number = float(value.strip())
    except (ValueError, OverflowError):
        return None
    return number if 0 <= number < 1e15 else None


def audio_format(head: bytes, content_type: str, default: str = "wav") -> str:
    """The format of audio bytes: a signature in the bytes wins over the Content-Type (a
    generic or wrong type is common), except a bare MPEG frame sync, which is weak evidence
    (PCM can start like one) and loses to a known audio Content-Type."""
    return _audio_format(sniff_format(head), head, content_type, default)


def _audio_format(sniffed: str | None, head: bytes, content_type: str, default: str) -> str:
    if sniffed is not None and (sniffed != "mp3" or head[:3] == b"ID3"):
        return sniffed  # a sure signature: the Content-Type cannot change it
    declared = format_of_content_type(content_type)
    if sniffed is not None and declared is None:
        return sniffed
    return declared or sniffed or default


class _AudioTarget:
    """Where the audio answer of the running call goes (see :func:`saving_audio_to`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.saved: SavedAudio | None = None


_TARGET: contextvars.ContextVar[_AudioTarget | None] = contextvars.ContextVar(
    "voicekit_audio_target", default=None)


@contextlib.contextmanager
def saving_audio_to(path: Path) -> Iterator[None]:
    """Inside the block (one call with ``to=PATH``), requests leave their bodies unread and
    the first audio answer read with :func:`read_audio` goes from the network to ``path``
    in chunks: memory stays flat however long the audio. ``path`` was checked already."""
    token = _TARGET.set(_AudioTarget(path))
    try:
        yield
    finally:
        _TARGET.reset(token)


def saving_audio() -> bool:
    """Whether an audio answer of the running call is to go straight to a file."""
    target = _TARGET.get()
    return target is not None and target.saved is None


#: how much of a body is looked at before deciding it is audio (sniffing, text checks)
_HEAD = 256
#: how much of a text answer is read for its error message
_TEXT_LIMIT = 64 * 1024


def read_audio(response: HttpResponse, *, default: str = "wav", provider: str | None = None,
               size_header: str | None = None, duration_ms_header: str | None = None,
               duration_header: str | None = None) -> Audio | SavedAudio:
    """The audio in a successful answer, checked.

    * a body that broke off, or is shorter than its ``size_header`` says (a chunked body
      with no Content-Length) -> StreamInterrupted with ``received_bytes``;
    * an empty body, or a text/HTML/JSON/XML body that does not sniff as audio ->
      BadResponse (with the vendor's message when it is a JSON error);
    * the format: sniffed bytes vs Content-Type (see :func:`audio_format`), else ``default``;
    * a streamed WAV's RIFF/data sizes are fixed; a broken WAV header is BadResponse.

    ``metadata`` carries ``content_type``, ``request_id`` and the named headers' values.
    Inside :func:`saving_audio_to` (a call given ``to=PATH``) an unread answer is written
    to the file as it arrives and a :class:`~voicekit_core.models.SavedAudio` returned.
    """
    reading = _Reading(response, provider or response.provider, default,
                       (size_header, duration_ms_header, duration_header))
    target = _TARGET.get()
    if target is not None and target.saved is None and response.unread:
        return reading.to_file(target)
    return reading.in_memory(response.content)


class _Reading:
    """One audio answer being read: what its headers say, and the checks on its bytes."""

    def __init__(self, response: HttpResponse, name: str, default: str,
                 headers: tuple[str | None, str | None, str | None]) -> None:
        self.response = response
        self.name = name
        self.default = default
        self.ctype = response.content_type
        self.size_header, self.millis_header, self.seconds_header = headers
        self.numbers: dict[str, float | None] = {}  # the named headers' values
        for header in headers:
            if header:
                self.numbers[header] = _header_number(response, header)

    def check_length(self, received: int) -> None:
        """StreamInterrupted when fewer bytes came than Content-Length or the size header say."""
        expected = self.response.expected_length
        size = self.numbers.get(self.size_header) if self.size_header else None
        if (expected is not None and received < expected) or \
                (size is not None and size > received and expected is None):
            announced = expected if expected is not None else int(size or 0)
            raise StreamInterrupted(f"{self.name} announced {announced} bytes of audio but "
                                    f"sent {received}", received_bytes=received,
                                    provider=self.name, status=self.response.status)

    def format_of(self, start: bytes, rest: Callable[[], bytes]) -> str:
        """The format of a body starting with ``start`` (``rest``: the remaining bytes, read
        only for the error message of a text answer)."""
        if not start:
            raise self.response.bad("sent an empty body where audio was expected")
        head = start[:64]
        sniffed = sniff_format(head)
        if sniffed is None and (_is_textual(self.ctype) or (
                not self.ctype.startswith("audio/") and _looks_like_text(start[:_HEAD]))):
            raise _not_audio(self.response, self.name, self.ctype, start + rest())
        return _audio_format(sniffed, head, self.ctype, self.default)

    def seconds(self, fmt: str) -> float | None:
        """The duration the headers state (WAV: None, its header tells)."""
        if fmt == "wav":
            return None
        seconds = self.numbers.get(self.seconds_header) if self.seconds_header else None
        millis = self.numbers.get(self.millis_header) if self.millis_header else None
        return millis / 1000 if seconds is None and millis is not None else seconds

    def metadata(self) -> dict[str, Any]:
        metadata: dict[str, Any] = {"content_type": self.ctype or None,
                                    "request_id": self.response.request_id}
        for header, value in self.numbers.items():  # a whole number stays an int
            metadata[header.lower().replace("-", "_")] = \
                int(value) if value is not None and value.is_integer() else value
        return metadata

    def in_memory(self, data: bytes) -> Audio:
        self.check_length(len(data))
        fmt = self.format_of(data, lambda: b"")
        rate = channels = None
        seconds = self.seconds(fmt)
        if fmt == "wav" and data[:4] == b"RIFF":
            try:
                data, info = finalized_wav(data)  # its header read once, here
            except InvalidInput as exc:
                raise self.response.bad(f"sent a broken WAV header ({exc.message})") from None
            rate, channels = info.sample_rate, info.channels
            seconds = info.duration(len(data) - info.data_offset)
        return Audio(data=data, format=fmt, sample_rate=rate, channels=channels,
                     duration=seconds, metadata=self.metadata())

    def to_file(self, target: _AudioTarget) -> Audio | SavedAudio:
        """Write the body to ``target`` as it arrives; a WAV header's sizes fixed in place.
        Nothing appears at the target unless the whole body came and checked out."""
        from .convert import format_of_path

        chunks = self.response.iter_bytes()
        start = b""
        for chunk in chunks:
            start += chunk
            if len(start) >= _HEAD:
                break
        fmt = self.format_of(start, lambda: b"".join(itertools.islice(chunks, 16))[:_TEXT_LIMIT])
        if format_of_path(target.path) not in (None, fmt):  # converting needs it in memory
            return self.in_memory(start + b"".join(chunks))
        wav: list[WavInfo] = []

        def finish(out: BinaryIO) -> None:
            total = out.tell()
            self.check_length(total)
            if fmt == "wav" and start[:4] == b"RIFF":
                out.seek(0)
                try:
                    info = parse_wav_header(out.read(1 << 16))
                except InvalidInput as exc:
                    raise self.response.bad(f"sent a broken WAV header ({exc.message})"
                                            ) from None
                if info.data_size != total - info.data_offset:
                    fix_wav_sizes(out, info, total)
                wav.append(info)

        path = atomic_write(target.path, itertools.chain([start], chunks), finish=finish)
        size = path.stat().st_size
        rate = channels = None
        seconds = self.seconds(fmt)
        if wav:
            rate, channels = wav[0].sample_rate, wav[0].channels
            seconds = wav[0].duration(size - wav[0].data_offset)
        target.saved = SavedAudio(path=path, format=fmt, size=size, sample_rate=rate,
                                  channels=channels, duration=seconds,
                                  metadata=self.metadata())
        return target.saved


def _not_audio(response: HttpResponse, name: str, ctype: str, data: bytes) -> BadResponse:
    said: str | None = None
    try:  # from ``data``: a streamed body cannot be read again
        body = jsonlib.loads(data or b"null")
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, dict):
        unwrapped = ErrorMap().unwrap(body)
        said = next((m for m in (error_text(unwrapped.get(k)) for k in
                                 ("message", "detail", "error", "msg", "reason", "text")) if m),
                    None)
    if said is None:
        said = repr(data[:80])
    kind = ctype or "text"
    return BadResponse(response.scrub(f"{name} answered {kind} instead of audio: "
                                      f"{said[:300]} (status {response.status}) "
                                      f"from {response.url}"),
                       provider=name, status=response.status, request_id=response.request_id)
