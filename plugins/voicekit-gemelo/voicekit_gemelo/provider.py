"""GemeloProvider: Gemelo's voices, TTS, voice conversion, cloned voices and streaming.

Every request carries ``X-Client-Key`` and ``X-API-Key``; WebSocket streams authenticate
with a first ``authApiKey`` message (and the same headers on the handshake). Voice ids are
Gemelo's integers, accepted as ``int`` or numeric ``str``; the ``voiceType`` Gemelo needs
("system" or "cloned") travels with the :class:`~voicekit_core.models.Voice` (its ``kind``),
so callers never pass it by hand. A bare id as ``voices`` prints it is looked up: a system
voice first, else one of the account's clones.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from voicekit_core import capabilities as caps
from voicekit_core import errors as err
from voicekit_core import kit, validate
from voicekit_core.http import HttpResponse
from voicekit_core.models import Audio, AudioStream, DuplexStream, Voice
from voicekit_core.websocket import WebSocketSession, duplex_stream, simplex_stream

from . import schema as s
from .plugin import INFO
from .refs import VOICE_TYPES, parse_ref, typed
from .videos import VIDEO, GemeloVideos

__all__ = ["CLONE_MAX_BYTES", "CLONE_MAX_SECONDS", "SAMPLE_RATES", "STREAM_FORMATS",
           "VOICE_KINDS", "VOICE_TYPES", "GemeloProvider"]

#: Sample rates the streaming endpoints take (query ``sr``).
SAMPLE_RATES: tuple[int, ...] = (22050, 32000, 44100, 48000)
#: Audio formats the streaming endpoints take (query ``format``).
STREAM_FORMATS: tuple[str, ...] = ("wav", "mp3")
#: ``Voice.kind`` values: TTS voices, voice-conversion voices, the account's cloned voices.
VOICE_KINDS: tuple[str, ...] = ("system", "vc", "cloned")
#: Clone sample limits.
CLONE_MAX_BYTES = 32 * 1024 * 1024
CLONE_MAX_SECONDS = 60.0
#: Inputs voice conversion takes (recognised audio containers).
VC_FORMATS: tuple[str, ...] = ("wav", "mp3", "ogg", "flac", "webm", "m4a")

DEFAULT_SAMPLE_RATE = 22050
DEFAULT_STREAM_TIMEOUT = 30.0
CLONED_PAGE_SIZE = 50
_LISTINGS = {"system": "/v1/tts/voices", "vc": "/v1/vc/voices"}

#: Gemelo's envelopes: ``{"message"}`` or ``{"text", "code", "message"}`` (``text`` is
#: the status title); a credit message on 400/402/403/429 is about credits, a 403 about
#: the keys themselves ("Not authenticated") is an authentication failure.
ERRORS = kit.ErrorMap(
    message=("message", "detail", "error", "text"), title=("text",),
    hints=((r"credit|balance|insufficient|payment", err.InsufficientCredits, (400, 402, 403, 429)),
           (r"authenticat|api ?key|client ?key|credential|unauthori[sz]ed|invalid.{0,20}key"
            r"|missing.{0,20}key", err.AuthenticationError, (403,))),
)
#: Stream close codes: 4xxx mirror HTTP statuses (core), and Gemelo's short forms 40xx;
#: a close whose reason is about the keys is an authentication failure.
CLOSES = kit.CloseMap(
    codes={4000: err.InvalidRequest, 4001: err.AuthenticationError, 4002: err.InsufficientCredits,
           4003: err.PermissionDenied, 4004: err.NotFound, 4029: err.RateLimited},
    hints=((r"auth|api ?key|client ?key|credential|unauthori[sz]ed", err.AuthenticationError),))
#: Cloning answers at once; a resumed clone job is looked up in the cloned voices.
CLONE: kit.JobKind[Voice] = kit.JobKind(
    "clone", poll=kit.PollPolicy(interval=2.0, first_delay=0.0),
    states=kit.StatusMap(succeeded=frozenset({"created"})))

# (the declared formats refuse what is not audio, with the formats named)
CLONE_SAMPLE = kit.AudioRules(formats=("wav",), max_bytes=CLONE_MAX_BYTES,
                              max_seconds=CLONE_MAX_SECONDS, sniff=False)
VC_INPUT = kit.AudioRules(formats=VC_FORMATS, sniff=False)


def _sample_rate(value: Any, field: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return int(validate.choice(value, [str(r) for r in SAMPLE_RATES], field=field))


_RATES = f"one of {', '.join(map(str, SAMPLE_RATES))}"


class ConvertOptions(kit.Options):
    """Options of ``convert_voice()``."""

    voice_type: str | None = kit.opt.choice(
        VOICE_TYPES, help="Gemelo's voiceType; default: the Voice's kind, or looked up")


class SynthOptions(ConvertOptions):
    """Options of ``synthesize()``."""

    format: str | None = kit.opt.choice(STREAM_FORMATS, help="wav (REST) or mp3 (stream)")
    sample_rate: int | None = kit.opt.value(convert=_sample_rate, limit=_RATES,
                                            help="sr; given, the simplex stream is used")


class StreamOptions(SynthOptions):
    """Options of ``stream_synthesize()`` and ``open_stream()``."""

    format: str | None = kit.opt.choice(STREAM_FORMATS, default="wav", help="wav or mp3")
    sample_rate: int | None = kit.opt.value(convert=_sample_rate, limit=_RATES,
                                            help="sr; default: connect(sample_rate=), 22050")


class CloneOptions(kit.Options):
    """Options of ``clone_voice()``."""

    description: str | None = kit.opt.text(allow_empty=True,
                                           help="kept on the returned Voice (Gemelo stores none)")


class VoiceFilters(kit.Options):
    """Filters of ``list_voices()``."""

    language: str | None = kit.opt.text(help='"en", "en-US" or "English" (language labels)')
    kind: tuple[str, ...] | None = kit.opt.choice(VOICE_KINDS, many=True,
                                                  help="one of them, or a list")
    disabled: bool | None = kit.opt.flag(help="Gemelo's disabled flag")
    label: str | None = kit.opt.text(help="any label, e.g. female (any case)")


@attrs.frozen
class _At:
    """Where a cloned-voice page starts: Gemelo's cursor, or the last id seen (a guess)."""

    cursor: str | None = None
    guessed: bool = False
    limit: int | None = CLONED_PAGE_SIZE
    full: int = CLONED_PAGE_SIZE  # a page this long may have a successor


