"""BeautyfaceProvider: the white-label Voice Clone & Text-to-Speech API through voicekit.

Every request carries ``Authorization: Bearer <BEAUTYFACE_API_KEY>`` and goes to the
deployment's own base URL (required: ``BEAUTYFACE_BASE_URL`` or ``base_url=``, e.g.
``https://your-domain.com/api/v1``). Speech is asynchronous: ``POST /tts`` answers with a
``speechId``; voicekit polls ``GET /tts/{speechId}`` (from 0.25 s, backing off to the
vendor's 3 s) and downloads the ``audioUrl`` from the storage host without credentials.
``synthesize()`` does all of that; ``submit_speech()`` returns the Job instead.

Errors come as ``{"code", "error"}``. ``USAGE_LIMIT_EXCEEDED`` (HTTP 429 with ``credits`` and
``needCredits``) means too few credits: it raises InsufficientCredits and is never retried;
``RATE_LIMITED`` (also 429) is retried once ``X-RateLimit-Reset`` (a Unix time) has passed,
after at least 1 s (as the vendor's example client waits).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import attrs
from voicekit_core import kit, validate
from voicekit_core.audio import AudioSource, sniff_format
from voicekit_core.capabilities import Balance, CloneVoice, ListVoices, Synthesize
from voicekit_core.errors import (
    AuthenticationError,
    BadResponse,
    InsufficientCredits,
    InvalidInput,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
)
from voicekit_core.models import Audio, Cost, Voice, parse_datetime
from voicekit_core.models import Balance as BalanceInfo

from . import schema as s
from .plugin import INFO
from .schema import Speech

__all__ = ["CLONE_COST", "CLONE_FORMATS", "CLONE_MAX_BYTES", "DEFAULT_FORMAT", "FORMATS",
           "MAX_DESCRIPTION_CHARS", "MAX_PAGE_LIMIT", "MAX_TEXT_BYTES", "MIN_RATE_WAIT",
           "SORT_KEYS", "SORT_ORDERS", "VOICE_KINDS", "VOICE_STATUSES", "VOICE_TYPES",
           "BeautyfaceProvider", "Speech"]

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
_TYPES_BY_KIND = {kind: vtype for vtype, kind in VOICE_KINDS.items()}
#: The shortest wait after RATE_LIMITED (the documentation's client waits at least 1 s).
MIN_RATE_WAIT = 1.0
#: How long ``synthesize()`` waits for the vendor by default (the job goes on after it).
DEFAULT_WAIT_TIMEOUT = 300.0
_CLONE_LOOKUP_PAGE = 50
#: Slack when comparing a clone's ``createdAt`` with other voices' (precision, skew).
_CLOCK_SLACK = dt.timedelta(seconds=60)

#: Speech: the vendor's example checks every 3 s; voicekit looks first after 0.25 s and
#: backs off by 1.25x to that rhythm, so a job is collected within ~1.25x its own time.
SPEECH = kit.JobKind[Audio]("speech", poll=kit.PollPolicy(
    first_delay=0.25, interval=0.25, backoff=1.25, max_interval=3.0))
#: Cloning has no documented rhythm; a clone takes tens of seconds, and each look is a
#: (narrow) voice listing: the same early start, backing off to every 5 s.
CLONE = kit.JobKind[Voice]("clone", poll=kit.PollPolicy(
    first_delay=0.25, interval=0.25, backoff=1.25, max_interval=5.0))


def _tag_list(value: Any, field: str) -> list[str]:
    values = value.split(",") if isinstance(value, str) else value
    if not isinstance(values, (list, tuple)) or not all(isinstance(t, str) for t in values):
        raise InvalidInput(f"{field} must be a list of strings or a comma-separated string, "
                           f"got {value!r}", field=field, limit="strings")
    return [validate.text(t, field=field).strip() for t in values if t.strip()]


class VoiceFilters(kit.Options):
    """``GET /voices`` filters (the vendor's camelCase names, or snake_case aliases)."""

    type: str | None = kit.opt.choice(VOICE_TYPES, case="upper",
                                      help="USER or SYSTEM (the vendor's word for kind)")
    sortBy: str | None = kit.opt.choice(SORT_KEYS, case="exact", alias="sort_by",
                                        help="sort key (also sort_by)")
    sortOrder: str | None = kit.opt.choice(SORT_ORDERS, alias="sort_order",
                                           help="asc or desc (default desc; also sort_order)")
    page: int | None = kit.opt.integer(1, help="the page to start from (default 1)")
    limit: int | None = kit.opt.integer(1, MAX_PAGE_LIMIT, help="page size (default 100)")


class SpeechOptions(kit.Options):
    """Options of ``submit_speech()``."""

    format: str | None = kit.opt.choice(FORMATS, help="wav (default), mp3, opus or pcm")


class SynthesizeOptions(SpeechOptions):
    """Options of ``synthesize()``: the speech's, plus how to wait for it."""

    wait_timeout: float | None = kit.opt.number(0, help="seconds to wait (default 300)")
    on_update: Any = kit.opt.callback(help="called with the job after each poll")


class CloneOptions(kit.Options):
    """Options of ``clone_voice()``: what Beautyface stores with the voice."""

    description: str | None = kit.opt.text(max_chars=MAX_DESCRIPTION_CHARS, allow_empty=True,
                                           help="at most 500 characters")
    cover_image: str | None = kit.opt.url(help="an http(s) URL of a cover image")
    tags: Any = kit.opt.value(convert=_tag_list, help="a list or a comma-separated string",
                              limit="a list of strings or a comma-separated string")


_TEXT = kit.TextRules(max_bytes=MAX_TEXT_BYTES)
_SAMPLE = kit.AudioRules(formats=CLONE_FORMATS, max_bytes=CLONE_MAX_BYTES)


class BeautyfaceProvider(kit.Provider, ListVoices, Synthesize, CloneVoice, Balance):
    """The Voice Clone & Text-to-Speech API (white-label; beautyface.app/docs).

    Connect with ``voicekit_core.connect("beautyface", base_url=..., api_key=...)`` or the
    ``BEAUTYFACE_BASE_URL`` / ``BEAUTYFACE_API_KEY`` environment variables. There is no
    default host: a missing base URL raises ConfigurationError before anything is sent.
    """

    info = INFO
    #: batches start speeches with submit_speech and poll them together
    submits: ClassVar[Mapping[str, str]] = {"synthesize": "submit_speech"}
    jobs: ClassVar[tuple[kit.JobKind[Any], ...]] = (SPEECH, CLONE)
    errors = kit.ErrorMap(
        message=("error", "message"),
        codes={"INVALID_PARAMETERS": InvalidRequest, "UNAUTHORIZED": AuthenticationError,
               "NOT_FOUND": NotFound, "USAGE_LIMIT_EXCEEDED": InsufficientCredits,
               "RATE_LIMITED": RateLimited, "INTERNAL_ERROR": ServerError},
        hints=[(r"credit", InsufficientCredits, (429,))],  # a 429 about money, without a code
        extra={"credits": "have", "needCredits": "need"},
        failure_flag=("success", False),
        min_retry_after=MIN_RATE_WAIT,  # as the documentation's own client waits
    )

    def auth_headers(self) -> dict[str, str]:
        """The API key as a Bearer token."""
        return {"Authorization": f"Bearer {self.credential('api_key').reveal()}"}

    def voice_id(self, voice: str | int | Voice) -> str:
        """The id of ``voice``; a Voice still PROCESSING (or FAILED) cannot speak yet."""
        if isinstance(voice, Voice):
            status = str(voice.raw.get("status") or "COMPLETED").upper()
            if status in ("PROCESSING", "FAILED"):
                raise InvalidInput(f"voice {voice.id} is {status}; only COMPLETED voices "
                                   "speak (wait for the clone job)", field="voice",
                                   limit="a COMPLETED voice")
        return super().voice_id(voice)

    # -- voices ------------------------------------------------------------------------

    @kit.operation(VoiceFilters, language=kit.TextRules(field="language"))
    def list_voices(self, *, language: str | None = None, kind: str | None = None,
                    status: str | None = "COMPLETED", opts: VoiceFilters, call: kit.Call
                    ) -> Iterator[Voice]:
        """Voices of the account and the system, paged lazily through GET /voices.

        ``language`` matches a voice's language fields, else its tags (the API documents
        no language); ``kind`` is ``"cloned"`` (type USER) or ``"system"``; ``status`` is
        COMPLETED by default (voices that can speak), None for all. Filters: see
        :class:`VoiceFilters`.
        """
        params = self._voice_params(kind, status, opts)
        voices = map(self._voice, itertools.chain.from_iterable(self._voice_pages(params)))
        if language is None:
            return voices
        return (v for v in voices if _speaks(v, language))

    def _voice_params(self, kind: str | None, status: str | None, opts: VoiceFilters
                      ) -> dict[str, Any]:
        params: dict[str, Any] = {"page": opts.page or 1, "limit": opts.limit or MAX_PAGE_LIMIT}
        if status is not None:
            params["status"] = validate.choice(status, VOICE_STATUSES, field="status",
                                               case="upper")
        vtype = opts.type
        if kind is not None:
            wanted = _TYPES_BY_KIND.get(validate.choice(kind, tuple(_TYPES_BY_KIND),
                                                        field="kind"))
            if vtype is not None and vtype != wanted:
                raise InvalidInput(f"kind={kind!r} contradicts type={vtype!r}", field="kind",
                                   limit=f"type {wanted}")
            vtype = wanted
        extra = {"type": vtype, "sortBy": opts.sortBy, "sortOrder": opts.sortOrder}
        return params | {k: v for k, v in extra.items() if v is not None}

    def _voice_pages(self, params: Mapping[str, Any]) -> Iterator[list[Mapping[str, Any]]]:
        """The pages of GET /voices (lists of raw voice objects), fetched one by one; a
        page that repeats one already read (by its voice ids) is BadResponse."""
        limit = int(params["limit"])

        def fetch(page: int) -> kit.Page[list[Mapping[str, Any]]]:
            body = self.http.json("GET", "/voices", params={**params, "page": page})
            items = s.voice_items(body)
            return kit.Page([items] if items else [],
                            next=kit.next_page_number(body, page, len(items), limit))

        return kit.paginate(fetch, start=int(params["page"]), provider=self.name,
                            key=lambda items: tuple(str(i.get("id")) for i in items))

    def _voice(self, item: Mapping[str, Any]) -> Voice:
        voice = s.read(item, s.VoiceItem, "voice")
        kind = VOICE_KINDS.get((voice.type or "").upper()) or (
            "system" if voice.is_public else "cloned")
        return Voice(id=voice.id, name=voice.title or voice.id, provider=self.name, kind=kind,
                     languages=voice.languages_stated or _tag_languages(item),
                     description=voice.description, raw=dict(item))

    def find_voice(self, voice: str | Voice, *, created_at: str | None = None
                   ) -> Voice | None:
        """Look a voice of the account up by id, whatever its status; None if absent.

        The API has no GET for one voice: this lists the account's voices newest first and
        stops at the voice, or after a page (truly sorted) older than ``created_at``."""
        voice_id = self.voice_id(voice)
        since = parse_datetime(created_at)
        params = {"page": 1, "limit": _CLONE_LOOKUP_PAGE, "type": "USER",
                  "sortBy": "createdAt", "sortOrder": "desc"}
        for items in self._voice_pages(params):
            for item in items:
                if str(item.get("id")) == voice_id:
                    return self._voice(item)
            if since is not None and s.older_than(items, since - _CLOCK_SLACK):
                return None
        return None

    # -- speech ------------------------------------------------------------------------

    @kit.operation(SynthesizeOptions, spends=True, text=_TEXT)
    def synthesize(self, text: str, *, voice: str, opts: SynthesizeOptions, call: kit.Call
                   ) -> Audio:
        """Speak ``text`` (at most 5000 UTF-8 bytes, 1 credit each): submit it, poll (from
        0.25 s, backing off to every 3 s) until done (``wait_timeout``, default 300 s;
        JobTimeout carries a reference to resume with), download the audio. Options:
        :class:`SynthesizeOptions`."""
        job = self._submit(text, voice, opts.format, call)
        timeout = DEFAULT_WAIT_TIMEOUT if opts.wait_timeout is None else opts.wait_timeout
        return job.wait(timeout=timeout, on_update=opts.on_update)

    @kit.operation(SpeechOptions, spends=True, text=_TEXT)
    def submit_speech(self, text: str, *, voice: str, opts: SpeechOptions, call: kit.Call
                      ) -> kit.Job[Audio]:
        """Start a speech (POST /tts) and return its ``Job[Audio]`` without waiting: start
        many, then ``wait()`` for each (the vendor works on them in parallel)."""
        return self._submit(text, voice, opts.format, call)

    def _submit(self, text: str, voice: str, format: str | None, call: kit.Call
                ) -> kit.Job[Audio]:
        fmt = format or DEFAULT_FORMAT
        body = self.http.json("POST", "/tts", json={"text": text, "voiceId": voice, "format": fmt})
        answer = s.read(body, s.SpeechAnswer, "POST /tts answer")
        speech = s.read(body if answer.speech is None else answer.speech, Speech, "speech")
        speech_id = answer.speech_id or speech.id
        if not speech_id:
            raise BadResponse("beautyface answered POST /tts without a speechId",
                              provider=self.name)
        used = speech.credits_used if answer.credits_used is None else answer.credits_used
        call.spent(used if used is not None else float(len(text.encode("utf-8"))))
        status = speech.status or "PROCESSING"
        # even an answer that says COMPLETED is looked at again: GET gives the audioUrl
        update = SPEECH.update(status, raw=body)
        if update.state.done:
            update = attrs.evolve(update, state=kit.JobState.RUNNING)
        return SPEECH.start(self, speech_id, update, context={"format": fmt})

    def check_text(self, text: str) -> bytes:
        """Validate ``text`` locally (non-empty, at most 5000 UTF-8 bytes); its bytes."""
        return _TEXT.check(text).encode("utf-8")

    def get_speech(self, speech_id: str) -> Speech:
        """The status and details of a speech (GET /tts/{speechId}); NotFound if unknown."""
        ident = kit.segment(speech_id, field="speech_id", strip=True)
        body = self.http.json("GET", f"/tts/{ident}")
        answer = s.read(body, s.SpeechAnswer, f"GET /tts/{ident} answer")
        item = body if answer.speech is None else answer.speech
        if answer.speech is None and not {"status", "audioUrl"} & set(body):
            raise BadResponse(f"beautyface sent no speech for {speech_id}: {str(body)[:80]}",
                              provider=self.name)
        speech = s.read(item, Speech, "speech")
        voice_id = speech.voice_id or (speech.voice.id if speech.voice else None)
        # no status stated: done if the audio is there, else still processing
        status = speech.status or ("COMPLETED" if speech.audio_url else "PROCESSING")
        return attrs.evolve(speech, id=speech.id or str(speech_id).strip(), status=status,
                            voice_id=voice_id, raw=dict(item))

    def fetch_speech(self, speech: Speech | str, *, format: str | None = None) -> Audio:
        """Download a COMPLETED speech's audio (from the storage host, no credentials).

        ``speech``: a :class:`Speech` or a speech id (looked up with :meth:`get_speech`).
        Only a link on the API host itself that refuses an anonymous request (401/403)
        is asked again with the API key."""
        if format is not None and format not in FORMATS:
            raise InvalidInput(f"format must be one of {', '.join(FORMATS)}, got "
                               f"{validate.show(format)}", field="format",
                               limit=", ".join(FORMATS), provider=self.name)
        if isinstance(speech, str):
            speech = self.get_speech(speech)
        elif not isinstance(speech, Speech):
            raise InvalidInput(f"speech must be a Speech or a speech id, not "
                               f"{type(speech).__name__}", field="speech",
                               limit="a Speech or a speech id", provider=self.name)
        if not speech.audio_url:
            raise BadResponse(f"speech {speech.id} is {speech.status} but has no audioUrl",
                              provider=self.name)
        try:
            url = urllib.parse.urljoin(self.http.base_url + "/", speech.audio_url)
            own = self.http.is_own_origin(url)
        except ValueError:
            raise BadResponse(f"beautyface sent a malformed audioUrl for speech {speech.id}",
                              provider=self.name) from None
        try:  # a storage link: never with the API key
            response = self.http.request("GET", url, authenticated=False)
        except (AuthenticationError, PermissionDenied):
            if not own:
                raise
            # the deployment serves its audio from the API host, behind the API key
            response = self.http.request("GET", url)
        requested = format or speech.format or DEFAULT_FORMAT
        audio = kit.read_audio(response, default=requested, provider=self.name)
        sniffed = sniff_format(audio.head())
        fmt = {"ogg": "opus"}.get(sniffed or "", sniffed) if sniffed in ("wav", "mp3", "ogg") \
            else requested
        metadata = {"speech_id": speech.id, "credits_used": speech.credits_used,
                    "voice_id": speech.voice_id}
        # WAV: rate, channels and duration from its header; the rest as the vendor says
        wav = fmt == "wav"
        return attrs.evolve(audio, format=fmt, metadata=metadata,
                            duration=audio.duration if wav else speech.duration,
                            sample_rate=audio.sample_rate if wav else None,
                            channels=audio.channels if wav else None)

    @SPEECH.refresh
    def _refresh_speech(self, job: kit.Job[Audio]) -> kit.JobUpdate[Audio]:
        speech = self.get_speech(job.id)
        reason = speech.failure
        return SPEECH.update(
            speech.status, raw=speech.raw,
            result=lambda: self.fetch_speech(speech, format=job.context.get("format")),
            error=(speech.status, f"beautyface could not generate speech {speech.id}"
                   + (f": {reason}" if reason else "")))

    # -- cloning -----------------------------------------------------------------------

    @kit.operation(CloneOptions, spends=True, samples=_SAMPLE, name=kit.TextRules(field="name"))
    def clone_voice(self, samples: AudioSource, *, name: str, opts: CloneOptions,
                    call: kit.Call) -> kit.Job[Voice]:
        """Clone a voice from one recording (MP3, WAV or WebM by content, at most 20 MB,
        streamed) for 1000 credits. The ``Job[Voice]`` (id the voiceId) is polled (backing
        off to every 5 s) by finding the voice among the account's newest. Options:
        :class:`CloneOptions`."""
        fields = self._clone_fields(samples, name, opts)
        body = self.http.json("POST", "/voice-clone", multipart=fields,
                              on_upload_progress=call.on_upload_progress)
        answer = s.read(body, s.CloneAnswer, "POST /voice-clone answer")
        item = dict(answer.voice) if answer.voice is not None else {
            k: v for k, v in body.items() if k not in ("success", "voiceId")}
        voice_id = answer.voice_id or s.read(item, s.CloneAnswer, "voice").id
        if not voice_id:
            raise BadResponse("beautyface answered POST /voice-clone without a voiceId",
                              provider=self.name)
        call.spent(float(CLONE_COST))
        item["id"] = voice_id
        created = item.get("createdAt") if isinstance(item.get("createdAt"), str) else None
        return CLONE.start(self, voice_id, self._clone_update(item),
                           context={"created_at": created} if created else None)

    def clone_fields(self, samples: Any, *, name: str, **options: Any) -> dict[str, Any]:
        """Validate clone input locally and return the multipart fields; no request."""
        opts = CloneOptions.parse(options, call="clone_fields", provider=self.name)
        source = _SAMPLE.check(samples, "samples")
        assert isinstance(source, AudioSource)
        return self._clone_fields(source, kit.TextRules(field="name").check(name), opts)

    @staticmethod
    def _clone_fields(source: AudioSource, name: str, opts: CloneOptions) -> dict[str, Any]:
        fmt = source.require_format(CLONE_FORMATS, field="samples")
        stem = source.name.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "voice"
        fields: dict[str, Any] = {"voice": (f"{stem}.{fmt}", source, source.content_type),
                                  "title": name.strip()}
        if opts.description:
            fields["description"] = opts.description
        if opts.cover_image is not None:
            fields["coverImage"] = opts.cover_image
        if opts.tags:
            fields["tags"] = json.dumps(opts.tags, ensure_ascii=False)
        return fields

    @CLONE.refresh
    def _refresh_clone(self, job: kit.Job[Voice]) -> kit.JobUpdate[Voice]:
        voice = self.find_voice(job.id, created_at=job.context.get("created_at"))
        if voice is None:
            raise NotFound(f"voice {job.id} is not among the account's voices (deleted?)",
                           provider=self.name)
        return self._clone_update(dict(voice.raw))

    def _clone_update(self, item: Mapping[str, Any]) -> kit.JobUpdate[Voice]:
        voice = s.read(item, s.VoiceItem, "voice")
        status = voice.status
        if status is None:  # the clone answer states no status: the voice is processing
            return kit.JobUpdate(kit.JobState.PENDING, raw=dict(item))
        reason = voice.failure
        return CLONE.update(
            status, raw=item, result=lambda: attrs.evolve(self._voice(item), kind="cloned"),
            error=(status, f"beautyface could not clone voice {item.get('id')}"
                   + (f": {reason}" if reason else "")))

    # -- account -----------------------------------------------------------------------

    def balance(self) -> BalanceInfo:
        """Credits left (GET /credits): total, ``breakdown`` regular (monthly, reset at
        ``resets_at``) and permanent (purchased)."""
        body = self.http.json("GET", "/credits")
        credits = s.read(body, s.Credits, "GET /credits answer")
        parts = credits.breakdown or s.Breakdown()
        if credits.total is None:
            raise BadResponse(f"beautyface sent no credits: {str(body)[:80]}",
                              provider=self.name)
        breakdown = {k: v for k in ("regular", "permanent")
                     if (v := getattr(parts, k)) is not None}
        return BalanceInfo(credits=credits.total, unit="credits", breakdown=breakdown,
                           resets_at=parts.reset_at, raw=dict(body))

    # -- costs -------------------------------------------------------------------------

    def estimate(self, operation: str, **args: Any) -> Cost | None:
        """Exact prices: ``synthesize`` / ``submit_speech`` 1 credit per UTF-8 byte of
        ``text``; ``clone_voice`` 1000 credits. Listing, status and balance are free."""
        text = args.get("text")
        if operation in ("synthesize", "submit_speech", "tts"):
            size = len(text.encode("utf-8", "replace")) if isinstance(text, str) else None
            return None if size is None else Cost(float(size), "credits", exact=True)
        prices = {"clone_voice": CLONE_COST, "clone": CLONE_COST, "list_voices": 0,
                  "balance": 0, "get_speech": 0, "find_voice": 0}
        price = prices.get(operation)
        return None if price is None else Cost(float(price), "credits", exact=True)


def _tag_languages(raw: Any) -> tuple[str, ...]:
    """Tags that are language codes (``["male", "de"]`` -> ``("de",)``): the API has no
    language field, so the tags are what a listing can show."""
    found = s.tags(raw) if isinstance(raw, dict) else ()
    return tuple(t for t in found if kit.language_name(t.split("-")[0].lower()))


def _speaks(voice: Voice, language: str) -> bool:
    """The voice's languages, or else its tags (the API documents no language field)."""
    tagged = Voice(voice.id, voice.name, voice.provider, languages=s.tags(voice.raw))
    return voice.speaks(language) or tagged.speaks(language)
