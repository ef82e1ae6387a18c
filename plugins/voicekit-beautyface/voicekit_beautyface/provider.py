"""BeautyfaceProvider: the white-label Voice Clone & Text-to-Speech API through voicekit.

Every request carries ``Authorization: Bearer <BEAUTYFACE_API_KEY>`` and goes to the
deployment's own base URL (required: ``BEAUTYFACE_BASE_URL`` or ``base_url=``, e.g.
``https://your-domain.com/api/v1``). Speech is asynchronous at the vendor: ``POST /tts``
answers at once with a ``speechId``; voicekit polls ``GET /tts/{speechId}`` every 3 s (the
vendor's documented rhythm) and downloads the finished ``audioUrl`` from the storage host,
without credentials. ``synthesize()`` does all of that; ``submit_speech()`` returns the
:class:`~voicekit_core.jobs.Job` so that many speeches can be started and collected later.

Errors come as ``{"code", "error"}``. ``USAGE_LIMIT_EXCEEDED`` (HTTP 429 with ``credits`` and
``needCredits``) means too few credits: it raises InsufficientCredits and is never retried;
``RATE_LIMITED`` (also 429) is retried once ``X-RateLimit-Reset`` (a Unix time) has passed,
after at least 1 s (as the vendor's example client waits).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

import attrs
from voicekit_core import validate
from voicekit_core.audio import AudioInput, AudioSource, sniff_format
from voicekit_core.capabilities import Balance, CloneVoice, ListVoices, Synthesize
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
)
from voicekit_core.http import ErrorDetails, HttpResponse
from voicekit_core.jobs import Job, JobState, JobUpdate, PollPolicy
from voicekit_core.models import Audio, Cost, Voice, parse_datetime
from voicekit_core.models import Balance as BalanceInfo
from voicekit_core.provider import Provider

from .plugin import INFO

__all__ = [
    "CLONE_COST",
    "CLONE_FORMATS",
    "CLONE_MAX_BYTES",
    "DEFAULT_FORMAT",
    "FORMATS",
    "MAX_DESCRIPTION_CHARS",
    "MAX_PAGE_LIMIT",
    "MAX_TEXT_BYTES",
    "MIN_RATE_WAIT",
    "SORT_KEYS",
    "SORT_ORDERS",
    "VOICE_KINDS",
    "VOICE_STATUSES",
    "VOICE_TYPES",
    "BeautyfaceProvider",
    "Speech",
]

#: Output formats of POST /tts (the vendor's default is mp3; voicekit's is wav, see below).
FORMATS: tuple[str, ...] = ("mp3", "wav", "opus", "pcm")
#: voicekit's default, always sent explicitly: ``synthesize(...).save("x.wav")`` is a WAV.
DEFAULT_FORMAT = "wav"
#: The text limit of POST /tts, in UTF-8 bytes (not characters: CJK takes 3 bytes each).
MAX_TEXT_BYTES = 5000
#: Fixed price of one voice clone, in credits.
CLONE_COST = 1000
#: Clone sample rules: MP3, WAV or WebM, at most 20 MB.
CLONE_FORMATS: tuple[str, ...] = ("mp3", "wav", "webm")
CLONE_MAX_BYTES = 20 * 1024 * 1024
MAX_DESCRIPTION_CHARS = 500
#: GET /voices filters.
MAX_PAGE_LIMIT = 100
VOICE_STATUSES: tuple[str, ...] = ("PROCESSING", "COMPLETED", "FAILED")
VOICE_TYPES: tuple[str, ...] = ("USER", "SYSTEM")
SORT_KEYS: tuple[str, ...] = ("createdAt", "updatedAt", "title", "duration", "popularity")
SORT_ORDERS: tuple[str, ...] = ("asc", "desc")
#: voicekit's ``Voice.kind`` for each vendor voice type.
VOICE_KINDS: Mapping[str, str] = {"USER": "cloned", "SYSTEM": "system"}

#: The vendor's rhythm: check the speech status, wait 3 s, check again.
SPEECH_POLL = PollPolicy(interval=3.0, first_delay=3.0)
#: Cloning has no documented rhythm; a clone takes tens of seconds, and each look is a
#: (narrow) voice listing, so every 5 s.
CLONE_POLL = PollPolicy(interval=5.0, first_delay=5.0)
#: The shortest wait after RATE_LIMITED (the documentation's client waits at least 1 s).
MIN_RATE_WAIT = 1.0
#: How long ``synthesize()`` waits for the vendor by default (the job goes on after it).
DEFAULT_WAIT_TIMEOUT = 300.0
#: Page size when voicekit pages through GET /voices on its own.
_PAGE_SIZE = MAX_PAGE_LIMIT
_CLONE_LOOKUP_PAGE = 50
_MAX_PAGES = 10_000
#: Slack when comparing a clone's ``createdAt`` with other voices' (precision, skew).
_CLOCK_SLACK = dt.timedelta(seconds=60)


_CODE_ERRORS: dict[str, type[ProviderError]] = {
    "INVALID_PARAMETERS": InvalidRequest,
    "UNAUTHORIZED": AuthenticationError,
    "NOT_FOUND": NotFound,
    "USAGE_LIMIT_EXCEEDED": InsufficientCredits,
    "RATE_LIMITED": RateLimited,
    "INTERNAL_ERROR": ServerError,
}
_FILTERS = ("page", "limit", "status", "type", "sortBy", "sortOrder")
_FILTER_ALIASES = {"sort_by": "sortBy", "sort_order": "sortOrder"}


@attrs.frozen
class Speech:
    """A text-to-speech task (``GET /tts/{speechId}``).

    ``audio_url`` is set once ``status`` is ``COMPLETED``; it points at the storage host
    (fetch it with :meth:`BeautyfaceProvider.fetch_speech`, which sends no credentials).
    """

    id: str
    status: str
    format: str | None = None
    text: str | None = None
    audio_url: str | None = attrs.field(default=None, repr=False)
    duration: float | None = None
    credits_used: int | None = None
    voice_id: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def state(self) -> JobState:
        return JobState.from_vendor(self.status)


class BeautyfaceProvider(Provider, ListVoices, Synthesize, CloneVoice, Balance):
    """The Voice Clone & Text-to-Speech API (white-label; beautyface.app/docs).

    Connect with ``voicekit_core.connect("beautyface", base_url=..., api_key=...)`` or the
    ``BEAUTYFACE_BASE_URL`` / ``BEAUTYFACE_API_KEY`` environment variables. There is no
    default host: a missing base URL raises ConfigurationError before anything is sent.
    """

    info = INFO
    #: batches start speeches with submit_speech and poll them together
    submits: ClassVar[Mapping[str, str]] = {"synthesize": "submit_speech"}
    poll_policies: ClassVar[Mapping[str, PollPolicy]] = {"speech": SPEECH_POLL,
                                                         "clone": CLONE_POLL}

    # -- transport hooks ---------------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credential('api_key').reveal()}"}

    def parse_error(self, response: HttpResponse) -> ErrorDetails:
        """The envelope ``{"code", "error"}``; ``USAGE_LIMIT_EXCEEDED`` adds ``credits`` and
        ``needCredits``."""
        body = response.json_object()
        if body is None:
            return self._rate_limit_details(response, ErrorDetails(response.summary()))
        inner = body.get("error")
        if isinstance(inner, dict):  # tolerate {"error": {"code", "message"}}
            body = {**body, **inner}
        code = _text(body.get("code"))
        message = (_text(body.get("error")) or _text(body.get("message"))
                   or (code.replace("_", " ").lower() if code else f"HTTP {response.status}"))
        have, need = _number(body.get("credits")), _number(body.get("needCredits"))
        error = _CODE_ERRORS.get(code.upper()) if code else None
        if error is None and response.status == 429 and _about_credits(body, message):
            error = InsufficientCredits  # a 429 that speaks of credits is about money
        if error is InsufficientCredits:
            if need is not None:
                message += (f": this needs {need:g} credits, the account has "
                            f"{have:g}" if have is not None else f": this needs {need:g}")
            return ErrorDetails(message, code=code, error=InsufficientCredits,
                                extra={"have": have, "need": need})
        return self._rate_limit_details(response, ErrorDetails(message, code=code,
                                                               error=error))

    @staticmethod
    def _rate_limit_details(response: HttpResponse, details: ErrorDetails) -> ErrorDetails:
        """For a rate limit, the wait the documentation's own client uses: until
        ``X-RateLimit-Reset``, but at least 1 s (a reset in whole seconds may be due now,
        or just past, while the server still counts the old window)."""
        limited = details.error is RateLimited or (details.error is None
                                                   and response.status == 429)
        if not limited:
            return details
        wait = response.rate_limit.wait
        if wait is None and any(h in response.headers for h in ("X-RateLimit-Reset",
                                                                 "Retry-After")):
            wait = 0.0  # a reset time already reached (or unreadable): soon
        if wait is None:
            return attrs.evolve(details, error=RateLimited)
        return attrs.evolve(details, error=RateLimited,
                            extra={**details.extra, "retry_after": max(MIN_RATE_WAIT, wait)})

    def _api(self, method: str, path: str, **kwargs: Any) -> Any:
        """``self.http.json``, but a 2xx body saying ``"success": false`` is an error too
        (mapped like an error status, from its ``code``)."""
        response = self.http.request(method, path, **kwargs)
        body = response.json()
        if isinstance(body, Mapping) and body.get("success") is False:
            details = self.parse_error(response)
            error = details.error or ProviderError
            raise error(self.http.scrub(details.message), provider=self.name,
                        status=response.status, code=details.code,
                        request_id=response.request_id, **dict(details.extra))
        return body

    # -- voices ------------------------------------------------------------------------

    def list_voices(
        self, *, language: str | None = None, kind: str | None = None, **filters: Any
    ) -> Iterator[Voice]:
        """Voices of the account and the system, paged lazily through GET /voices.

        Args:
            language: keep voices whose ``language``/``languages`` field, or one of whose
                tags, names it (``"en"`` matches ``"en-US"``); the API documents no
                language, so voices that state none are left out.
            kind: ``"cloned"`` (the vendor's type USER) or ``"system"`` (SYSTEM).
            status: ``"COMPLETED"`` (default: voices usable for speech), ``"PROCESSING"``,
                ``"FAILED"``, or None for all.
            type: ``"USER"`` or ``"SYSTEM"`` (the vendor's word for ``kind``).
            sortBy / sort_by: createdAt (default), updatedAt, title, duration, popularity.
            sortOrder / sort_order: ``"desc"`` (default) or ``"asc"``.
            page: the page to start from (>= 1; default 1); later pages follow lazily.
            limit: page size, 1..100 (default 100: fewest requests).

        Raises:
            InvalidInput: a filter out of its documented range (before any request).
        """
        params = self._voice_params(kind, filters)
        if language is not None and (not isinstance(language, str) or not language.strip()):
            raise InvalidInput(f"language must be a non-empty string, got {language!r}",
                               field="language", limit="non-empty string")
        voices = self._pages(params)
        if language is None:
            return voices
        return (v for v in voices if _speaks(v, language))

    def _voice_params(self, kind: str | None, filters: Mapping[str, Any]) -> dict[str, Any]:
        given: dict[str, Any] = {}
        for name, value in filters.items():
            key = _FILTER_ALIASES.get(name, name)
            if key not in _FILTERS:
                raise InvalidInput(
                    f"unknown voice filter {name!r}; beautyface filters: language, kind, "
                    "status, type, sortBy, sortOrder, page, limit", field=name,
                    limit="language, kind, status, type, sortBy, sortOrder, page, limit")
            if key in given:
                raise InvalidInput(f"{key} given twice", field=name, limit="once")
            given[key] = value
        params: dict[str, Any] = {
            "page": validate.integer(given.get("page", 1), field="page", low=1),
            "limit": validate.integer(given.get("limit", _PAGE_SIZE), field="limit", low=1,
                                      high=MAX_PAGE_LIMIT),
        }
        status = given.get("status", "COMPLETED")
        if status is not None:
            params["status"] = validate.choice(status, VOICE_STATUSES, field="status", case="upper")
        vtype = given.get("type")
        if vtype is not None:
            vtype = validate.choice(vtype, VOICE_TYPES, field="type", case="upper")
        if kind is not None:
            by_kind = {k: t for t, k in VOICE_KINDS.items()}
            if kind not in by_kind:
                raise InvalidInput(f"kind must be one of {', '.join(by_kind)}, got {kind!r}",
                                   field="kind", limit=" or ".join(by_kind))
            if vtype is not None and vtype != by_kind[kind]:
                raise InvalidInput(f"kind={kind!r} contradicts type={vtype!r}", field="kind",
                                   limit=f"type {by_kind[kind]}")
            vtype = by_kind[kind]
        if vtype is not None:
            params["type"] = vtype
        sort_by = given.get("sortBy")
        if sort_by is not None:
            params["sortBy"] = validate.choice(sort_by, SORT_KEYS, field="sortBy", case="exact")
        order = given.get("sortOrder")
        if order is not None:
            params["sortOrder"] = validate.choice(order, SORT_ORDERS, field="sortOrder")
        return params

    def _pages(self, params: Mapping[str, Any]) -> Iterator[Voice]:
        for item in self._voice_items(params):
            yield self._voice(item)

    def _voice_items(self, params: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        """Raw voice objects, page after page, fetched only as iteration needs them."""
        for items in self._voice_pages(params):
            yield from items

    def _voice_pages(self, params: Mapping[str, Any]) -> Iterator[list[Mapping[str, Any]]]:
        """The pages of GET /voices (lists of raw voice objects), fetched one by one."""
        query = dict(params)
        page = int(query.get("page", 1))
        limit = int(query.get("limit", 20))
        seen: set[str] = set()
        for _ in range(_MAX_PAGES):
            query["page"] = page
            body = self._api("GET", "/voices", params=query)
            items = _voice_list(body)
            fresh = [i for i in items if str(i.get("id")) not in seen]
            if items and not fresh:
                raise BadResponse(f"beautyface sent page {page} of /voices again; paging "
                                  "stopped", provider=self.name)
            seen.update(str(i.get("id")) for i in items)
            yield items
            if not items or not _has_next(body, page, len(items), limit):
                return
            page += 1

    def _voice(self, item: Mapping[str, Any]) -> Voice:
        vtype = str(item.get("type") or "").upper()
        kind = VOICE_KINDS.get(vtype) or ("system" if item.get("isPublic") is True
                                          else "cloned")
        description = _text(item.get("description"))
        return Voice(id=str(item["id"]), name=_text(item.get("title")) or str(item["id"]),
                     provider=self.name, kind=kind,
                     languages=_languages(item), description=description, raw=dict(item))

    def find_voice(self, voice: str | Voice, *, created_at: str | None = None
                   ) -> Voice | None:
        """Look a voice of the account up by id, whatever its status; None if absent.

        The API has no GET for one voice, so this lists the account's own voices
        (``type=USER``), newest first, and stops at the voice, or after a page that is
        really sorted newest first and ends with voices older than ``created_at`` (the
        voice's ``createdAt``, when known); a listing that ignores the sort is read to
        its end.
        """
        voice_id = self.voice_id(voice)
        since = parse_datetime(created_at)
        params = {"page": 1, "limit": _CLONE_LOOKUP_PAGE, "type": "USER",
                  "sortBy": "createdAt", "sortOrder": "desc"}
        for items in self._voice_pages(params):
            for item in items:
                if str(item.get("id")) == voice_id:
                    return self._voice(item)
            if since is not None and _older_than(items, since - _CLOCK_SLACK):
                return None
        return None

    # -- speech ------------------------------------------------------------------------

    def synthesize(
        self, text: str, *, voice: str | Voice, format: str | None = None, **options: Any
    ) -> Audio:
        """Speak ``text``: submit it, poll every 3 s until done, download the audio.

        Args:
            text: at most 5000 UTF-8 bytes (CJK characters take 3 each); costs 1 credit
                per byte.
            voice: a voice id or a :class:`Voice` (a finished clone or a system voice).
            format: ``"wav"`` (default), ``"mp3"``, ``"opus"`` or ``"pcm"``.
            max_credits: refuse locally if the text costs more.
            wait_timeout: seconds to wait for the vendor (default 300; JobTimeout then
                carries a reference to resume with ``provider.job(ref)``).
            on_update: called with the job after each poll.

        Raises:
            InvalidInput / CreditLimitExceeded (nothing sent), NotFound (unknown voice),
            InsufficientCredits, JobFailed, JobTimeout, ProviderError, TransportError.
        """
        max_credits = options.pop("max_credits", None)
        wait_timeout = options.pop("wait_timeout", DEFAULT_WAIT_TIMEOUT)
        on_update = options.pop("on_update", None)
        self.reject_unknown(options, "format, max_credits, wait_timeout, on_update",
                            call="synthesize")
        job = self.submit_speech(text, voice=voice, format=format, max_credits=max_credits)
        return job.wait(timeout=wait_timeout, on_update=on_update)

    def submit_speech(self, text: str, *, voice: str | Voice, format: str | None = None,
                      max_credits: float | None = None) -> Job[Audio]:
        """Start a speech (POST /tts) and return its ``Job[Audio]`` without waiting.

        Start many, then ``wait()`` for each: the vendor works on them in parallel.
        ``job.to_ref()`` resumes one in another process. Arguments as for
        :meth:`synthesize`.
        """
        data = self.check_text(text)
        fmt = validate.choice(format, FORMATS, field="format", default=DEFAULT_FORMAT)
        voice_id = self._speech_voice(voice)
        self.check_budget(self.estimate("synthesize", text=text), max_credits)
        body = self._api("POST", "/tts", json={"text": text, "voiceId": voice_id,
                                               "format": fmt})
        if not isinstance(body, Mapping):
            raise BadResponse(f"beautyface answered POST /tts with {str(body)[:80]}",
                              provider=self.name)
        speech = body.get("speech")
        # the speech object, or the answer itself when it is not wrapped
        speech_body: Mapping[str, Any] = speech if isinstance(speech, Mapping) else body
        speech_id = body.get("speechId") or speech_body.get("id")
        if not speech_id:
            raise BadResponse("beautyface answered POST /tts without a speechId",
                              provider=self.name)
        used = _number(body.get("creditsUsed"))
        if used is None:
            used = _number(speech_body.get("creditsUsed"))
        self._emit("credits_spent", credits=used if used is not None else float(len(data)),
                   unit="credits", operation="synthesize")
        status = str(speech_body.get("status") or "PROCESSING")
        state = JobState.from_vendor(status)
        # even an answer that says COMPLETED is looked at again: GET gives the audioUrl
        initial: JobUpdate[Audio] = JobUpdate(
            JobState.RUNNING if state.done else state, vendor_status=status, raw=dict(body))
        return Job(self, "speech", str(speech_id), update=initial, context={"format": fmt})

    def check_text(self, text: str) -> bytes:
        """Validate ``text`` locally (non-empty, at most 5000 UTF-8 bytes); its bytes."""
        if not isinstance(text, str):
            raise InvalidInput(f"text must be a string, got {type(text).__name__}",
                               field="text", limit="a string")
        if not text.strip():
            raise InvalidInput("text is empty", field="text", limit="non-empty")
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInput("text is not valid Unicode (lone surrogates)", field="text",
                               limit="valid UTF-8") from None
        if len(data) > MAX_TEXT_BYTES:
            raise InvalidInput(
                f"text is {len(data)} UTF-8 bytes ({len(text)} characters); the limit is "
                f"{MAX_TEXT_BYTES} bytes (CJK characters take 3 bytes each)", field="text",
                limit=f"at most {MAX_TEXT_BYTES} UTF-8 bytes")
        return data

    def _speech_voice(self, voice: str | Voice) -> str:
        voice_id = self.voice_id(voice)
        if isinstance(voice, Voice):
            status = str(voice.raw.get("status") or "COMPLETED").upper()
            if status in ("PROCESSING", "FAILED"):
                raise InvalidInput(f"voice {voice_id} is {status}; only COMPLETED voices "
                                   "speak (wait for the clone job)", field="voice",
                                   limit="a COMPLETED voice")
        return voice_id

    def get_speech(self, speech_id: str) -> Speech:
        """The status and details of a speech (GET /tts/{speechId}); NotFound if unknown."""
        if not isinstance(speech_id, str) or not speech_id.strip():
            raise InvalidInput(f"speech_id must be a non-empty string, got {speech_id!r}",
                               field="speech_id", limit="a speech id")
        body = self._api("GET", f"/tts/{_segment(speech_id.strip())}")
        item = body.get("speech") if isinstance(body, Mapping) else None
        if not isinstance(item, Mapping):
            item = body if isinstance(body, Mapping) and "status" in body else None
        if item is None:
            raise BadResponse(f"beautyface sent no speech for {speech_id}: {str(body)[:80]}",
                              provider=self.name)
        return _speech(item, speech_id.strip())

    def fetch_speech(self, speech: Speech, *, format: str | None = None) -> Audio:
        """Download a COMPLETED speech's audio (from the storage host, no credentials).

        Only a link on the API host itself that refuses an anonymous request (401/403)
        is asked again with the API key."""
        if not speech.audio_url:
            raise BadResponse(f"speech {speech.id} is {speech.status} but has no audioUrl",
                              provider=self.name)
        requested = format or speech.format or DEFAULT_FORMAT
        url = urllib.parse.urljoin(self.http.base_url + "/", speech.audio_url)
        try:  # a storage link: never with the API key
            data = self.http.request("GET", url, authenticated=False).content
        except (AuthenticationError, PermissionDenied):
            if not self.http.is_own_origin(url):
                raise
            # the deployment serves its audio from the API host, behind the API key
            data = self.http.request("GET", url).content
        if not data:
            raise BadResponse(f"the audio of speech {speech.id} is empty", provider=self.name)
        sniffed = sniff_format(data[:64])
        fmt = {"ogg": "opus"}.get(sniffed or "", sniffed) if sniffed in ("wav", "mp3", "ogg") \
            else requested
        metadata = {"speech_id": speech.id, "credits_used": speech.credits_used,
                    "voice_id": speech.voice_id}
        duration = speech.duration if fmt != "wav" else None  # WAV: from its header
        return Audio(data=data, format=fmt, duration=duration, metadata=metadata)

    def _refresh_speech(self, job: Job[Audio]) -> JobUpdate[Audio]:
        speech = self.get_speech(job.id)
        state = speech.state
        raw = dict(speech.raw)
        if state is JobState.SUCCEEDED:
            audio = self.fetch_speech(speech, format=job.context.get("format"))
            return JobUpdate(state, vendor_status=speech.status, progress=1.0, result=audio,
                             raw=raw)
        if state is JobState.FAILED:
            reason = _failure(raw)
            return JobUpdate(state, vendor_status=speech.status, error_code=speech.status,
                             error_message=f"beautyface could not generate speech "
                             f"{speech.id}" + (f": {reason}" if reason else ""), raw=raw)
        return JobUpdate(state, vendor_status=speech.status, raw=raw)

    # -- cloning -----------------------------------------------------------------------

    def clone_voice(
        self,
        samples: AudioInput | Sequence[AudioInput],
        *,
        name: str,
        description: str | None = None,
        cover_image: str | None = None,
        tags: str | Sequence[str] | None = None,
        max_credits: float | None = None,
        on_upload_progress: Callable[[int, int | None], None] | None = None,
        **options: Any,
    ) -> Job[Voice]:
        """Clone a voice from one recording (POST /voice-clone; 1000 credits).

        Args:
            samples: one recording (path, bytes or binary file; a one-item list works):
                MP3, WAV or WebM by content, at most 20 MB (checked without reading the
                file whole); streamed to the vendor.
            name: the voice's title.
            description: at most 500 characters.
            cover_image: an http(s) URL of a cover image.
            tags: a list of tags, or a comma-separated string.
            max_credits: refuse locally if below the clone price (1000).
            on_upload_progress: called with (bytes sent, total) during the upload.

        Returns:
            ``Job[Voice]`` (kind ``"clone"``, id the voiceId), polled every 5 s by finding
            the voice in the account's newest voices until it is COMPLETED (JobFailed if
            FAILED).
        """
        self.reject_unknown(options, "name, description, cover_image, tags, max_credits",
                            call="clone_voice")
        fields = self.clone_fields(samples, name=name, description=description,
                                   cover_image=cover_image, tags=tags)
        self.check_budget(self.estimate("clone_voice"), max_credits)
        body = self._api("POST", "/voice-clone", multipart=fields,
                         on_upload_progress=on_upload_progress)
        if not isinstance(body, Mapping):
            raise BadResponse(f"beautyface answered POST /voice-clone with {str(body)[:80]}",
                              provider=self.name)
        given = body.get("voice")
        # the voice object, or the answer itself when it is not wrapped
        item: Mapping[str, Any] = given if isinstance(given, Mapping) else {
            k: v for k, v in body.items() if k not in ("success", "voiceId")}
        voice_id = body.get("voiceId") or item.get("id")
        if not voice_id:
            raise BadResponse("beautyface answered POST /voice-clone without a voiceId",
                              provider=self.name)
        self._emit("credits_spent", credits=float(CLONE_COST), unit="credits",
                   operation="clone_voice")
        item = {**item, "id": str(voice_id)}
        context = {"created_at": str(item["createdAt"])} if item.get("createdAt") else {}
        return Job(self, "clone", str(voice_id), update=self._clone_update(item),
                   context=context)

    def clone_fields(self, samples: AudioInput | Sequence[AudioInput], *, name: str,
                     description: str | None = None, cover_image: str | None = None,
                     tags: str | Sequence[str] | None = None) -> dict[str, Any]:
        """Validate clone input locally and return the multipart fields; no request."""
        if isinstance(samples, (list, tuple)):
            if len(samples) != 1:
                raise InvalidInput(f"beautyface clones from exactly one recording, got "
                                   f"{len(samples)}", field="samples", limit="one recording")
            samples = samples[0]
        source = AudioSource.from_input(samples, field="samples")  # type: ignore[arg-type]
        source.require_max_size(CLONE_MAX_BYTES, field="samples")
        fmt = source.require_format(CLONE_FORMATS, field="samples")
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput("name must be a non-empty string", field="name",
                               limit="non-empty")
        fields: dict[str, Any] = {
            "voice": (f"{_stem(source.name)}.{fmt}", source, source.content_type),
            "title": name.strip(),
        }
        if description is not None:
            if not isinstance(description, str):
                raise InvalidInput("description must be a string", field="description",
                                   limit="a string")
            if len(description) > MAX_DESCRIPTION_CHARS:
                raise InvalidInput(
                    f"description is {len(description)} characters; the limit is "
                    f"{MAX_DESCRIPTION_CHARS}", field="description",
                    limit=f"at most {MAX_DESCRIPTION_CHARS} characters")
            if description:
                fields["description"] = description
        if cover_image is not None:
            parts = urllib.parse.urlsplit(cover_image) if isinstance(cover_image, str) else None
            if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
                raise InvalidInput(f"cover_image must be an http(s) URL, got {cover_image!r}",
                                   field="cover_image", limit="an http(s) URL")
            fields["coverImage"] = cover_image
        tag_list = _tags(tags)
        if tag_list:
            fields["tags"] = json.dumps(tag_list, ensure_ascii=False)
        return fields

    def _refresh_clone(self, job: Job[Voice]) -> JobUpdate[Voice]:
        voice = self.find_voice(job.id, created_at=job.context.get("created_at"))
        if voice is None:
            raise NotFound(f"voice {job.id} is not among the account's voices (deleted?)",
                           provider=self.name)
        return self._clone_update(dict(voice.raw))

    def _clone_update(self, item: Mapping[str, Any]) -> JobUpdate[Voice]:
        status = _text(item.get("status"))
        raw = dict(item)
        if status is None:  # the clone answer states no status: the voice is processing
            return JobUpdate(JobState.PENDING, raw=raw)
        state = JobState.from_vendor(status)
        if state is JobState.SUCCEEDED:
            voice = attrs.evolve(self._voice(item), kind="cloned")
            return JobUpdate(state, vendor_status=status, progress=1.0, result=voice, raw=raw)
        if state is JobState.FAILED:
            reason = _failure(raw)
            return JobUpdate(state, vendor_status=status, error_code=status,
                             error_message=f"beautyface could not clone voice {item.get('id')}"
                             + (f": {reason}" if reason else ""), raw=raw)
        return JobUpdate(state, vendor_status=status, raw=raw)

    # -- account -----------------------------------------------------------------------

    def balance(self) -> BalanceInfo:
        """Credits left (GET /credits): total, ``breakdown`` regular (monthly, reset at
        ``resets_at``) and permanent (purchased)."""
        body = self._api("GET", "/credits")
        if not isinstance(body, Mapping):
            raise BadResponse(f"beautyface sent no credits: {str(body)[:80]}",
                              provider=self.name)
        breakdown_body = body.get("breakdown")
        breakdown: dict[str, float] = {}
        resets_at = None
        if isinstance(breakdown_body, Mapping):
            for key in ("regular", "permanent"):
                value = _number(breakdown_body.get(key))
                if value is not None:
                    breakdown[key] = value
            resets_at = parse_datetime(breakdown_body.get("resetAt"))
        credits = _number(body.get("credits"))
        if credits is None and len(breakdown) == 2:  # the total is regular + permanent
            credits = breakdown["regular"] + breakdown["permanent"]
        if credits is None:
            raise BadResponse(f"beautyface sent no credits: {str(body)[:80]}",
                              provider=self.name)
        return BalanceInfo(credits=credits, unit="credits", breakdown=breakdown,
                           resets_at=resets_at, raw=dict(body))

    # -- costs -------------------------------------------------------------------------

    def estimate(self, operation: str, **args: Any) -> Cost | None:
        """Exact prices: ``synthesize`` / ``submit_speech`` 1 credit per UTF-8 byte of
        ``text``; ``clone_voice`` 1000 credits. Listing, status and balance are free."""
        if operation in ("synthesize", "submit_speech", "tts"):
            text = args.get("text")
            if not isinstance(text, str):
                return None
            try:
                size = len(text.encode("utf-8"))
            except UnicodeEncodeError:
                return None
            return Cost(credits=float(size), unit="credits", exact=True)
        if operation in ("clone_voice", "clone"):
            return Cost(credits=float(CLONE_COST), unit="credits", exact=True)
        if operation in ("list_voices", "balance", "get_speech", "find_voice"):
            return Cost(credits=0.0, unit="credits", exact=True)
        return None


# -- helpers -----------------------------------------------------------------------------


def _speech(item: Mapping[str, Any], fallback_id: str) -> Speech:
    voice = item.get("voice")
    voice_id = item.get("voiceId") or (voice.get("id") if isinstance(voice, Mapping) else None)
    used = _number(item.get("creditsUsed"))
    return Speech(
        id=str(item.get("id") or fallback_id),
        # no status stated: done if the audio is there, else still processing
        status=str(item.get("status") or ("COMPLETED" if _text(item.get("audioUrl"))
                                          else "PROCESSING")),
        format=_text(item.get("format")),
        text=_text(item.get("text")),
        audio_url=_text(item.get("audioUrl")),
        duration=_number(item.get("duration")),
        credits_used=int(used) if used is not None else None,
        voice_id=str(voice_id) if voice_id else None,
        created_at=parse_datetime(item.get("createdAt")),
        updated_at=parse_datetime(item.get("updatedAt")),
        raw=dict(item),
    )


def _voice_list(body: Any) -> list[Mapping[str, Any]]:
    items = body.get("voices", body.get("data")) if isinstance(body, Mapping) else body
    if items is None and isinstance(body, Mapping) and "voices" in body:
        items = []  # "voices": null on an empty account
    if not isinstance(items, list):
        raise BadResponse(f"beautyface sent an unexpected /voices body: {str(body)[:80]}",
                          provider="beautyface")
    voices = [i for i in items if isinstance(i, Mapping) and _text(i.get("id"))]
    if len(voices) != len(items):
        raise BadResponse("beautyface sent a voice without an id", provider="beautyface")
    return voices


def _older_than(items: Sequence[Mapping[str, Any]], since: dt.datetime) -> bool:
    """Whether a page proves that later pages hold only voices made before ``since``: it
    is sorted newest first (checked, not trusted) and its last voice is older."""
    times = [parse_datetime(i.get("createdAt")) for i in items]
    known = [t for t in times if t is not None]
    if not known or len(known) != len(times) or times[-1] is None:
        return False
    in_order = all(a >= b for a, b in itertools.pairwise(known))
    return in_order and times[-1] < since


def _about_credits(body: Mapping[str, Any], message: str) -> bool:
    """Whether an error body without a known code is about credits (not a rate limit)."""
    if any(key in body for key in ("credits", "needCredits")):
        return True
    return "credit" in message.lower()


def _has_next(body: Any, page: int, count: int, limit: int) -> bool:
    """Whether another page follows: ``hasNext``, else ``totalPages``, else a full page."""
    pagination = body.get("pagination") if isinstance(body, Mapping) else None
    if isinstance(pagination, Mapping):
        if isinstance(pagination.get("hasNext"), bool):
            return bool(pagination["hasNext"])
        pages = _number(pagination.get("totalPages"))
        if pages is not None:
            return page < pages
        total = _number(pagination.get("total"))
        if total is not None:
            return page * limit < total
    return count >= limit


def _languages(item: Mapping[str, Any]) -> tuple[str, ...]:
    for key in ("languages", "language", "locale"):
        value = item.get(key)
        if isinstance(value, str) and value:
            return (value,)
        if isinstance(value, list):
            return tuple(str(v) for v in value if v)
    return ()


def _speaks(voice: Voice, language: str) -> bool:
    """The voice's languages, or else its tags (the API documents no language field)."""
    tags = voice.raw.get("tags")
    if isinstance(tags, str):  # a comma-separated string, as the clone request takes
        tags = tags.split(",")
    tagged = Voice(voice.id, voice.name, voice.provider,
                   languages=tuple(str(t).strip() for t in tags if str(t).strip())
                   if isinstance(tags, list) else ())
    return voice.speaks(language) or tagged.speaks(language)


def _tags(tags: str | Sequence[str] | None) -> list[str]:
    if tags is None:
        return []
    values = tags.split(",") if isinstance(tags, str) else tags
    if not isinstance(values, (list, tuple)) or not all(isinstance(t, str) for t in values):
        raise InvalidInput(f"tags must be a list of strings or a comma-separated string, got "
                           f"{tags!r}", field="tags", limit="strings")
    return [t.strip() for t in values if t.strip()]


def _failure(raw: Mapping[str, Any]) -> str | None:
    for key in ("error", "errorMessage", "failureReason", "reason", "message"):
        value = raw.get(key)
        if isinstance(value, Mapping):
            value = value.get("message")
        if _text(value):
            return _text(value)
    return None


def _stem(name: str) -> str:
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return stem or "voice"


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    return str(value) if isinstance(value, (str, int, float)) and str(value) else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return None


