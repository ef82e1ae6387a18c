"""StreamAdapter: streaming synthesis for any provider that can only ``synthesize``.

The text is cut into sentences (each within the provider's text limit); a worker thread
synthesises them one after another, one sentence ahead of the reader, so the next request
is already running while the previous audio is being played or written. The first audio
arrives after the first sentence alone has been synthesised.

WAV streams get one header (sizes marked unknown, as any streamed WAV; ``read()`` and
``save()`` fix them) followed by the PCM of every sentence; ``pcm`` is raw PCM; MP3 and OGG
sentences are concatenated as they are (valid for both formats: MP3 frames, chained OGG).
"""

from __future__ import annotations

import queue
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

from .. import convert as _convert
from ..audio import check_target, wav_header
from ..capabilities import StreamSynthesize, Synthesize
from ..errors import InvalidInput, StreamInterrupted, VoicekitError
from ..estimates import innermost, total_cost
from ..longtext import text_limit
from ..metrics import measured_stream, timed
from ..models import Audio, AudioStream, DuplexStream
from ..sentences import chunk_text, iter_chunks, split_sentences
from ._workers import submit
from ._wrapper import ProviderWrapper

__all__ = ["StreamAdapter"]

_CHUNK = 16384
_STREAMED_SIZE = 0xFFFFFFFF
_POLL = 0.25  # seconds between checks of a stopped pipeline (never a test's wait)


class StreamAdapter(ProviderWrapper, Synthesize, StreamSynthesize):
    """``vk.adapters.stream(provider)``: the provider, plus sentence-by-sentence streaming.

    Args:
        provider: any provider with ``synthesize``.
        ahead: sentences synthesised ahead of the reader (default 1).
        max_chars, max_bytes: cut sentences smaller than the provider's own text limit.

    ``synthesize`` and every other attribute are the provider's own.
    """

    def __init__(self, provider: Any, *, ahead: int = 1, max_chars: int | None = None,
                 max_bytes: int | None = None) -> None:
        if not isinstance(provider, Synthesize) and not callable(
                getattr(provider, "synthesize", None)):
            raise InvalidInput(f"{getattr(provider, 'name', provider)!s} cannot synthesize: "
                               "StreamAdapter needs a Synthesize provider", field="provider",
                               limit="a Synthesize provider")
        if isinstance(ahead, bool) or not isinstance(ahead, int) or ahead < 1:
            raise InvalidInput(f"ahead must be an integer >= 1, got {ahead!r}", field="ahead",
                               limit=">= 1")
        super().__init__(provider)
        self.ahead = ahead
        self.max_chars = max_chars
        self.max_bytes = max_bytes

    def synthesize(self, text: str, *, voice: Any = None, format: str | None = None,
                   **options: Any) -> Audio:
        """The provider's own ``synthesize``."""
        if format is not None:
            options["format"] = format
        if voice is not None:
            options["voice"] = voice
        result: Audio = self.inner.synthesize(text, **options)
        return result

    # -- simplex -----------------------------------------------------------------------

    def stream_synthesize(self, text: str, *, voice: Any = None, format: str | None = None,
                          max_credits: float | None = None, **options: Any) -> AudioStream:
        """Speak ``text`` sentence by sentence; returns once the first sentence's audio is
        ready (its errors raise here, before anything was delivered).

        ``max_credits`` is checked against the estimated total before the first request.
        """
        began = time.perf_counter()
        to = options.pop("to", None)
        if to is not None:  # ``to=PATH``: written as it arrives, returned consumed
            check_target(to, field="to")
            stream = self.stream_synthesize(text, voice=voice, format=format,
                                            max_credits=max_credits, **options)
            with stream:
                stream.save(to)
            return stream
        if not isinstance(text, str):
            raise InvalidInput(f"text must be a str, got {type(text).__name__}", field="text",
                               limit="str")
        chars, size = text_limit(self.inner)
        pieces = iter_chunks(text, max_chars=_tighter(chars, self.max_chars),
                             max_bytes=_tighter(size, self.max_bytes), pack=False)
        kwargs = _call_kwargs(voice, format, options)
        if max_credits is not None:  # the whole plan, priced before the first request
            planned = list(pieces)
            _check_total(self.inner, planned, kwargs, max_credits)
            pieces = iter(planned)
        _convert.check_deliverable(self.inner, "synthesize", format)
        first_piece = next(pieces)
        # The worker begins the next sentence (cutting the rest of the text as it goes) once
        # the first audio has been handed over, so it never slows the first audio down.
        pipeline = _Pipeline(self.inner, kwargs, self.ahead, format, source=pieces)
        pipeline.start(wait=True)
        try:
            first = pipeline.synthesize_first(first_piece)  # its errors raise as they are
        except BaseException:
            pipeline.abort()
            raise
        out_format = (format or first.format).lower()
        stream = AudioStream(_encoded(pipeline, first, out_format, self.name),
                             format=out_format, sample_rate=first.sample_rate,
                             channels=first.channels, on_close=pipeline.abort)
        weakref.finalize(stream, pipeline.abort)
        return measured_stream(self.inner, "stream_synthesize", text, stream, start=began)

    # -- duplex ------------------------------------------------------------------------

    def open_stream(self, *, voice: Any = None, format: str | None = None,
                    **options: Any) -> DuplexStream:
        """A two-way stream: ``send()`` text as it comes (LLM tokens, lines...).

        A sentence is synthesised as soon as it is complete (its final mark is followed by
        a space, or the next sentence has started); ``finish()`` sends what remains. The
        format is the one asked for, else WAV (other answers are converted: extra needed).
        """
        kwargs = _call_kwargs(voice, format, options)
        _convert.check_deliverable(self.inner, "synthesize", format or "wav")
        pipeline = _Pipeline(self.inner, kwargs, self.ahead, format)
        pipeline.start()
        chars, size = text_limit(self.inner)
        chars = _tighter(chars, self.max_chars)
        size = _tighter(size, self.max_bytes)
        buffer = _SentenceBuffer()

        def queue_pieces(sentences: list[str]) -> None:
            for sentence in sentences:
                for piece in chunk_text(sentence, max_chars=chars, max_bytes=size, pack=False):
                    pipeline.pieces.put(piece)

        def send(text: str) -> None:
            if pipeline.stopped.is_set():
                raise InvalidInput("send() on a stream that was closed", field="text",
                                   limit="an open stream")
            queue_pieces(buffer.add(text))

        def finish() -> None:
            queue_pieces(buffer.flush())
            pipeline.pieces.put(None)

        out_format = (format or "wav").lower()
        stream = DuplexStream(_lazy_encoded(pipeline, out_format, self.name), send=send,
                              finish=finish, abort=pipeline.abort, format=out_format)
        weakref.finalize(stream, pipeline.abort)
        return stream


