"""GemeloProvider: Gemelo's voices, TTS, voice conversion, cloned voices and streaming.

Every request carries ``X-Client-Key`` and ``X-API-Key``; WebSocket streams authenticate
with a first ``authApiKey`` message (and the same headers on the handshake). Voice ids are
Gemelo's integers, accepted as ``int`` or numeric ``str``; the ``voiceType`` Gemelo needs
("system" or "cloned") travels with the :class:`~voicekit_core.models.Voice` (its ``kind``),
so callers never pass it by hand.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from voicekit_core import validate
from voicekit_core.audio import (
    AudioInput,
    AudioSource,
    finalize_wav_bytes,
    parse_wav_header,
    sniff_format,
)
from voicekit_core.capabilities import (
    CloneVoice,
    ConvertVoice,
    ListVoices,
    StreamSynthesize,
    Synthesize,
)
from voicekit_core.errors import (
    AuthenticationError,
    BadResponse,
    InsufficientCredits,
    InvalidInput,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    ProviderError,
    RateLimited,
    ServerError,
    StreamInterrupted,
    VoicekitError,
)
from voicekit_core.http import ErrorDetails, HttpResponse, error_text
from voicekit_core.jobs import Job, JobState, JobUpdate, PollPolicy
from voicekit_core.models import Audio, AudioStream, DuplexStream, Voice
from voicekit_core.provider import Provider
from voicekit_core.websocket import WebSocketSession, duplex_stream, simplex_stream

from .plugin import INFO

__all__ = [
    "CLONE_MAX_BYTES",
    "CLONE_MAX_SECONDS",
    "SAMPLE_RATES",
    "STREAM_FORMATS",
    "VOICE_KINDS",
    "VOICE_TYPES",
    "GemeloProvider",
]

#: Sample rates the streaming endpoints take (query ``sr``).
SAMPLE_RATES: tuple[int, ...] = (22050, 32000, 44100, 48000)
#: Audio formats the streaming endpoints take (query ``format``).
STREAM_FORMATS: tuple[str, ...] = ("wav", "mp3")
#: Gemelo's ``voiceType`` values.
VOICE_TYPES: tuple[str, ...] = ("system", "cloned")
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
MAX_PAGES = 10_000

_CONTENT_FORMATS = {
    "audio/wav": "wav", "audio/x-wav": "wav", "audio/wave": "wav", "audio/vnd.wave": "wav",
    "audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/ogg": "ogg", "audio/flac": "flac",
    "audio/webm": "webm", "audio/pcm": "pcm", "audio/l16": "pcm",
}

# Language names seen in voice labels, normalised to ISO 639-1 codes.
_LANGUAGE_CODES = {
    "english": "en", "spanish": "es", "french": "fr", "german": "de", "italian": "it",
    "portuguese": "pt", "polish": "pl", "dutch": "nl", "russian": "ru", "ukrainian": "uk",
    "japanese": "ja", "chinese": "zh", "korean": "ko", "hindi": "hi", "arabic": "ar",
    "turkish": "tr", "swedish": "sv", "czech": "cs",
}
_LANGUAGE_CATEGORIES = ("language", "languages", "lang", "locale")

_CREDITS_HINT = re.compile(r"credit|balance|insufficient|payment", re.I)
# a 403 that is about the keys themselves (e.g. "Not authenticated") is an auth failure
_CREDENTIAL_HINT = re.compile(r"authenticat|api ?key|client ?key|credential|"
                              r"unauthori[sz]ed|invalid.{0,20}key|missing.{0,20}key", re.I)
_AUTH_HINT = re.compile(r"auth|api ?key|client ?key|credential|unauthori[sz]ed", re.I)

# WebSocket close codes -> errors (4xxx codes mirror HTTP statuses; 4001 is "unauthorised").
_CLOSE_ERRORS: dict[int, type[ProviderError]] = {
    1003: InvalidRequest, 1007: InvalidRequest, 1008: PermissionDenied,
    1011: ServerError, 1012: ServerError, 1013: ServerError, 1014: ServerError,
    4000: InvalidRequest, 4001: AuthenticationError, 4002: InsufficientCredits,
    4003: PermissionDenied, 4004: NotFound, 4029: RateLimited,
    4400: InvalidRequest, 4401: AuthenticationError, 4402: InsufficientCredits,
    4403: PermissionDenied, 4404: NotFound, 4422: InvalidRequest, 4429: RateLimited,
}


class GemeloProvider(Provider, ListVoices, Synthesize, StreamSynthesize, ConvertVoice,
                     CloneVoice):
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
    # cloning answers synchronously; a resumed clone job is looked up once per poll
    poll_policies: ClassVar[Mapping[str, PollPolicy]] = {"clone": PollPolicy(interval=2.0,
                                                                             first_delay=0.0)}

    def __init__(
        self,
        *,
        max_text_chars: int | None = None,
        stream_timeout: float | None = None,
        sample_rate: int = DEFAULT_SAMPLE_RATE,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        if max_text_chars is not None and (isinstance(max_text_chars, bool)
                                           or not isinstance(max_text_chars, int)
                                           or max_text_chars < 1):
            raise InvalidInput(f"max_text_chars must be a positive integer, got "
                               f"{max_text_chars!r}", field="max_text_chars", limit=">= 1")
        if stream_timeout is not None and not stream_timeout > 0:
            raise InvalidInput(f"stream_timeout must be > 0, got {stream_timeout!r}",
                               field="stream_timeout", limit="> 0")
        self.max_text_chars = max_text_chars
        self.stream_timeout = stream_timeout
        self.sample_rate = _check_sample_rate(sample_rate)

    # -- transport hooks ---------------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        """``X-Client-Key`` and ``X-API-Key`` (the API reference); the client key also as
        ``X-Client-ID``, the name the vendor doc's prose uses."""
        client_key = self.credential("client_key").reveal()
        return {"X-Client-Key": client_key, "X-Client-ID": client_key,
                "X-API-Key": self.credential("api_key").reveal()}

    def parse_error(self, response: HttpResponse) -> ErrorDetails:
        """Gemelo's envelopes: ``{"message"}`` or ``{"text", "code", "message"}``."""
        body = response.json_object()
        if body is None:
            return ErrorDetails(response.summary())
        nested = body.get("error")
        if isinstance(nested, dict):  # {"error": {"message", "code"}} (tolerated)
            body = {**body, **nested}
        message = (error_text(body.get("message")) or error_text(body.get("detail"))
                   or _first_str(body, "error", "text"))
        title = _first_str(body, "text")
        if title and message and title != message:
            message = f"{title}: {message}"
        code = body.get("code")
        code_str = str(code) if code is not None and not isinstance(code, bool) else None
        details = ErrorDetails(message or f"HTTP {response.status}", code=code_str)
        hint = f"{code_str or ''} {message or ''}"
        if response.status in (400, 402, 403, 429) and _CREDITS_HINT.search(hint):
            return ErrorDetails(details.message, code=code_str, error=InsufficientCredits)
        if response.status == 403 and _CREDENTIAL_HINT.search(hint):
            return ErrorDetails(details.message, code=code_str, error=AuthenticationError)
        return details

    # -- voices ------------------------------------------------------------------------

    def list_voices(
        self, *, language: str | None = None, kind: str | None = None, **filters: Any
    ) -> Iterator[Voice]:
        """TTS voices (kind ``"system"``), voice-conversion voices (``"vc"``) and the
        account's cloned voices (``"cloned"``), fetched lazily in that order.

        Args:
            language: keep voices whose language labels match (``"en"`` or ``"English"``).
            kind: one of ``"system"``, ``"vc"``, ``"cloned"`` (or a list of them).
            disabled: filter on Gemelo's ``disabled`` flag (True / False; default: all).
            label: keep voices carrying this label (any category; case-insensitive).
        """
        kinds = _check_kinds(kind)
        disabled = filters.pop("disabled", None)
        label = filters.pop("label", None)
        self.reject_unknown(filters, "language, kind, disabled, label", call="list_voices",
                            what="filter")
        if disabled is not None and not isinstance(disabled, bool):
            raise InvalidInput("disabled must be True or False", field="disabled",
                               limit="a bool")
        if label is not None and (not isinstance(label, str) or not label.strip()):
            raise InvalidInput("label must be a non-empty string", field="label",
                               limit="non-empty string")
        if language is not None and (not isinstance(language, str) or not language.strip()):
            raise InvalidInput("language must be a non-empty string", field="language",
                               limit="non-empty string")
        return self._voices(kinds, language, disabled, label)

    def _voices(self, kinds: Sequence[str], language: str | None, disabled: bool | None,
                label: str | None) -> Iterator[Voice]:
        for kind in kinds:
            for voice in self._voices_of(kind):
                if language is not None and not _speaks(voice, language):
                    continue
                if disabled is not None and bool(voice.raw.get("disabled")) != disabled:
                    continue
                if label is not None and label.strip().lower() not in _labels(voice.raw):
                    continue
                yield voice

    def _voices_of(self, kind: str) -> Iterator[Voice]:
        if kind == "cloned":
            for item in self._cloned_items():
                yield self._voice(item, "cloned")
            return
        path = "/v1/tts/voices" if kind == "system" else "/v1/vc/voices"
        for item in _items(self.http.json("GET", path), path):
            yield self._voice(item, kind)

    def _cloned_items(self) -> Iterator[dict[str, Any]]:
        """GET /v1/cloned-voices page by page (``limit`` / ``cursor``).

        Gemelo documents the ``cursor`` parameter but not where the next one comes from.
        A cursor in the answer (``nextCursor``, ``next`` as a token or a URL...) is used;
        an explicit null one (or ``hasMore: false``) ends the listing. An answer with no
        cursor at all whose page looks full (the ``limit`` asked for, or a server cap:
        the first page's size, at least 10) is followed by a best-effort request for the
        ids after the last one; the vendor refusing that guess, or repeating itself, ends it.
        """
        cursor: str | None = None
        guessed = False
        limit: int | None = CLONED_PAGE_SIZE
        full_page = CLONED_PAGE_SIZE
        seen: set[str] = set()
        for page in range(MAX_PAGES):
            params: dict[str, Any] = {} if limit is None else {"limit": limit}
            if cursor is not None:
                params["cursor"] = cursor
            try:
                body = self.http.json("GET", "/v1/cloned-voices", params=params)
            except InvalidRequest:
                if page == 0 and limit is not None:  # a server with a lower limit cap:
                    limit = None  # ask again with its default page size
                    body = self.http.json("GET", "/v1/cloned-voices")
                elif guessed:  # the vendor did not take the guessed cursor: that was all
                    return
                else:
                    raise
            except NotFound:
                if guessed:
                    return
                raise
            items = _items(body, "/v1/cloned-voices")
            fresh = [i for i in items if str(i.get("id")) not in seen]
            yield from fresh
            seen.update(str(i.get("id")) for i in fresh)
            if not fresh:
                return
            if page == 0 and len(items) >= 10:
                full_page = min(full_page, len(items))
            told, next_cursor = _next_cursor(body, sent=cursor)
            guessed = not told and len(items) >= full_page
            cursor = str(fresh[-1].get("id")) if guessed else next_cursor
            if cursor is None:
                return

    def _voice(self, item: Mapping[str, Any], kind: str) -> Voice:
        if not isinstance(item, Mapping) or item.get("id") is None:
            raise BadResponse(f"gemelo sent a voice without an id: {str(item)[:80]}",
                              provider=self.name)
        languages = _languages(item)
        description = item.get("description")
        return Voice(id=str(item["id"]), name=str(item.get("name") or item["id"]),
                     provider=self.name, kind=kind, languages=languages,
                     description=str(description) if description is not None else None,
                     raw=dict(item))

    # -- speech ------------------------------------------------------------------------

    def synthesize(
        self, text: str, *, voice: str | int | Voice, format: str | None = None,
        **options: Any,
    ) -> Audio:
        """Speak ``text`` (POST /v1/tts/convert) and return the audio.

        Options: ``voice_type=`` ("system"/"cloned"; normally carried by the Voice),
        ``sample_rate=`` (22050, 32000, 44100, 48000), ``max_credits=``. ``format="mp3"``
        or a ``sample_rate`` go through the simplex stream, which takes both.
        """
        voice_type = options.pop("voice_type", None)
        sample_rate = options.pop("sample_rate", None)
        max_credits = options.pop("max_credits", None)
        self.reject_unknown(options, "format, voice_type, sample_rate, max_credits",
                            call="synthesize")
        text = self._check_text(text)
        voice_id, vtype = self.voice_ref(voice, voice_type=voice_type)
        fmt = None if format is None else validate.choice(format, STREAM_FORMATS, field="format")
        rate = _check_sample_rate(sample_rate) if sample_rate is not None else None
        self.check_budget(self.estimate("synthesize", text=text), max_credits)
        if fmt == "mp3" or rate is not None:
            stream = self._simplex(text, voice_id, vtype, fmt or "wav",
                                   rate or self.sample_rate)
            with stream:
                return stream.read()
        response = self.http.request("POST", "/v1/tts/convert",
                                     json={"voiceId": voice_id, "text": text,
                                           "voiceType": vtype})
        return self._audio(response)

    def stream_synthesize(
        self, text: str, *, voice: str | int | Voice, format: str = "wav",
        sample_rate: int | None = None, voice_type: str | None = None, **options: Any,
    ) -> AudioStream:
        """Speak ``text`` over the simplex WebSocket; chunks are handed over as they come.

        ``format`` is "wav" (a RIFF header, then 16-bit mono PCM) or "mp3"; ``sample_rate``
        one of 22050, 32000, 44100, 48000. Both are always sent explicitly.
        """
        self.reject_unknown(options, "format, sample_rate, voice_type", call="stream_synthesize")
        text = self._check_text(text)
        voice_id, vtype = self.voice_ref(voice, voice_type=voice_type)
        fmt = validate.choice(format, STREAM_FORMATS, field="format")
        rate = self.sample_rate if sample_rate is None else _check_sample_rate(sample_rate)
        return self._simplex(text, voice_id, vtype, fmt, rate)

    def open_stream(
        self, *, voice: str | int | Voice, format: str = "wav", sample_rate: int | None = None,
        voice_type: str | None = None, **options: Any,
    ) -> DuplexStream:
        """Open the duplex WebSocket: ``send()`` text any number of times (any thread),
        iterate the audio in order; ``finish()`` sends Gemelo's ``close`` (flush)."""
        self.reject_unknown(options, "format, sample_rate, voice_type", call="open_stream")
        voice_id, vtype = self.voice_ref(voice, voice_type=voice_type)
        fmt = validate.choice(format, STREAM_FORMATS, field="format")
        rate = self.sample_rate if sample_rate is None else _check_sample_rate(sample_rate)
        session, errors = self._session("duplex", voice_id, vtype, fmt, rate)

        def convert(text: str) -> dict[str, str]:
            return {"type": "convert", "text": self._check_text(text)}

        return duplex_stream(session, first_messages=[self._auth_message()],
                             text_message=convert, finish_message={"type": "close"},
                             format=fmt, sample_rate=rate if fmt != "wav" else None,
                             on_text=errors.on_text)

    def _simplex(self, text: str, voice_id: int, vtype: str, fmt: str, rate: int
                 ) -> AudioStream:
        session, errors = self._session("simplex", voice_id, vtype, fmt, rate)
        return simplex_stream(session,
                              messages=[self._auth_message(), {"type": "convert", "text": text}],
                              format=fmt, sample_rate=rate if fmt != "wav" else None,
                              on_text=errors.on_text)

    def _session(self, mode: str, voice_id: int, vtype: str, fmt: str, rate: int
                 ) -> tuple[WebSocketSession, _StreamErrors]:
        url = self.http.websocket_url(f"/v1/tts/stream/{mode}/ws", {
            "voiceId": voice_id, "voiceType": vtype, "format": fmt, "sr": rate})
        errors = _StreamErrors(self.name)
        session = _GemeloSession(url, provider=self.name, headers=self.auth_headers(),
                                 timeout=self._read_timeout(),
                                 close_error=errors.close_error, wav=fmt == "wav")
        return session, errors

    def _auth_message(self) -> dict[str, str]:
        return {"type": "authApiKey", "clientKey": self.credential("client_key").reveal(),
                "apiKey": self.credential("api_key").reveal()}

    def _read_timeout(self) -> float:
        if self.stream_timeout is not None:
            return float(self.stream_timeout)
        if isinstance(self.timeout, tuple):
            return float(self.timeout[1])
        return float(self.timeout) if self.timeout is not None else DEFAULT_STREAM_TIMEOUT

    # -- voice conversion --------------------------------------------------------------

    def convert_voice(
        self, audio: AudioInput, *, voice: str | int | Voice, voice_type: str | None = None,
        **options: Any,
    ) -> Audio:
        """Re-speak ``audio`` (path, bytes or binary file) in ``voice``
        (POST /v1/vc/convert, multipart field ``file``)."""
        self.reject_unknown(options, "voice_type", call="convert_voice")
        source = AudioSource.from_input(audio, field="audio")
        source.require_format(VC_FORMATS, field="audio")
        if source.size == 0:
            raise InvalidInput(f"audio: {source.name} is empty", field="audio",
                               limit="not empty")
        voice_id, vtype = self.voice_ref(voice, voice_type=voice_type)
        response = self.http.request("POST", "/v1/vc/convert",
                                     params={"voiceId": voice_id, "voiceType": vtype},
                                     multipart={"file": source})
        return self._audio(response)

    # -- cloned voices -----------------------------------------------------------------

    def clone_voice(
        self,
        samples: AudioInput | Sequence[AudioInput],
        *,
        name: str,
        description: str | None = None,
        **options: Any,
    ) -> Job[Voice]:
        """Clone a voice from one WAV sample (at most 60 s and 32 MB).

        Gemelo answers synchronously, so the returned Job is already SUCCEEDED;
        ``job.wait()`` returns the new Voice (kind ``"cloned"``). Gemelo stores no
        description: one given is kept on the returned Voice only.
        """
        self.reject_unknown(options, "name, description", call="clone_voice")
        if isinstance(samples, (list, tuple)):
            if len(samples) != 1:
                raise InvalidInput(f"gemelo clones from exactly one sample, got {len(samples)}",
                                   field="samples", limit="one WAV sample")
            samples = samples[0]
        name = _check_name(name)
        source = AudioSource.from_input(samples, field="samples")  # type: ignore[arg-type]
        source.require_format(("wav",), field="samples")
        source.require_max_size(CLONE_MAX_BYTES, field="samples")
        source.require_duration(maximum=CLONE_MAX_SECONDS, field="samples")
        body = _unwrap(self.http.json("POST", "/v1/cloned-voices",
                                      multipart={"audio": source, "name": name}))
        if not isinstance(body, dict):
            raise BadResponse("gemelo answered a clone request without a voice object",
                              provider=self.name)
        voice = self._voice(body, "cloned")
        if description is not None:
            voice = Voice(id=voice.id, name=voice.name, provider=voice.provider,
                          kind=voice.kind, languages=voice.languages,
                          description=description, raw=voice.raw)
        return Job(self, "clone", voice.id,
                   update=JobUpdate(JobState.SUCCEEDED, vendor_status="created", progress=1.0,
                                    result=voice, raw=body))

    def _refresh_clone(self, job: Job[Voice]) -> JobUpdate[Voice]:
        for item in self._cloned_items():
            if str(item.get("id")) == job.id:
                return JobUpdate(JobState.SUCCEEDED, vendor_status="created", progress=1.0,
                                 result=self._voice(item, "cloned"), raw=item)
        raise NotFound(f"gemelo has no cloned voice {job.id}", provider=self.name)

    def rename_voice(self, voice: str | int | Voice, name: str) -> Voice:
        """Rename a cloned voice (PATCH /v1/cloned-voices/{id}); return the updated Voice."""
        voice_id = self._cloned_id(voice, "rename")
        name = _check_name(name)
        response = self.http.request("PATCH", f"/v1/cloned-voices/{voice_id}",
                                     json={"name": name}, idempotent=True)
        body = _unwrap(response.json_object())  # the answer is undocumented: any or none
        if isinstance(body, dict) and body.get("id") is not None:
            return self._voice(body, "cloned")
        raw: dict[str, Any] = dict(voice.raw) if isinstance(voice, Voice) else {"id": voice_id}
        raw["name"] = name
        return self._voice(raw, "cloned")

    def delete_voice(self, voice: str | int | Voice) -> None:
        """Delete a cloned voice (DELETE /v1/cloned-voices/{id})."""
        voice_id = self._cloned_id(voice, "delete")
        self.http.request("DELETE", f"/v1/cloned-voices/{voice_id}")

    def download_preview(self, voice: Voice, path: str | os.PathLike[str], *,
                         index: int = 0) -> Path:
        """Save one of a voice's ``previewUrls`` to ``path`` (no credentials sent off-origin)."""
        urls = voice.raw.get("previewUrls") if isinstance(voice, Voice) else None
        if isinstance(urls, (str, dict)):
            urls = [urls]
        if isinstance(urls, list):  # plain URLs, or objects carrying one ({"url": ...})
            urls = [u.get("url") if isinstance(u, dict) else u for u in urls]
            urls = [u for u in urls if isinstance(u, str) and u]
        if not isinstance(urls, list) or not urls:
            raise InvalidInput(f"voice {getattr(voice, 'id', voice)!r} has no previewUrls "
                               "(pass a Voice from list_voices())", field="voice",
                               limit="a Voice with previewUrls")
        if not 0 <= index < len(urls):
            raise InvalidInput(f"index {index} out of range: the voice has {len(urls)} "
                               "preview(s)", field="index", limit=f"0..{len(urls) - 1}")
        return self.download(str(urls[index]), path)

    def _cloned_id(self, voice: str | int | Voice, action: str) -> int:
        voice_id, vtype = self.voice_ref(voice, default_type="cloned")
        if vtype != "cloned":
            raise InvalidInput(f"only cloned voices can be {action}d; voice {voice_id} is a "
                               f"{vtype} voice", field="voice", limit="a cloned voice")
        return voice_id

    # -- helpers -----------------------------------------------------------------------

    def voice_ref(self, voice: str | int | Voice, *, voice_type: str | None = None,
                  default_type: str = "system") -> tuple[int, str]:
        """Gemelo's ``(voiceId, voiceType)`` for ``voice``.

        ``voice`` is a Voice (its kind gives the type), an int, a numeric string, or
        ``"cloned:<id>"`` / ``"system:<id>"``. An explicit ``voice_type`` wins; a bare id
        is ``default_type``. Raises InvalidInput for anything else.
        """
        vtype: str | None = None
        if isinstance(voice, Voice):
            value: object = voice.id
            vtype = _voice_type_of(voice)
        elif isinstance(voice, str):
            value = voice.strip()
            prefix, sep, rest = voice.strip().partition(":")
            if sep and prefix.strip().lower() in VOICE_TYPES:
                vtype, value = prefix.strip().lower(), rest.strip()
        else:
            value = voice
        voice_id = _voice_int(value, voice)
        if voice_type is not None:
            if not isinstance(voice_type, str) or voice_type.lower() not in VOICE_TYPES:
                raise InvalidInput(f"voice_type must be one of {', '.join(VOICE_TYPES)}, got "
                                   f"{voice_type!r}", field="voice_type",
                                   limit=" or ".join(VOICE_TYPES))
            vtype = voice_type.lower()
        return voice_id, vtype or default_type

    def _check_text(self, text: str) -> str:
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("text must be a non-empty string", field="text",
                               limit="non-empty")
        if self.max_text_chars is not None and len(text) > self.max_text_chars:
            raise InvalidInput(f"text is {len(text)} characters; the limit "
                               f"(max_text_chars) is {self.max_text_chars}", field="text",
                               limit=f"at most {self.max_text_chars} characters")
        return text

    def _audio(self, response: HttpResponse) -> Audio:
        data = response.content
        headers = response.headers
        ctype = headers.get("Content-Type", "").split(";")[0].strip().lower()
        fmt = _audio_format(data[:64], ctype)
        size = _int_header(headers, "Audio-Size-Bytes")
        if size is not None and size > len(data) and "Content-Length" not in headers:
            # a chunked body that ended short (a Content-Length is checked by the transport;
            # Audio-Size-Bytes may count the samples only, so a smaller body is not a sign)
            raise StreamInterrupted(f"gemelo announced {size} bytes of audio but sent "
                                    f"{len(data)}", received_bytes=len(data),
                                    provider=self.name, status=response.status)
        if not data:
            raise BadResponse("gemelo sent an empty audio body", provider=self.name,
                              status=response.status, request_id=response.request_id)
        if ctype.endswith("json") or (sniff_format(data[:64]) is None
                                      and data.lstrip()[:1] in (b"{", b"[")):
            body = response.json_object() or {}
            said = _first_str(body, "message", "detail", "error", "text") or str(data[:80])
            raise BadResponse(f"gemelo answered JSON instead of audio: {said}",
                              provider=self.name, status=response.status,
                              request_id=response.request_id)
        if fmt == "wav" and data[:4] == b"RIFF":
            try:
                data = finalize_wav_bytes(data)
            except InvalidInput as exc:
                raise BadResponse(f"gemelo sent a broken WAV header: {exc.message}",
                                  provider=self.name, status=response.status) from None
        millis = _int_header(headers, "Audio-Duration-Ms")
        metadata = {"content_type": ctype or None, "audio_size_bytes": size,
                    "audio_duration_ms": millis, "request_id": response.request_id}
        return Audio(data=data, format=fmt,
                     duration=millis / 1000 if millis is not None and fmt != "wav" else None,
                     metadata=metadata)


