"""The espeak provider: offline speech from espeak-ng, running in this process.

No base URL, no credentials, no network. Every call into espeak-ng is serialised by the
global lock of :mod:`voicekit_espeak.engine` (espeak-ng is a process-global C library), so
concurrent calls are safe and run one after another.
"""

from __future__ import annotations

import collections
import queue
import threading
import weakref
from collections.abc import Iterator
from typing import Any

import attrs

from voicekit_core import kit
from voicekit_core.audio import wav_header
from voicekit_core.capabilities import ListVoices, StreamSynthesize, Synthesize
from voicekit_core.errors import InvalidInput, NotFound, StreamInterrupted
from voicekit_core.models import Audio, AudioStream, Cost, DuplexStream, Voice

from .engine import Engine, EngineVoice, get_engine
from .plugin import INFO

__all__ = [
    "DEFAULT_VOICE",
    "MAX_TEXT_CHARS",
    "PITCH_RANGE",
    "RATE_RANGE",
    "VOLUME_RANGE",
    "EspeakProvider",
    "SpeechOptions",
]

#: The voice used when none is given.
DEFAULT_VOICE = "en"
#: Longest text one call accepts, in characters.
MAX_TEXT_CHARS = 100_000
#: Speaking rate in words per minute (espeak's default 175).
RATE_RANGE = (80, 450)
#: Base pitch, 0..100 (default 50).
PITCH_RANGE = (0, 100)
#: Volume (amplitude), 0..200 (default 100).
VOLUME_RANGE = (0, 200)
_FORMATS = ("wav", "pcm")
_GENDERS = {1: "male", 2: "female"}
_STREAMED_SIZE = 0xFFFFFFFF  # WAV size fields of a stream whose length is not known yet


class SpeechOptions(kit.Options):
    """What every espeak synthesis takes besides the text and the voice."""

    format: str = kit.opt.choice(_FORMATS, default="wav",
                                 help="wav, or pcm (16-bit little-endian mono)")
    rate: int = kit.opt.integer(*RATE_RANGE, default=175, help="speaking rate, words per minute")
    pitch: int = kit.opt.integer(*PITCH_RANGE, default=50, help="base pitch")
    volume: int = kit.opt.integer(*VOLUME_RANGE, default=100, help="amplitude")


#: text: a str or UTF-8 bytes, 1..100 000 characters
TEXT = kit.TextRules(max_chars=MAX_TEXT_CHARS, bytes_ok=True)
#: the ``language=`` / ``kind=`` filters of list_voices
FILTER = kit.TextRules(max_chars=64)


@attrs.frozen
class _Request:
    """One validated synthesis: UTF-8 text, an espeak voice name and parameters."""

    text: bytes
    voice: str
    rate: int
    pitch: int
    volume: int