def _tighter(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _call_kwargs(voice: Any, format: str | None, options: dict[str, Any]) -> dict[str, Any]:
    kwargs = dict(options)
    if voice is not None:
        kwargs["voice"] = voice
    if format is not None:
        kwargs["format"] = format
    return kwargs


def _check_total(provider: Any, pieces: list[str], kwargs: dict[str, Any],
                 max_credits: float | None) -> None:
    if max_credits is not None:
        _, total = total_cost(provider, "synthesize", pieces, kwargs)
        innermost(provider).check_budget(total, max_credits)


class _SentenceBuffer:
    """Text sent to a duplex stream, released sentence by sentence once complete."""

    def __init__(self) -> None:
        self.text = ""

    def add(self, text: str) -> list[str]:
        self.text += text
        sentences = split_sentences(self.text)
        if not sentences:
            return []
        if self.text[-1:].isspace() and _complete(self.text):
            self.text = ""
            return sentences
        last = sentences[-1]
        self.text = self.text[self.text.rfind(last):]
        return sentences[:-1]

    def flush(self) -> list[str]:
        rest, self.text = self.text, ""
        return split_sentences(rest) if rest.strip() else []


def _complete(text: str) -> bool:
    """Whether ``text`` ends a sentence (its last mark is not an abbreviation's period)."""
    probe = split_sentences(text.rstrip() + " X")
    return probe[-1] == "X"


class _Pipeline:
    """Pieces in, audio out: a worker thread synthesising ``ahead`` pieces in advance."""

    def __init__(self, provider: Any, kwargs: dict[str, Any], ahead: int,
                 format: str | None, *, source: Iterator[str] | None = None) -> None:
        self.provider = provider
        self.source = source  # the pieces, or None: they come through ``pieces``
        self.kwargs = kwargs
        self.format = format
        self.pieces: queue.Queue[str | None] = queue.Queue()
        self.results: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=ahead)
        self.stopped = threading.Event()
        self.done: list[str] = []
        self.left: list[str] = []
        self._first: Audio | None = None
        self._submitted = False
        self._finished = threading.Event()

    def start(self, *, wait: bool = False) -> None:
        """Start the worker now, or (``wait``) at :meth:`go`."""
        if not wait:
            self.go()

    def go(self) -> None:
        """Start the worker if it has not started (idempotent)."""
        if not self._submitted:
            self._submitted = True
            submit(self._run)

    def synthesize_first(self, piece: str) -> Audio:
        """Synthesise the first piece on the caller's thread."""
        audio = self._synthesize(piece)
        self.done.append(piece)
        self._first = audio
        return audio

    def _run(self) -> None:
        try:
            while not self.stopped.is_set():
                piece = self._next_piece()
                if piece is None or self.stopped.is_set():
                    break
                try:
                    audio = self._synthesize(piece)
                except BaseException as exc:
                    rest = list(self.source) if self.source is not None else _drain(self.pieces)
                    self.left = [piece, *rest]
                    self._put(("error", exc))
                    return
                self.done.append(piece)
                if not self._put(("audio", audio)):
                    return
            self._put(("end", None))
        except BaseException as exc:  # pragma: no cover - a bug here must reach the reader
            self._put(("error", exc))
        finally:
            self._finished.set()

    def _next_piece(self) -> str | None:
        if self.source is None:
            return self.pieces.get()
        return next(self.source, None)

    def _synthesize(self, piece: str) -> Audio:
        try:
            return self._call(piece)
        except InvalidInput as exc:
            if self.done or not _convert.refused_format(exc, self.format):
                raise
            _convert.check_encodable(str(self.format), source="pcm")  # before spending
            self.kwargs.pop("format", None)  # the vendor's default, converted per piece
            return self._call(piece)

    def _call(self, piece: str) -> Audio:
        audio: Audio = timed(self.provider, "synthesize", piece,
                             lambda: self.provider.synthesize(piece, **self.kwargs),
                             kwargs=self.kwargs)
        return audio

    def _put(self, item: tuple[str, Any]) -> bool:
        while not self.stopped.is_set():
            try:
                self.results.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def get(self) -> tuple[str, Any]:
        while True:
            try:
                return self.results.get(timeout=_POLL)
            except queue.Empty:
                if self.stopped.is_set():
                    return ("end", None)
                if (self._finished.is_set() or not self._submitted) and self.results.empty():
                    return ("end", None)

    def first(self) -> Audio | None:
        """The first piece's audio (None: the stream ended with no text)."""
        kind, value = self.get()
        if kind == "error":
            self.abort()
            if isinstance(value, VoicekitError):
                raise value
            raise StreamInterrupted(f"synthesis failed: {type(value).__name__}: {value}",
                                    received_bytes=0) from value
        if kind != "audio":
            return None
        first: Audio = value
        self._first = first
        return first

    def audio(self) -> Iterator[Audio]:
        """The audio of each piece in order (the first one too); raises a piece's error."""
        if self._first is not None:
            yield self._first
        while True:
            kind, value = self.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value

    def abort(self) -> None:
        self.stopped.set()
        self.pieces.put(None)
        _drain(self.results)