class GemeloProvider(GemeloVideos, kit.Provider, caps.ListVoices, caps.Synthesize,
                     caps.StreamSynthesize, caps.ConvertVoice, caps.CloneVoice,
                     caps.GenerateVideo):
    """Gemelo (https://gemelo.ai) through voicekit.

    Options beyond the common ones (``base_url=``, ``timeout=``, ``client_key=``,
    ``api_key=``...):

    Args:
        max_text_chars: refuse texts longer than this locally (Gemelo documents no limit;
            default None: no limit).
        stream_timeout: seconds to wait for each WebSocket frame (default: the read
            timeout, else 30).
        sample_rate: default ``sr`` of streams (22050, 32000, 44100 or 48000; 22050).
    """

    info = INFO
    errors = ERRORS
    jobs = (CLONE, VIDEO)

    class Settings(kit.Options):
        """Gemelo's own ``connect()`` settings."""

        max_text_chars: int | None = kit.opt.integer(1, help="longest synthesize text")
        stream_timeout: float | None = kit.opt.number(
            1e-3, help="seconds to wait for a stream's next frame")
        sample_rate: int | None = kit.opt.value(
            convert=_sample_rate, limit=_RATES, default=DEFAULT_SAMPLE_RATE,
            help="the streams' sample rate")

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.max_text_chars = self.settings.max_text_chars
        self.stream_timeout = self.settings.stream_timeout
        self.sample_rate = self.settings.sample_rate
        self._known: dict[str, frozenset[str]] = {}  # system/vc voice ids, once looked up

    def auth_headers(self) -> dict[str, str]:
        """``X-Client-Key`` and ``X-API-Key`` (the API reference); the client key also as
        ``X-Client-ID``, the name the vendor doc's prose uses."""
        client_key = self.credential("client_key").reveal()
        return {"X-Client-Key": client_key, "X-Client-ID": client_key,
                "X-API-Key": self.credential("api_key").reveal()}

    # -- voices ------------------------------------------------------------------------

    @kit.operation(VoiceFilters)
    def list_voices(self, *, opts: VoiceFilters, call: kit.Call) -> Iterator[Voice]:
        """TTS voices (kind ``"system"``), voice-conversion voices (``"vc"``) and the
        account's cloned voices (``"cloned"``), fetched lazily in that order; filters
        ``language=``, ``kind=``, ``disabled=``, ``label=`` (see :class:`VoiceFilters`)."""
        language = opts.language and (kit.language_code(opts.language.strip())
                                      or opts.language.strip())
        label = opts.label and opts.label.strip().lower()
        for kind in opts.kind or VOICE_KINDS:
            for voice in self._voices_of(kind):
                if language and not voice.speaks(language):
                    continue
                if opts.disabled is not None and \
                        bool(voice.raw.get("disabled")) != opts.disabled:
                    continue
                if label and label not in self._item(voice.raw).label_texts:
                    continue
                yield voice

    def _voices_of(self, kind: str) -> Iterator[Voice]:
        if kind == "cloned":
            return kit.paginate(self._cloned_page, start=_At(), key=lambda v: v.id,
                                provider=self.name)
        return iter(self._listing(self.http.json("GET", _LISTINGS[kind]), kind))

    def _listing(self, body: Any, kind: str) -> list[Voice]:
        return [self._voice(item, kind) for item in kit.listing(  # the bare list documented
            body, "items", "voices", what="voice list", provider=self.name, missing_ok=True)]

    def _cloned_page(self, at: _At) -> kit.Page[Voice]:
        """GET /v1/cloned-voices at ``at``. Gemelo documents ``limit`` and ``cursor`` but
        not where the next cursor comes from: one named in the answer is followed, an
        explicit null one (or ``hasMore: false``) ends the listing; an answer naming none
        whose page looks full is followed by a guess, the ids after the last one."""
        params = {k: v for k, v in (("limit", at.limit), ("cursor", at.cursor)) if v is not None}
        try:
            body = self.http.json("GET", "/v1/cloned-voices", params=params)
        except (err.InvalidRequest, err.NotFound) as exc:
            if isinstance(exc, err.InvalidRequest) and at.cursor is None and at.limit is not None:
                return self._cloned_page(attrs.evolve(at, limit=None))  # a lower cap
            if at.guessed:  # the guess was not taken: that was all
                return kit.Page([])
            raise
        voices = self._listing(body, "cloned")
        if not voices or (at.guessed and any(_before(v.id, at.cursor) for v in voices)):
            return kit.Page([])  # the end, or a guess ignored (the listing starts over)
        full = min(at.full, len(voices)) if at.cursor is None and len(voices) >= 10 \
            else at.full
        cursor = kit.next_cursor(body, provider=self.name)
        if cursor is None and isinstance(body, Mapping) and body.get("hasMore") is not False:
            echoed = kit.next_cursor(body, "cursor", provider=self.name)
            cursor = echoed if echoed != at.cursor else None
        if cursor is not None:
            return kit.Page(voices, _At(cursor, limit=at.limit, full=full))
        if kit.names_next(body) or len(voices) < full:
            return kit.Page(voices)
        return kit.Page(voices, _At(voices[-1].id, guessed=True, limit=at.limit, full=full))

    def _voice(self, raw: Mapping[str, Any], kind: str) -> Voice:
        item = self._item(raw, f"{kind} voice")
        return Voice(id=item.id, name=item.name or item.id, provider=self.name, kind=kind,
                     languages=item.spoken, description=item.description, raw=raw)

    # -- speech ------------------------------------------------------------------------

    @kit.operation(SynthOptions, spends=True, text=kit.TextRules())
    def synthesize(self, text: str, *, voice: str, opts: SynthOptions, call: kit.Call
                   ) -> Audio:
        """Speak ``text`` (POST /v1/tts/convert) and return the audio; ``format="mp3"`` or a
        ``sample_rate`` go through the simplex stream, which takes both.

        Gemelo publishes no prices, so a ``max_credits=`` limit cannot be honoured: any
        limit refuses the call (CreditLimitExceeded) before anything is sent.
        """
        if call.max_credits is not None:
            raise err.CreditLimitExceeded(
                f"gemelo does not publish what synthesize costs, so max_credits="
                f"{call.max_credits:g} cannot be honoured; nothing was sent (leave "
                "max_credits out to speak without a limit)", max_credits=call.max_credits,
                need=math.inf, provider=self.name)
        self._check_length(text)
        target = self._target(voice, opts.voice_type, "system")
        if opts.format == "mp3" or opts.sample_rate is not None:
            with self._simplex(text, target, opts) as stream:
                return stream.read()
        response = self.http.request("POST", "/v1/tts/convert", json={
            "voiceId": target[0], "text": text, "voiceType": target[1]})
        return self._audio(response)

    @kit.operation(StreamOptions, text=kit.TextRules())
    def stream_synthesize(self, text: str, *, voice: str, opts: StreamOptions,
                          call: kit.Call) -> AudioStream:
        """Speak ``text`` over the simplex WebSocket; chunks are handed over as they come.

        ``format`` is "wav" (a RIFF header, then 16-bit mono PCM) or "mp3"; ``sample_rate``
        one of 22050, 32000, 44100, 48000. Both are always sent explicitly.
        """
        self._check_length(text)
        return self._simplex(text, self._target(voice, opts.voice_type, "system"), opts)

    @kit.operation(StreamOptions)
    def open_stream(self, *, voice: str, opts: StreamOptions, call: kit.Call) -> DuplexStream:
        """Open the duplex WebSocket: ``send()`` text any number of times (any thread),
        iterate the audio in order; ``finish()`` sends Gemelo's ``close`` (flush)."""
        session, fmt, rate = self._session(
            "duplex", self._target(voice, opts.voice_type, "system"), opts)

        def convert(text: str) -> dict[str, str]:
            return {"type": "convert",
                    "text": self._check_length(kit.TextRules().check(text, "text"))}

        return duplex_stream(session, first_messages=[self._auth_message()],
                             text_message=convert, finish_message={"type": "close"},
                             format=fmt, sample_rate=rate)

    def _simplex(self, text: str, target: tuple[int, str], opts: SynthOptions) -> AudioStream:
        session, fmt, rate = self._session("simplex", target, opts)
        return simplex_stream(session,
                              messages=[self._auth_message(), {"type": "convert", "text": text}],
                              format=fmt, sample_rate=rate)

    def _session(self, mode: str, target: tuple[int, str], opts: SynthOptions
                 ) -> tuple[WebSocketSession, str, int | None]:
        """The stream's session, format and sample rate (None for WAV: from its header)."""
        fmt, rate = opts.format or "wav", opts.sample_rate or self.sample_rate
        session = self.http.websocket(
            f"/v1/tts/stream/{mode}/ws", close_map=CLOSES, errors=ERRORS, one_wav=fmt == "wav",
            params={"voiceId": target[0], "voiceType": target[1], "format": fmt, "sr": rate},
            timeout=self.stream_timeout or (self.http.timeout[1] if self.timeout is not None
                                            else DEFAULT_STREAM_TIMEOUT))
        return session, fmt, None if fmt == "wav" else rate

    def _auth_message(self) -> dict[str, str]:
        return {"type": "authApiKey", "clientKey": self.credential("client_key").reveal(),
                "apiKey": self.credential("api_key").reveal()}

    # -- voice conversion --------------------------------------------------------------

    @kit.operation(ConvertOptions, audio=VC_INPUT)
    def convert_voice(self, audio: Any, *, voice: str, opts: ConvertOptions,
                      call: kit.Call) -> Audio:
        """Re-speak ``audio`` (path, bytes or binary file) in ``voice``
        (POST /v1/vc/convert, multipart field ``file``)."""
        voice_id, vtype = self._target(voice, opts.voice_type, "vc")
        response = self.http.request("POST", "/v1/vc/convert",
                                     params={"voiceId": voice_id, "voiceType": vtype},
                                     multipart={"file": audio},
                                     on_upload_progress=call.on_upload_progress)
        return self._audio(response)

    # -- cloned voices -----------------------------------------------------------------

    @kit.operation(CloneOptions, samples=CLONE_SAMPLE, name=kit.TextRules(field="name"))
    def clone_voice(self, samples: Any, *, name: str, opts: CloneOptions, call: kit.Call
                    ) -> kit.Job[Voice]:
        """Clone a voice from one WAV sample (at most 60 s and 32 MB).

        Gemelo answers synchronously, so the returned Job is already SUCCEEDED;
        ``job.wait()`` returns the new Voice (kind ``"cloned"``). Gemelo stores no
        description: one given is kept on the returned Voice only.
        """
        body = self.http.json("POST", "/v1/cloned-voices",
                              multipart={"audio": samples, "name": name.strip()},
                              on_upload_progress=call.on_upload_progress)
        voice = self._answered(body, "clone answer")
        if opts.description is not None:
            voice = attrs.evolve(voice, description=opts.description)
        return CLONE.done(self, voice.id, voice, raw=body)

    @CLONE.refresh
    def _refresh_clone(self, job: kit.Job[Voice]) -> kit.JobUpdate[Voice]:
        found = next((v for v in self._voices_of("cloned") if v.id == job.id), None)
        if found is not None:
            return CLONE.update("created", result=lambda: found, raw=found.raw)
        raise err.NotFound(f"gemelo has no cloned voice {job.id}", provider=self.name)

    def rename_voice(self, voice: str | int | Voice, name: str) -> Voice:
        """Rename a cloned voice (PATCH /v1/cloned-voices/{id}); return the updated Voice."""
        voice_id = self._cloned_id(voice, "rename")
        name = kit.TextRules(field="name").check(name).strip()
        response = self.http.request("PATCH", f"/v1/cloned-voices/{voice_id}",
                                     json={"name": name}, idempotent=True)
        with contextlib.suppress(err.BadResponse):  # the answer is undocumented: any or none
            return self._answered(response.json_object(), "rename answer")
        raw = {**(voice.raw if isinstance(voice, Voice) else {"id": voice_id}), "name": name}
        return self._voice(raw, "cloned")

    def delete_voice(self, voice: str | int | Voice) -> None:
        """Delete a cloned voice (DELETE /v1/cloned-voices/{id})."""
        self.http.request("DELETE", f"/v1/cloned-voices/{self._cloned_id(voice, 'delete')}")

    def download_preview(self, voice: Voice, path: str | os.PathLike[str], *,
                         index: int = 0) -> Path:
        """Save one of a voice's ``previewUrls`` to ``path`` (no credentials sent off-origin)."""
        raw = voice.raw if isinstance(voice, Voice) else {}
        previews = kit.structure(s.converter(), raw, s.Previews, what="voice",
                                 provider=self.name).preview_urls
        urls = [p.url for p in previews or () if p.url]
        if not urls:
            raise err.InvalidInput(f"voice {getattr(voice, 'id', voice)!r} has no previewUrls "
                               "(pass a Voice from list_voices())", field="voice",
                               limit="a Voice with previewUrls")
        index = validate.integer(index, field="index", low=0, high=len(urls) - 1)
        return self.download(urls[index], path)

    # -- voice references --------------------------------------------------------------

    def voice_ref(self, voice: str | int | Voice, *, voice_type: str | None = None,
                  default_type: str = "system") -> tuple[int, str]:
        """Gemelo's ``(voiceId, voiceType)`` for ``voice``, without any request.

        ``voice`` is a Voice (its kind gives the type), an int, a numeric string, or
        ``"cloned:<id>"`` / ``"system:<id>"``. An explicit ``voice_type`` wins; a bare id
        is ``default_type``. Raises InvalidInput for anything else.
        """
        if isinstance(voice, Voice):
            super().voice_id(voice)  # refuses another provider's Voice
        return parse_ref(voice, voice_type=voice_type, default_type=default_type)

    def voice_id(self, voice: str | int | Voice) -> str:
        """``voice`` checked (no request): ``"<type>:<id>"`` when its type is known, else
        the bare id, looked up when used."""
        voice_id, vtype = self.voice_ref(voice)
        return f"{vtype}:{voice_id}" if typed(voice) else str(voice_id)

    def _target(self, voice: str, voice_type: str | None, listing: str) -> tuple[int, str]:
        """``(voiceId, voiceType)`` to send. A bare id, as ``voices`` and ``clone`` print it,
        is a system (or VC) voice when Gemelo lists it as one, else one of the account's
        clones when it is one; ``cloned:<id>`` or ``voice_type=`` settle a clash."""
        voice_id, vtype = self.voice_ref(voice, voice_type=voice_type)
        if voice_type is not None or ":" in voice:
            return voice_id, vtype
        other = False
        try:  # best effort: the call itself will say
            if listing not in self._known:
                self._known[listing] = frozenset(v.id for v in self._voices_of(listing))
            if str(voice_id) not in self._known[listing]:
                if any(v.id == str(voice_id) for v in self._voices_of("cloned")):
                    return voice_id, "cloned"
                other = listing == "vc" and any(v.id == str(voice_id)
                                                for v in self._voices_of("system"))
        except err.VoicekitError:
            pass
        if other:  # the id exists, but as a text-to-speech voice: say so, not "not found"
            raise err.InvalidInput(
                f"voice {voice_id} is a text-to-speech voice, not a conversion voice (list "
                'conversion voices with list_voices(kind="vc"))', field="voice",
                limit="a conversion (vc) or cloned voice", provider=self.name)
        return voice_id, "system"

    def _cloned_id(self, voice: str | int | Voice, action: str) -> str:
        """A cloned voice's id as a path segment (a bare id is taken as cloned)."""
        voice_id, vtype = self.voice_ref(voice, default_type="cloned")
        if vtype != "cloned":
            raise err.InvalidInput(f"only cloned voices can be {action}d; voice {voice_id} is a "
                               f"{vtype} voice", field="voice", limit="a cloned voice")
        return kit.segment(voice_id, field="voice")

    # -- helpers -----------------------------------------------------------------------

    def _check_length(self, text: str) -> str:
        if self.max_text_chars is not None and len(text) > self.max_text_chars:
            raise err.InvalidInput(f"text is {len(text)} characters; the limit "
                               f"(max_text_chars) is {self.max_text_chars}", field="text",
                               limit=f"at most {self.max_text_chars} characters")
        return text

    def _item(self, raw: Any, what: str = "voice") -> s.VoiceItem:
        return kit.structure(s.converter(), raw, s.VoiceItem, what=what, provider=self.name)

    def _answered(self, body: Any, what: str) -> Voice:
        """The cloned voice in an answer, also when wrapped (``{"voice": {...}}``...)."""
        if not (isinstance(body, Mapping) and body.get("id") is not None):
            body = kit.structure(s.converter(), body, s.Envelope, what=what,
                                 provider=self.name).inner
            if body is None:
                raise err.BadResponse(f"gemelo sent a {what} without a voice", provider=self.name)
        return self._voice(body, "cloned")

    def _audio(self, response: HttpResponse) -> Audio:
        return kit.read_audio(response, provider=self.name, size_header="Audio-Size-Bytes",
                              duration_ms_header="Audio-Duration-Ms")


def _before(voice_id: str, cursor: str | None) -> bool:
    """Whether a voice listed after a guessed cursor (the last id seen) is not after it."""
    return cursor is not None and voice_id.isdigit() and cursor.isdigit() and \
        int(voice_id) <= int(cursor)