class EspeakProvider(kit.Provider, ListVoices, Synthesize, StreamSynthesize):
    """espeak-ng, embedded: ``connect("espeak")``.

    Options (besides the common ones, which it accepts and mostly ignores: it is local):
        stream_buffer_bytes: audio a stream may hold ahead of its reader (default 8 MiB);
            beyond it, synthesis waits for the reader (while holding espeak's lock).
        stream_stall_timeout: seconds a full stream waits for its reader before synthesis
            is abandoned and the reader gets StreamInterrupted (default 60).
    """

    info = INFO
    remote = False

    class Settings(kit.Options):
        """espeak's own ``connect()`` settings (for streams)."""

        stream_buffer_bytes: int | None = kit.opt.integer(
            1, default=8 * 1024 * 1024, help="audio a stream may hold ahead of its reader")
        stream_stall_timeout: float | None = kit.opt.number(
            1e-3, default=60.0, help="seconds a full stream waits for its reader")

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.stream_buffer_bytes: int = self.settings.stream_buffer_bytes
        self.stream_stall_timeout: float = self.settings.stream_stall_timeout

    # -- engine facts ----------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The espeak-ng library (initialised on first use)."""
        return get_engine()

    @property
    def sample_rate(self) -> int:
        """The rate espeak-ng produces, in Hz (returned by ``espeak_Initialize``)."""
        return self.engine.sample_rate

    @property
    def version(self) -> str:
        """The espeak-ng version."""
        return self.engine.version

    # -- voices ----------------------------------------------------------------------

    @kit.operation(language=FILTER, kind=FILTER)
    def list_voices(self, *, language: str | None = None, kind: str | None = None,
                    opts: kit.Options, call: kit.Call) -> Iterator[Voice]:
        """The espeak-ng voices (all of kind ``"system"``), optionally for ``language``.

        Voices whose pronunciation dictionary is missing from the installed data are left
        out (espeak-ng lists them but can only produce silence with them).

        ``language="en"`` matches voices that list ``en``, ``en-us``, ``en-gb-scotland``...
        espeak takes no other filters (InvalidInput).
        """
        if kind == "cloned":
            return  # a kind every provider knows; espeak has none of it
        if kind not in (None, "system"):
            raise InvalidInput(f"espeak voices are all of kind 'system', not {kind!r} (its "
                               "variants are listed by list_variants())", field="kind",
                               limit="system", provider=self.name)
        for entry in self.engine.voices:
            if entry.usable and (language is None or _speaks(entry, language)):
                yield self._voice(entry)

    def list_variants(self) -> list[Voice]:
        """espeak's voice variants (kind ``"variant"``): use one as ``voice="en+<id>"``."""
        return [self._voice(v, kind="variant", id=v.id) for v in self.engine.variants]

    def _voice(self, entry: EngineVoice, *, kind: str = "system", id: str | None = None
               ) -> Voice:
        languages = tuple(lang for _, lang in entry.languages)
        return Voice(
            id=id or entry.id,
            name=entry.name,
            provider=self.name,
            kind=kind,
            languages=() if kind == "variant" else languages,
            description=f"espeak-ng {kind} {entry.identifier}",
            raw={
                "identifier": entry.identifier,
                "languages": [list(pair) for pair in entry.languages],
                "gender": _GENDERS.get(entry.gender),
                "age": entry.age or None,
            },
        )

    def resolve_voice(self, voice: str | Voice | None) -> str:
        """The espeak voice name for ``voice``, checked against the voice list.

        Accepts a voice id (``"en-US"``), an identifier (``"gmw/en-US"``), a voice name, or a
        language (``"en-gb"``: its preferred voice), each optionally ``+variant``
        (``"en+f3"``). Case does not matter. Raises NotFound for anything espeak lacks.
        """
        wanted = DEFAULT_VOICE if voice is None else self.voice_id(voice)
        base, plus, variant = wanted.partition("+")
        engine = self.engine
        entry = _find_voice(engine.voices, base.strip())
        if entry is None:
            raise NotFound(f"espeak has no voice {base.strip()!r}: see list_voices() or "
                           "`voicekit voices espeak`", provider=self.name,
                           code="voice_not_found")
        if not entry.usable:
            raise NotFound(f"espeak voice {entry.id!r} ({entry.name}) cannot speak: the "
                           "installed espeak-ng data lacks its dictionary", provider=self.name,
                           code="voice_unavailable")
        if not plus:
            return entry.identifier
        found = _find_variant(engine.variants, variant.strip())
        if found is None:
            raise NotFound(f"espeak has no voice variant {variant.strip()!r}: see "
                           "list_variants()", provider=self.name, code="variant_not_found")
        return f"{entry.identifier}+{found.id}"

    # -- synthesis -------------------------------------------------------------------

    @kit.operation(SpeechOptions, spends=True, text=TEXT)
    def synthesize(self, text: str, *, voice: str | Voice | None = None, opts: SpeechOptions,
                   call: kit.Call) -> Audio:
        """Speak ``text`` and return WAV (default) or raw PCM, mono 16-bit at :attr:`sample_rate`.

        Args:
            text: a str, or UTF-8 bytes; 1..100 000 characters.
            voice: see :meth:`resolve_voice`; default ``"en"``.
            format: ``"wav"`` (default) or ``"pcm"`` (16-bit little-endian mono).
            rate: words per minute, 80..450 (default 175).
            pitch: 0..100 (default 50).
            volume: 0..200 (default 100).
            max_credits: accepted for uniformity; espeak is free.

        Raises:
            InvalidInput: bad text, format or option value. NotFound: unknown voice.
        """
        request = self._request(text, voice, opts)
        engine = self.engine
        parts: list[bytes] = []

        def collect(pcm: bytes) -> bool:
            parts.append(pcm)
            return True

        engine.synth(request.text, voice=request.voice, rate=request.rate, pitch=request.pitch,
                     volume=request.volume, on_audio=collect)
        pcm = b"".join(parts)
        rate = engine.sample_rate
        duration = len(pcm) / (2 * rate)
        if opts.format == "pcm":
            return Audio(data=pcm, format="pcm", sample_rate=rate, channels=1, duration=duration)
        data = wav_header(sample_rate=rate, data_size=len(pcm)) + pcm
        return Audio(data=data, format="wav", sample_rate=rate, channels=1, duration=duration)

    @kit.operation(SpeechOptions, spends=True, text=TEXT)
    def stream_synthesize(self, text: str, *, voice: str | Voice | None = None,
                          opts: SpeechOptions, call: kit.Call) -> AudioStream:
        """Speak ``text``, yielding audio as espeak produces it (about 100 ms per chunk).

        For WAV (default) the first chunk is a header with streamed (unknown) sizes;
        ``read()`` and ``save()`` fix them. Synthesis runs on a worker thread; closing the
        stream early stops espeak. Arguments as :meth:`synthesize`; all validation happens
        here, before any audio is made.
        """
        fmt = opts.format
        request = self._request(text, voice, opts)
        rate = self.engine.sample_rate
        pipe = _Pipe(self.stream_buffer_bytes, self.stream_stall_timeout)
        worker = threading.Thread(target=_produce, args=(self.engine, iter([request]), pipe),
                                  name="voicekit-espeak-stream", daemon=True)
        worker.start()
        stream = AudioStream(_chunks(pipe, worker, _head(fmt, rate)), format=fmt,
                             sample_rate=rate, channels=1, on_close=pipe.abort)
        weakref.finalize(stream, pipe.abort)
        return stream

    @kit.operation(SpeechOptions, spends=True)
    def open_stream(self, *, voice: str | Voice | None = None, opts: SpeechOptions,
                    call: kit.Call) -> DuplexStream:
        """A two-way stream: ``send()`` text pieces; audio for each follows, in order.

        ``finish()`` says no more text; iteration ends after the last piece's audio.
        Voice and options apply to every piece and are validated here. espeak's lock is
        taken per piece, so other calls may run between pieces.
        """
        fmt = opts.format
        template = self._request("x", voice, opts)
        rate = self.engine.sample_rate
        pipe = _Pipe(self.stream_buffer_bytes, self.stream_stall_timeout)
        texts: queue.Queue[bytes | None] = queue.Queue()
        requests = (attrs.evolve(template, text=t) for t in iter(texts.get, None))
        worker = threading.Thread(target=_produce, args=(self.engine, requests, pipe),
                                  name="voicekit-espeak-duplex", daemon=True)
        worker.start()

        def send(text: str) -> None:
            if pipe.aborted:
                raise _invalid("send() on a stream that was closed", field="text",
                               limit="an open stream")
            texts.put(_text_bytes(text))

        def abort() -> None:
            pipe.abort()
            texts.put(None)

        stream = DuplexStream(_chunks(pipe, worker, _head(fmt, rate)), send=send,
                              finish=lambda: texts.put(None), abort=abort, format=fmt,
                              sample_rate=rate, channels=1)
        weakref.finalize(stream, abort)
        return stream

    def estimate(self, operation: str, **args: Any) -> Cost | None:
        """espeak is free: synthesis costs 0 credits."""
        if operation in ("synthesize", "stream_synthesize", "open_stream"):
            return Cost(credits=0.0, exact=True)
        return None

    def _request(self, text: str, voice: str | Voice | None, opts: SpeechOptions) -> _Request:
        return _Request(text=_text_bytes(text), voice=self.resolve_voice(voice),
                        rate=opts.rate, pitch=opts.pitch, volume=opts.volume)