def _drain(q: queue.Queue[Any]) -> list[Any]:
    items = []
    while True:
        try:
            items.append(q.get_nowait())
        except queue.Empty:
            return [i for i in items if i is not None]


def _part_bytes(audio: Audio, out_format: str, rate: int | None, channels: int | None
                ) -> bytes:
    if out_format in ("wav", "pcm"):
        if audio.format not in ("wav", "pcm") or (rate and audio.sample_rate != rate):
            audio = _convert.convert(audio, format="pcm", sample_rate=rate)
        pcm, _, got_channels = _convert.pcm_of(audio)
        if channels and got_channels != channels:
            raise StreamInterrupted(f"a sentence came back with {got_channels} channels, "
                                    f"the stream has {channels}", received_bytes=0)
        return pcm
    if audio.format != out_format:
        audio = _convert.convert(audio, format=out_format, sample_rate=rate)
    return audio.data


def _encoded(pipeline: _Pipeline, first: Audio, out_format: str, name: str
             ) -> Iterator[bytes]:
    """The stream's bytes: a WAV header if WAV, then each sentence's audio in order."""
    rate, channels = first.sample_rate, first.channels or 1
    sent = 0
    try:
        if out_format == "wav":
            if not rate:
                raise StreamInterrupted("the first sentence's audio has no sample rate",
                                        received_bytes=0, provider=name)
            head = wav_header(sample_rate=rate, channels=channels, data_size=_STREAMED_SIZE)
            sent += len(head)
            yield head
        for audio in pipeline.audio():
            data = _part_bytes(audio, out_format, rate, channels)
            for i in range(0, len(data), _CHUNK):
                chunk = data[i:i + _CHUNK]
                sent += len(chunk)
                yield chunk
                # the reader took the first audio and is back for more: start the next
                # sentence now (not before, so it never slows the first audio down)
                pipeline.go()
            pipeline.go()
    except StreamInterrupted as exc:
        if exc.received_bytes == sent:
            raise
        raise StreamInterrupted(exc.message, received_bytes=sent, provider=name) from exc
    except Exception as exc:
        left = " ".join(pipeline.left)
        raise StreamInterrupted(
            f"sentence {len(pipeline.done) + 1} failed ({type(exc).__name__}: "
            f"{getattr(exc, 'message', exc)}); {len(pipeline.done)} sentence(s) were "
            f"delivered, {len(left)} characters left", received_bytes=sent, provider=name
        ) from exc
    finally:
        pipeline.abort()


def _lazy_encoded(pipeline: _Pipeline, out_format: str, name: str) -> Iterator[bytes]:
    """Duplex: like :func:`_encoded`, starting when the first sentence's audio arrives."""
    first = pipeline.first()
    if first is not None:
        yield from _encoded(pipeline, first, out_format, name)