# -- streams ---------------------------------------------------------------------------


class _GemeloSession(WebSocketSession):
    """A stream whose WAV may repeat its RIFF header: Gemelo's docs do not say whether a
    duplex stream (or a long simplex one) starts a new WAV for each piece of text, so a
    header at the start of a later frame is dropped and one continuous WAV is handed on."""

    def __init__(self, url: str, *, wav: bool, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        self._wav = wav

    def iter_binary(self, on_text: Callable[[str], None] | None = None) -> Iterator[bytes]:
        frames = super().iter_binary(on_text)
        return _one_wav(frames) if self._wav else frames


def _one_wav(frames: Iterator[bytes]) -> Iterator[bytes]:
    started = False
    for frame in frames:
        if started and frame[:4] == b"RIFF" and frame[8:12] == b"WAVE":
            # (not a whole header after all: the frame is handed on as it is)
            with contextlib.suppress(InvalidInput):
                frame = frame[parse_wav_header(frame).data_offset:]
            if not frame:
                continue
        started = started or bool(frame)
        yield frame


# -- stream errors ----------------------------------------------------------------------


class _StreamErrors:
    """How one stream ends: close codes map onto the error tree, with Gemelo's reason.

    A JSON text frame that reports an error (``{"type": "error", "message": ...}``, not
    documented but tolerated) is remembered and used when the close that follows carries
    no reason; an error reported before a 1000 close still raises.
    """

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.reported: tuple[str, str | None] | None = None  # (message, code)

    def on_text(self, message: str) -> None:
        try:
            body = json.loads(message)
        except ValueError:
            return
        if isinstance(body, dict) and (body.get("type") == "error" or body.get("error")):
            text = _first_str(body, "message", "error", "text") or "unknown error"
            code = body.get("code")
            self.reported = (text, str(code) if code is not None else None)

    def close_error(self, code: int, reason: str) -> VoicekitError | None:
        """1000 ends a stream normally; any other close code is an error with its reason."""
        reason = reason.strip()
        if code == 1000:
            if self.reported is None:
                return None
            text, vendor_code = self.reported
            return ProviderError(f"gemelo reported an error during the stream: {text}",
                                 provider=self.provider, code=vendor_code)
        if not reason and self.reported is not None:
            reason = self.reported[0]
        cls = _CLOSE_ERRORS.get(code)
        if cls is None:
            if 4000 <= code < 5000 and _AUTH_HINT.search(reason):
                cls = AuthenticationError
            else:
                cls = ServerError if 1011 <= code <= 1014 else ProviderError
        if cls is PermissionDenied and _AUTH_HINT.search(reason):
            cls = AuthenticationError
        what = reason or ("no status code" if code == 1005 else "no reason given")
        return cls(f"gemelo closed the stream: {what} (close code {code})",
                   provider=self.provider, code=str(code))


# -- module helpers ---------------------------------------------------------------------


def _check_sample_rate(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or \
            str(value).strip() not in {str(r) for r in SAMPLE_RATES}:
        raise InvalidInput(f"sample_rate must be one of {', '.join(map(str, SAMPLE_RATES))}, "
                           f"got {value!r}", field="sample_rate",
                           limit=", ".join(map(str, SAMPLE_RATES)))
    return int(str(value).strip())


def _check_kinds(kind: str | Iterable[str] | None) -> tuple[str, ...]:
    if kind is None:
        return VOICE_KINDS
    wanted = (kind,) if isinstance(kind, str) else tuple(kind)
    bad = [k for k in wanted if k not in VOICE_KINDS]
    if bad or not wanted:
        raise InvalidInput(f"kind must be one of {', '.join(VOICE_KINDS)}, got {kind!r}",
                           field="kind", limit=", ".join(VOICE_KINDS))
    return tuple(k for k in VOICE_KINDS if k in wanted)


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("name must be a non-empty string", field="name", limit="non-empty")
    return name.strip()


def _voice_int(value: object, original: object) -> int:
    if isinstance(value, bool):
        value = None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise InvalidInput(f"a gemelo voice id is an integer or a numeric string, got "
                       f"{original!r}", field="voice", limit="an integer voice id")


def _voice_type_of(voice: Voice) -> str:
    declared = voice.raw.get("voiceType")
    if isinstance(declared, str) and declared.lower() in VOICE_TYPES:
        return declared.lower()
    return "cloned" if voice.kind == "cloned" else "system"


def _first_str(body: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = body.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and \
                str(value).strip():
            return str(value)
    return None


def _unwrap(body: Any) -> Any:
    """A voice object, also when wrapped (``{"voice": {...}}`` / ``{"data": {...}}``)."""
    if isinstance(body, dict) and body.get("id") is None:
        for key in ("voice", "data", "item", "clonedVoice", "result"):
            if isinstance(body.get(key), dict):
                return body[key]
    return body


def _items(body: Any, path: str) -> list[dict[str, Any]]:
    if isinstance(body, dict):
        for key in ("items", "voices", "data", "results"):
            if isinstance(body.get(key), list):
                body = body[key]
                break
    if not isinstance(body, list):
        raise BadResponse(f"gemelo sent an unexpected body for {path}: {str(body)[:80]}",
                          provider="gemelo")
    return [item for item in body if isinstance(item, dict)]


def _next_cursor(body: Any, *, sent: str | None) -> tuple[bool, str | None]:
    """``(told, cursor)``: whether the answer says where paging goes on (an explicit null
    ``nextCursor`` or ``hasMore: false`` says "nowhere"), and the next cursor if any.

    A ``next`` that is a URL gives its ``cursor`` query parameter; a ``cursor`` that merely
    echoes the one sent is not a next cursor.
    """
    if not isinstance(body, dict):
        return False, None
    places = [body] + [body[k] for k in ("pagination", "meta", "page", "paging")
                       if isinstance(body.get(k), dict)]
    told = False
    for place in places:
        for key in ("nextCursor", "next_cursor", "next", "cursor"):
            if key not in place:
                continue
            value = place[key]
            if key != "cursor":
                told = True
            if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value):
                continue
            cursor = _cursor_of(str(value))
            if cursor is not None and cursor != sent:
                return True, cursor
        for key in ("hasMore", "has_more", "hasNext", "has_next"):
            if place.get(key) is False:
                return True, None
    return told, None


def _cursor_of(value: str) -> str | None:
    """A cursor token, or the ``cursor`` parameter of a next-page URL (None if it has none)."""
    if "://" not in value and not value.startswith(("/", "?")):
        return value
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(value).query)
    found = query.get("cursor") or query.get("nextCursor")
    return found[0] if found else None


def _label_pairs(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    labels = raw.get("labels")
    if not isinstance(labels, list):
        return pairs
    for label in labels:
        if isinstance(label, dict):
            pairs.append((str(label.get("category") or "").lower(),
                          str(label.get("label") or "").strip()))
        elif isinstance(label, str):
            pairs.append(("", label.strip()))
    return pairs


def _labels(raw: Mapping[str, Any]) -> set[str]:
    return {text.lower() for _, text in _label_pairs(raw) if text}


def _languages(raw: Mapping[str, Any]) -> tuple[str, ...]:
    found: list[str] = []
    values = [text for cat, text in _label_pairs(raw) if cat in _LANGUAGE_CATEGORIES]
    for key in ("language", "languages", "locale"):
        value = raw.get(key)
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, list):
            values.extend(str(v) for v in value if isinstance(v, str))
    for value in values:
        code = _LANGUAGE_CODES.get(value.strip().lower(), value.strip())
        if code and code not in found:
            found.append(code)
    return tuple(found)


def _speaks(voice: Voice, language: str) -> bool:
    """Language names (``"English"``) are read as their codes first."""
    return voice.speaks(_LANGUAGE_CODES.get(language.strip().lower(), language.strip()))


def _audio_format(head: bytes, ctype: str) -> str:
    """The bytes decide when they carry a signature (a generic ``application/octet-stream``
    or a wrong Content-Type is common); a bare MPEG frame sync is weak evidence (PCM can
    start like one), so a known audio Content-Type wins over it."""
    sniffed = sniff_format(head)
    declared = _CONTENT_FORMATS.get(ctype)
    if sniffed is not None and (sniffed != "mp3" or head[:3] == b"ID3" or declared is None):
        return sniffed
    return declared or sniffed or "wav"


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        number = int(float(value))
    except ValueError:
        return None
    return number if number >= 0 else None