def _invalid(message: str, *, field: str, limit: str) -> InvalidInput:
    return InvalidInput(message, field=field, limit=limit, provider="espeak")


def _text_bytes(text: object) -> bytes:
    """UTF-8 bytes of ``text`` after checking it; raises InvalidInput naming the limit."""
    try:
        return TEXT.check(text).encode("utf-8")
    except InvalidInput as exc:
        exc.provider = "espeak"
        raise


def _speaks(entry: EngineVoice, language: str) -> bool:
    tag = language.strip().lower()
    return any(lang.lower() == tag or lang.lower().startswith(tag + "-")
               for _, lang in entry.languages)


def _find_voice(voices: tuple[EngineVoice, ...], wanted: str) -> EngineVoice | None:
    key = wanted.lower()
    if not key:
        return None
    for entry in voices:
        if key in (entry.id.lower(), entry.identifier.lower(), entry.name.lower()):
            return entry
    best: tuple[int, EngineVoice] | None = None
    for entry in voices:
        for priority, lang in entry.languages:
            if lang.lower() == key and (best is None or priority < best[0]):
                best = (priority, entry)
    return best[1] if best else None


def _find_variant(variants: tuple[EngineVoice, ...], wanted: str) -> EngineVoice | None:
    key = wanted.lower()
    for entry in variants:
        if key and key in (entry.id.lower(), entry.name.lower()):
            return entry
    return None


# -- streaming -----------------------------------------------------------------------------


def _head(fmt: str, rate: int) -> bytes:
    if fmt != "wav":
        return b""
    return wav_header(sample_rate=rate, data_size=_STREAMED_SIZE)


class _Pipe:
    """PCM chunks from a synthesis thread to one reader, bounded in bytes.

    The writer waits while ``max_bytes`` are queued; if the reader takes nothing for
    ``stall_timeout`` seconds, the writer gives up (synthesis stops, the reader sees
    StreamInterrupted). ``abort()`` (the reader closed) stops the writer at its next chunk.
    """

    def __init__(self, max_bytes: int, stall_timeout: float) -> None:
        self._cond = threading.Condition()
        self._items: collections.deque[bytes] = collections.deque()
        self._queued = 0
        self._max = max_bytes
        self._stall = stall_timeout
        self._done = False
        self._error: BaseException | None = None
        self.aborted = False

    def put(self, chunk: bytes) -> bool:
        """Queue ``chunk``; False when the reader is gone (synthesis should stop)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self.aborted or self._queued < self._max,
                                       timeout=self._stall):
                self._error = StreamInterrupted(
                    f"espeak stream reader took nothing for {self._stall:g} s; synthesis "
                    "was stopped", received_bytes=0, provider="espeak")
                self.aborted = True
            if self.aborted:
                self._cond.notify_all()
                return False
            self._items.append(chunk)
            self._queued += len(chunk)
            self._cond.notify_all()
            return True

    def end(self, error: BaseException | None = None) -> None:
        """The writer is done (``error``: why it failed)."""
        with self._cond:
            self._done = True
            self._error = self._error or error
            self._cond.notify_all()

    def abort(self) -> None:
        """The reader is gone: make the writer stop."""
        with self._cond:
            self.aborted = True
            self._items.clear()
            self._queued = 0
            self._cond.notify_all()

    def get(self, worker: threading.Thread) -> bytes | None:
        """The next chunk, or None at the end; raises the writer's error."""
        with self._cond:
            while not self._items and not self._done and not self.aborted:
                self._cond.wait(timeout=1.0)
                if not worker.is_alive() and not self._items:
                    self._done = True
            if self._items:
                chunk = self._items.popleft()
                self._queued -= len(chunk)
                self._cond.notify_all()
                return chunk
            if self._error is not None:
                raise self._error
            return None


def _produce(engine: Engine, requests: Iterator[_Request], pipe: _Pipe) -> None:
    """Worker thread: synthesise each request into ``pipe``, in order."""
    try:
        for request in requests:
            if pipe.aborted:
                break
            engine.synth(request.text, voice=request.voice, rate=request.rate,
                         pitch=request.pitch, volume=request.volume, on_audio=pipe.put)
    except BaseException as exc:
        pipe.end(exc)
    else:
        pipe.end()


def _chunks(pipe: _Pipe, worker: threading.Thread, head: bytes) -> Iterator[bytes]:
    """What a stream yields: the WAV header (if any), then PCM as it is produced."""
    received = 0
    try:
        if head:
            yield head
        while True:
            try:
                chunk = pipe.get(worker)
            except StreamInterrupted as exc:
                raise StreamInterrupted(exc.message, received_bytes=received,
                                        provider="espeak") from None
            if chunk is None:
                return
            received += len(chunk)
            yield chunk
    finally:
        pipe.abort()
