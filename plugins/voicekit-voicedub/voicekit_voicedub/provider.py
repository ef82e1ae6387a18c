"""VoiceDubProvider: dubs, voice training, the public voice catalogue and API credits.

A dub is VoiceDub's longest flow: create -> upload the file to a presigned URL (or pass a
link) -> preprocess -> learn the price (``requiredCredits``) -> generate -> poll -> download.
:meth:`VoiceDubProvider.dub` does the first three steps and returns a ``Job[DubResult]``
whose refreshes drive the rest from the vendor's status, so a job resumed from its
reference in another process finishes the same way.
"""

from __future__ import annotations

import enum
import math
import os
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from voicekit_core.audio import AudioInput, AudioSource
from voicekit_core.capabilities import Balance, CloneVoice, Dub, ListVoices
from voicekit_core.errors import (
    BadResponse,
    CreditLimitExceeded,
    InsufficientCredits,
    InvalidInput,
    InvalidRequest,
    NotFound,
)
from voicekit_core.http import ErrorDetails, HttpResponse, default_error_details
from voicekit_core.jobs import Job, JobState, JobUpdate, PollPolicy
from voicekit_core.models import Balance as BalanceInfo
from voicekit_core.models import Cost, DubResult, Voice
from voicekit_core.provider import Provider

if TYPE_CHECKING:
    pass

from . import schema
from .plugin import INFO
from .schema import DubPrivate, DubStatus, Genre, Language, Style, VoicePrivate, VoiceStatus

__all__ = ["CREDITS_PER_MINUTE", "OutOfOrder", "VoiceDubProvider"]

#: VoiceDub's price: 10 credits per minute of dub input, 10 per ``maxMinutes`` of training.
CREDITS_PER_MINUTE = 10
MAX_DUB_SECONDS = 30 * 60
MAX_SAMPLES = 5
NAME_LENGTH = (1, 50)
MAX_MINUTES_RANGE = (5, 60)
PITCH_RANGE = (-24, 24)
PAGE_LIMIT_RANGE = (8, 50)
SEARCH_LENGTH = (1, 50)

#: voicekit language codes <-> VoiceDub's catalogue language names
LANGUAGE_CODES = {"english": "en", "spanish": "es", "korean": "ko", "japanese": "ja",
                  "french": "fr", "russian": "ru", "thai": "th"}
_LANGUAGE_NAMES = {code: name for name, code in LANGUAGE_CODES.items()}

_DUB_PROGRESS: dict[str, float | None] = {
    DubStatus.NEW: 0.0, DubStatus.PREPROCESSING: 0.1, DubStatus.PREPROCESSED: 0.2,
    DubStatus.QUEUED: 0.3, DubStatus.STARTING: 0.4, DubStatus.PROCESSING: 0.6,
    DubStatus.FINALIZING: 0.9, DubStatus.DONE: 1.0, DubStatus.ERROR: None,
}
_VOICE_PROGRESS: dict[str, float | None] = {
    VoiceStatus.NEW: 0.0, VoiceStatus.QUEUED: 0.1, VoiceStatus.STARTING: 0.2,
    VoiceStatus.PROCESSING: 0.5, VoiceStatus.FINALIZING: 0.9, VoiceStatus.DONE: 1.0,
    VoiceStatus.ERROR: None,
}
_PENDING = {"new", "queued"}
#: the flow's stage kept in a job's context (and so in its reference); the vendor's status
#: stays the authority when a job resumes
_STAGES = {"new": "created", "preprocessing": "preprocessing", "preprocessed": "preprocessed",
           "queued": "generating", "starting": "generating", "processing": "generating",
           "finalizing": "generating", "done": "done"}

#: codes of "not enough credits" (the guides' code, and the spec's schema name spelled out)
_CREDIT_CODES = frozenset({"not_enough_credits", "insufficient_credits"})

_OUT_OF_ORDER = {
    "dub_is_not_new": "the dub is no longer 'new': preprocessing is started once, right "
                      "after the dub is created (and its file uploaded)",
    "dub_is_not_in_preprocessed_state": "the dub is not 'preprocessed': generate only "
                                        "after preprocessing has finished (get_dub() shows "
                                        "status 'preprocessed' and requiredCredits)",
    "voice_is_not_new": "the voice is no longer 'new': training is started once, after "
                        "its files are uploaded",
}


class OutOfOrder(InvalidRequest):
    """A dub or voice step was called in a state that does not allow it
    (VoiceDub's ``dub_is_not_new``, ``dub_is_not_in_preprocessed_state``,
    ``voice_is_not_new``). ``code`` holds the vendor's code."""


class VoiceDubProvider(Provider, ListVoices, CloneVoice, Dub, Balance):
    """VoiceDub (https://voicedub.ai).

    Extra ``connect()`` option:
        upload_content_type: a Content-Type header for uploads to presigned URLs (default:
            none, as VoiceDub's presigned URLs are signed without one).

    Voice kinds: ``"public"`` (the catalogue) and ``"cloned"`` (voices the account
    trained; VoiceDub has no endpoint listing them, so ``list_voices(kind="cloned",
    ids=[...])`` fetches the ones named).
    """

    info = INFO
    #: dubUrl links are signed: they get no credentials, whatever host they name
    authenticated_downloads = False
    # "You should poll this a maximum of once every 3 seconds" (GET dub / GET voice)
    poll_policies: ClassVar[dict[str, PollPolicy]] = {
        "dub": PollPolicy(interval=3.0), "clone": PollPolicy(interval=3.0),
    }

    def __init__(self, *, upload_content_type: str | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.upload_content_type = upload_content_type

    # -- transport ------------------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Api-Key {self.credential('api_key').reveal()}"}

    def parse_error(self, response: HttpResponse) -> ErrorDetails:
        try:
            body = response.json()
        except BadResponse:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            body = {**body, **body["error"]}  # {error: {code, message}}
        if not isinstance(body, dict) or not isinstance(body.get("code"), str):
            details = default_error_details(response)
            if response.status == 403:  # the spec's 403 is "Insufficient credits"
                return ErrorDetails(f"not enough VoiceDub API credits: {details.message}",
                                    code=details.code, error=InsufficientCredits)
            return details
        code: str = body["code"]
        message = str(body.get("message") or code)
        if code in _CREDIT_CODES or response.status == 403:
            # the spec's only 403 is "Insufficient credits" (InsufficientCreditsError),
            # whatever code a server puts in it
            return ErrorDetails(f"not enough VoiceDub API credits: {message}", code=code,
                                error=InsufficientCredits)
        if code in ("not_found", "voice_not_found"):
            return ErrorDetails(message, code=code, error=NotFound)
        if code in _OUT_OF_ORDER:
            return ErrorDetails(f"{_OUT_OF_ORDER[code]} (VoiceDub: {message})", code=code,
                                error=OutOfOrder)
        return ErrorDetails(message, code=code)

    def _upload(self, url: str, source: AudioSource,
                on_progress: Callable[[int, int | None], None] | None) -> None:
        """PUT a sample to its presigned URL (no credentials, whatever host it names)."""
        absolute = urllib.parse.urljoin(self.http.base_url + "/", url)
        self.http.upload(absolute, source, content_type=self.upload_content_type,
                         on_progress=on_progress).close()

    def _call(self, method: str, path: str, model: type[schema.T], **kwargs: Any
              ) -> tuple[schema.T, dict[str, Any]]:
        body = self.http.json(method, path, **kwargs)
        return schema.structure(body, model, what=f"{method} {path} answer"), body

    # -- ListVoices -------------------------------------------------------------------

    def list_voices(
        self,
        *,
        language: str | None = None,
        kind: str | None = None,
        search: str | None = None,
        genres: str | Iterable[str] | None = None,
        languages: str | Iterable[str] | None = None,
        styles: str | Iterable[str] | None = None,
        limit: int | None = None,
        ids: Sequence[str] | None = None,
        **filters: Any,
    ) -> Iterator[Voice]:
        """Voices of the public catalogue (kind ``"public"``), lazily page by page, and the
        account's trained voices named by ``ids`` (kind ``"cloned"``).

        Args:
            language: a language code (``"en"``, ``"en-US"``) or VoiceDub name
                (``"english"``); same as ``languages=[...]`` with one value.
            kind: ``"public"``, ``"cloned"`` or None (both; cloned only when ``ids``).
            search: catalogue name search, 1-50 characters.
            genres / languages / styles: catalogue filters (values OR'd within a filter,
                filters AND'd); see :meth:`catalogue_filters`.
            limit: page size, 8-50 (the vendor's default is 50).
            ids: ids of trained voices to fetch (VoiceDub cannot list them).
        """
        self.reject_unknown(filters, "search, genres, languages, styles, limit, ids",
                            call="list_voices", what="filter")
        if kind not in (None, "public", "cloned"):
            raise InvalidInput(f"kind must be 'public' or 'cloned', got {kind!r}",
                               field="kind", limit="public, cloned")
        if kind == "cloned" and not ids:
            raise InvalidInput(
                "VoiceDub has no endpoint that lists an account's trained voices; pass "
                "ids=[...] (e.g. from clone_voice() results) or use get_voice(id)",
                field="ids", limit="ids of trained voices")
        params = self._catalogue_params(language=language, search=search, genres=genres,
                                        languages=languages, styles=styles, limit=limit)
        own = [self.voice_id(v) for v in ids or ()]
        return self._iter_voices(params if kind in (None, "public") else None, own,
                                 language=language)

    def _iter_voices(self, params: list[tuple[str, Any]] | None, own: list[str], *,
                     language: str | None) -> Iterator[Voice]:
        if params is not None:
            cursor: str | None = None
            while True:
                page_params = params + ([("cursor", cursor)] if cursor else [])
                raw = self.http.json("GET", "/v1/voices", params=page_params)
                if isinstance(raw, list):  # a bare list: one page, no cursor
                    raw = {"voices": raw, "nextCursor": None}
                page = schema.structure(raw, schema.GetPublicVoicesResponse,
                                        what="GET /v1/voices answer")
                for item, item_raw in zip(page.voices, raw["voices"], strict=True):
                    yield self._public_voice(item, item_raw)
                if not page.next_cursor or not page.voices or page.next_cursor == cursor:
                    break
                cursor = page.next_cursor
        for voice_id in own:
            voice, raw = self._get_voice(voice_id)
            yield self._cloned_voice(voice, raw)

    def _catalogue_params(self, *, language: str | None, search: str | None,
                          genres: Any, languages: Any, styles: Any, limit: int | None
                          ) -> list[tuple[str, Any]]:
        params: list[tuple[str, Any]] = []
        if search is not None:
            if not isinstance(search, str) or not (
                    SEARCH_LENGTH[0] <= len(search) <= SEARCH_LENGTH[1]):
                raise InvalidInput(
                    f"search must be 1-50 characters, got {search!r}", field="search",
                    limit="1-50 characters")
            params.append(("search", search))
        wanted_languages = _vocabulary(languages, "languages", Language, _LANGUAGE_NAMES)
        if language is not None:
            if languages is not None:
                raise InvalidInput("pass language= or languages=, not both",
                                   field="language", limit="one of language, languages")
            wanted_languages = _vocabulary(language, "language", Language, _LANGUAGE_NAMES)
        params += [("genres", g) for g in _vocabulary(genres, "genres", Genre, {})]
        params += [("languages", lang) for lang in wanted_languages]
        params += [("styles", s) for s in _vocabulary(styles, "styles", Style, {})]
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int) or not (
                    PAGE_LIMIT_RANGE[0] <= limit <= PAGE_LIMIT_RANGE[1]):
                raise InvalidInput(f"limit must be an integer from 8 to 50, got {limit!r}",
                                   field="limit", limit="8-50")
            params.append(("limit", limit))
        return params

    def _public_voice(self, item: schema.VoicePublic, raw: dict[str, Any]) -> Voice:
        languages = tuple(LANGUAGE_CODES[lang.value] for lang in item.languages)
        styles = ", ".join(s.value for s in item.styles)
        genres = ", ".join(g.value for g in item.genres)
        description = "; ".join(p for p in (styles, genres) if p) or None
        return Voice(id=item.id, name=item.name, provider=self.name, kind="public",
                     languages=languages, description=description, raw=raw)

    def _cloned_voice(self, voice: VoicePrivate, raw: dict[str, Any]) -> Voice:
        return Voice(id=voice.id, name=voice.name, provider=self.name, kind="cloned",
                     description=f"trained voice ({_text(voice.status)})", raw=raw)

    @staticmethod
    def catalogue_filters() -> dict[str, tuple[str, ...]]:
        """The values the catalogue filters accept (from VoiceDub's spec)."""
        return {"genres": tuple(g.value for g in Genre),
                "languages": tuple(lang.value for lang in Language),
                "styles": tuple(s.value for s in Style)}

    # -- Balance ---------------------------------------------------------------------

    def balance(self) -> BalanceInfo:
        """The account's API credits (GET /v1/me)."""
        me, raw = self._call("GET", "/v1/me", schema.GetMeResponse)
        return BalanceInfo(credits=me.user.api_credits, unit="credits", raw=raw)

    # -- costs -----------------------------------------------------------------------

    def estimate(self, operation: str, **args: Any) -> Cost | None:
        """What a dub or a voice training costs.

        ``estimate("dub", dub_id=...)``: the vendor's ``requiredCredits`` once the dub is
        preprocessed (exact). ``estimate("dub", source=...)`` or ``seconds=``: 10 credits
        per minute of input, from the duration read locally (an estimate; None when the
        duration cannot be read, e.g. for a link). ``estimate("clone_voice",
        max_minutes=10)``: 10 credits per maxMinute (exact).
        """
        if operation == "dub":
            dub_id = args.get("dub_id")
            if dub_id is not None:
                dub = self.get_dub(dub_id)
                if dub.required_credits is not None:
                    return Cost(credits=float(dub.required_credits))
                seconds = None if dub.input_duration is None else dub.input_duration / 1000
            elif args.get("seconds") is not None:
                seconds = float(args["seconds"])
            elif args.get("source") is not None:
                source = AudioSource.from_input(args["source"], field="source",
                                                allow_url=True)
                seconds = source.require_duration(field="source")
            else:
                seconds = None
            if seconds is None:
                return None
            return Cost(credits=CREDITS_PER_MINUTE * seconds / 60, exact=False)
        if operation in ("clone_voice", "clone"):
            minutes = _max_minutes(args.get("max_minutes", 10))
            return Cost(credits=float(CREDITS_PER_MINUTE * minutes))
        return None

    # -- Dub -------------------------------------------------------------------------

    def dub(
        self,
        source: AudioInput,
        *,
        voice: str | Voice,
        pitch_shift: int = 0,
        separate: bool = True,
        max_credits: float | None = None,
        on_upload_progress: Callable[[int, int | None], None] | None = None,
        **options: Any,
    ) -> Job[DubResult]:
        """Dub ``source`` (a local file, bytes, a binary file, or a link) with ``voice``.

        Creates the dub, uploads a local source to its presigned URL (streamed, without
        credentials) and starts preprocessing. The returned job's ``wait()`` then checks
        the vendor's ``requiredCredits`` against ``max_credits`` (raising
        CreditLimitExceeded before generating: nothing is charged), generates, and polls
        until the dub is done.

        Args:
            pitch_shift: semitones, -24..24.
            separate: separate the vocals from the backing track first.
            max_credits: the most this dub may spend; checked before any request when the
                input's duration can be read locally, and against the vendor's price before
                generation.
        """
        self.reject_unknown(options, "pitch_shift, separate, max_credits, "
                            "on_upload_progress", call="dub")
        voice_id = self.voice_id(voice)
        pitch = _pitch_shift(pitch_shift)
        if not isinstance(separate, bool):
            raise InvalidInput(f"separate must be True or False, got {separate!r}",
                               field="separate", limit="a boolean")
        budget = _max_credits(max_credits)
        src = AudioSource.from_input(source, field="source", allow_url=True)
        if not src.is_url:
            _not_empty(src, "source")
            seconds = src.require_duration(maximum=MAX_DUB_SECONDS, field="source")
            if seconds is not None:
                self.check_budget(self.estimate("dub", seconds=seconds), budget)
        request = schema.CreateDubRequest(voice_id=voice_id, link=src.url, pitch_shift=pitch,
                                          separate=separate)
        created, _ = self._call("POST", "/v1/me/dubs", schema.CreateDubResponse,
                                json=schema.unstructure(request))
        if not src.is_url:
            if not created.upload_url:
                raise BadResponse(f"voicedub created dub {created.dub.id} without an upload "
                                  "URL", provider=self.name)
            self._upload(created.upload_url, src, on_upload_progress)
        context = {} if budget is None else {"max_credits": f"{budget:g}"}
        # a server that starts preprocessing by itself answers dub_is_not_new: carry on
        dub, raw = self._dub_step(created.dub.id, "preprocess", tolerate="dub_is_not_new")
        return Job(self, "dub", dub.id, update=self._dub_update(dub, raw, context),
                   context=context)

    def _refresh_dub(self, job: Job[DubResult]) -> JobUpdate[DubResult]:
        dub, raw = self._get_dub(job.id)
        if dub.status is DubStatus.NEW:
            # created (and uploaded) but preprocessing never started: start it now
            dub, raw = self._dub_step(job.id, "preprocess", tolerate="dub_is_not_new")
        if dub.status is DubStatus.PREPROCESSED:
            self._check_dub_budget(dub, job.context.get("max_credits"))
            dub, raw = self._dub_step(job.id, "generate",
                                      tolerate="dub_is_not_in_preprocessed_state")
        return self._dub_update(dub, raw, job.context)

    def _dub_step(self, dub_id: str, step: str, *, tolerate: str | None = None
                  ) -> tuple[DubPrivate, dict[str, Any]]:
        try:
            envelope, raw = self._call("POST", f"/v1/me/dubs/{_segment(dub_id)}/{step}",
                                       schema.DubEnvelope)
        except OutOfOrder as exc:
            if exc.code != tolerate:
                raise
            return self._get_dub(dub_id)  # another caller got there first: carry on
        if step == "generate":
            # apiCreditsUsed, or the price when a server reports the charge only later
            spent = envelope.dub.api_credits_used or envelope.dub.required_credits or 0
            self._emit("credits_spent", credits=spent, operation="dub")
        return envelope.dub, raw["dub"]

    def _check_dub_budget(self, dub: DubPrivate, max_credits: str | None) -> None:
        if max_credits is None:
            return
        limit = float(max_credits)
        if dub.required_credits is not None:
            need = float(dub.required_credits)
        elif dub.input_duration is not None:
            # no requiredCredits although preprocessed: the documented price, 10 credits
            # per (started) minute of input, so the guard is never skipped
            need = float(math.ceil(CREDITS_PER_MINUTE * dub.input_duration / 60_000))
        else:
            raise CreditLimitExceeded(
                f"dub {dub.id} is preprocessed but VoiceDub reports neither its "
                f"requiredCredits nor its inputDuration, so max_credits={limit:g} cannot be "
                f"checked; generate was not sent and nothing was charged",
                max_credits=limit, need=math.inf, provider=self.name)
        if need > limit:
            raise CreditLimitExceeded(
                f"dub {dub.id} needs {need:g} credits (VoiceDub's requiredCredits after "
                f"preprocessing), over max_credits={limit:g}; generate was not sent and "
                f"nothing was charged. The dub waits as 'preprocessed': finish it with "
                f"`voicekit jobs wait voicedub:dub:{dub.id}` or "
                f"connect('voicedub').job('voicedub:dub:{dub.id}').wait()",
                max_credits=limit, need=need, provider=self.name)

    def _dub_update(self, dub: DubPrivate, raw: dict[str, Any], context: dict[str, str]
                    ) -> JobUpdate[DubResult]:
        status = dub.status
        vendor_status = _text(status)
        context = {**context, "stage": _STAGES.get(vendor_status, context.get("stage", ""))}
        if status is DubStatus.DONE:
            if not dub.dub_url:
                raise BadResponse(f"voicedub reports dub {dub.id} done without a dubUrl",
                                  provider=self.name)
            duration = None if dub.input_duration is None else dub.input_duration / 1000
            result = DubResult(url=dub.dub_url, duration=duration, raw=raw,
                               fetch=self.download)
            return JobUpdate(JobState.SUCCEEDED, vendor_status=vendor_status, progress=1.0,
                             result=result, raw=raw, context=context)
        if status is DubStatus.ERROR:
            return JobUpdate(JobState.FAILED, vendor_status=vendor_status,
                             error_code=dub.error_code,
                             error_message=dub.error_message or f"dub {dub.id} failed at "
                             "VoiceDub", raw=raw, context=context)
        # a status the spec does not list counts as still running (wait() bounds it)
        state = JobState.PENDING if vendor_status in _PENDING else JobState.RUNNING
        return JobUpdate(state, vendor_status=vendor_status,
                         progress=_DUB_PROGRESS.get(status), raw=raw, context=context)

    # -- CloneVoice ------------------------------------------------------------------

    def clone_voice(
        self,
        samples: AudioInput | Sequence[AudioInput],
        *,
        name: str,
        description: str | None = None,
        max_minutes: int = 10,
        separate: bool = True,
        max_credits: float | None = None,
        on_upload_progress: Callable[[int, int | None], None] | None = None,
        **options: Any,
    ) -> Job[Voice]:
        """Train a voice from 1-5 recordings (paths, bytes or binary files).

        Creates the voice (``numberOfFiles`` = number of samples, ``maxMinutes``), uploads
        each sample to its presigned URL and starts training, which costs 10 credits per
        maxMinute. The job's ``wait()`` gives the trained :class:`Voice` (kind
        ``"cloned"``).

        Args:
            max_minutes: most minutes of training audio used, 5..60 (vendor default 10).
            separate: separate the vocals from any backing track first.
            max_credits: the most the training may spend (checked before any request).
        """
        self.reject_unknown(options, "max_minutes, separate, max_credits", call="clone_voice")
        if description:
            raise InvalidInput("VoiceDub voices have no description; leave it out",
                               field="description", limit="none")
        voice_name = _name(name)
        minutes = _max_minutes(max_minutes)
        if not isinstance(separate, bool):
            raise InvalidInput(f"separate must be True or False, got {separate!r}",
                               field="separate", limit="a boolean")
        budget = _max_credits(max_credits)
        sources = _samples(samples)
        self.check_budget(self.estimate("clone_voice", max_minutes=minutes), budget)
        request = schema.CreateVoiceRequest(name=voice_name, number_of_files=len(sources),
                                            max_minutes=minutes, separate=separate)
        created, _ = self._call("POST", "/v1/me/voices", schema.CreateVoiceResponse,
                                json=schema.unstructure(request))
        if len(created.upload_urls) != len(sources):
            raise BadResponse(f"voicedub gave {len(created.upload_urls)} upload URLs for "
                              f"{len(sources)} files", provider=self.name)
        context = {} if budget is None else {"max_credits": f"{budget:g}"}
        self._check_voice_budget(created.voice, context.get("max_credits"))
        for url, src in zip(created.upload_urls, sources, strict=True):
            self._upload(url, src, on_upload_progress)
        voice, raw = self._train(created.voice.id)
        return Job(self, "clone", voice.id, update=self._voice_update(voice, raw, context),
                   context=context)

    def _refresh_clone(self, job: Job[Voice]) -> JobUpdate[Voice]:
        voice, raw = self._get_voice(job.id)
        if voice.status is VoiceStatus.NEW:
            self._check_voice_budget(voice, job.context.get("max_credits"))
            voice, raw = self._train(job.id, tolerate=True)
        return self._voice_update(voice, raw, job.context)

    def _train(self, voice_id: str, *, tolerate: bool = False
               ) -> tuple[VoicePrivate, dict[str, Any]]:
        try:
            envelope, raw = self._call("POST", f"/v1/me/voices/{_segment(voice_id)}/clone",
                                       schema.VoiceEnvelope)
        except OutOfOrder as exc:
            if not tolerate or exc.code != "voice_is_not_new":
                raise
            return self._get_voice(voice_id)
        spent = envelope.voice.api_credits_used or envelope.voice.required_credits or 0
        self._emit("credits_spent", credits=spent, operation="clone_voice")
        return envelope.voice, raw["voice"]

    def _check_voice_budget(self, voice: VoicePrivate, max_credits: str | None) -> None:
        if max_credits is None:
            return
        # without requiredCredits (null in VoicePrivate): the documented 10 per maxMinute
        price = voice.required_credits
        if price is None:
            price = CREDITS_PER_MINUTE * voice.max_minutes
        limit, need = float(max_credits), float(price)
        if need > limit:
            raise CreditLimitExceeded(
                f"training voice {voice.id} needs {need:g} credits, over max_credits="
                f"{limit:g}; training was not started and nothing was charged",
                max_credits=limit, need=need, provider=self.name)

    def _voice_update(self, voice: VoicePrivate, raw: dict[str, Any],
                      context: dict[str, str]) -> JobUpdate[Voice]:
        status = voice.status
        vendor_status = _text(status)
        context = {**context, "stage": "uploaded" if status is VoiceStatus.NEW else
                   _STAGES.get(vendor_status, context.get("stage", "")).replace(
                       "generating", "training")}
        if status is VoiceStatus.DONE:
            return JobUpdate(JobState.SUCCEEDED, vendor_status=vendor_status, progress=1.0,
                             result=self._cloned_voice(voice, raw), raw=raw, context=context)
        if status is VoiceStatus.ERROR:
            return JobUpdate(JobState.FAILED, vendor_status=vendor_status,
                             error_code=voice.error_code,
                             error_message=voice.error_message or f"training voice "
                             f"{voice.id} failed at VoiceDub", raw=raw, context=context)
        state = JobState.PENDING if vendor_status in _PENDING else JobState.RUNNING
        return JobUpdate(state, vendor_status=vendor_status,
                         progress=_VOICE_PROGRESS.get(status), raw=raw, context=context)

    # -- vendor-only methods -----------------------------------------------------------

    def get_dub(self, dub_id: str) -> DubPrivate:
        """A dub as VoiceDub reports it (GET /v1/me/dubs/{id})."""
        return self._get_dub(dub_id)[0]

    def get_voice(self, voice_id: str | Voice) -> VoicePrivate:
        """A trained voice as VoiceDub reports it (GET /v1/me/voices/{id})."""
        return self._get_voice(self.voice_id(voice_id))[0]

    def preprocess_dub(self, dub_id: str) -> DubPrivate:
        """Start preprocessing a created dub; OutOfOrder (``dub_is_not_new``) if started."""
        return self._dub_step(self._id(dub_id, "dub_id"), "preprocess")[0]

    def generate_dub(self, dub_id: str, *, max_credits: float | None = None) -> DubPrivate:
        """Generate a preprocessed dub (this spends its ``requiredCredits``).

        Raises CreditLimitExceeded (nothing sent) when ``requiredCredits`` is over
        ``max_credits``, OutOfOrder (``dub_is_not_in_preprocessed_state``) when the dub
        is not preprocessed.
        """
        dub_id = self._id(dub_id, "dub_id")
        budget = _max_credits(max_credits)
        if budget is not None:
            self._check_dub_budget(self.get_dub(dub_id), f"{budget:g}")
        return self._dub_step(dub_id, "generate")[0]

    def train_voice(self, voice_id: str) -> VoicePrivate:
        """Start training a created voice (POST .../clone); OutOfOrder if already started."""
        return self._train(self._id(voice_id, "voice_id"))[0]

    def _get_dub(self, dub_id: str) -> tuple[DubPrivate, dict[str, Any]]:
        dub_id = self._id(dub_id, "dub_id")
        envelope, raw = self._call("GET", f"/v1/me/dubs/{_segment(dub_id)}",
                                   schema.DubEnvelope)
        return envelope.dub, raw["dub"]

    def _get_voice(self, voice_id: str) -> tuple[VoicePrivate, dict[str, Any]]:
        envelope, raw = self._call("GET", f"/v1/me/voices/{_segment(voice_id)}",
                                   schema.VoiceEnvelope)
        return envelope.voice, raw["voice"]

    @staticmethod
    def _id(value: str, field: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"{field} must be a non-empty string, got {value!r}",
                               field=field, limit="an id")
        return value.strip()


# -- local validation ------------------------------------------------------------------


def _text(value: enum.Enum | str) -> str:
    """An enum-or-string field (a status) as the vendor's string."""
    return str(value.value) if isinstance(value, enum.Enum) else value


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _pitch_shift(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (
            PITCH_RANGE[0] <= value <= PITCH_RANGE[1]):
        raise InvalidInput(f"pitch_shift must be an integer from -24 to 24 semitones, got "
                           f"{value!r}", field="pitch_shift", limit="-24..24")
    return value


def _name(value: Any) -> str:
    if not isinstance(value, str) or not (NAME_LENGTH[0] <= len(value) <= NAME_LENGTH[1]) \
            or not value.strip():
        raise InvalidInput(f"name must be 1-50 characters, got {value!r}", field="name",
                           limit="1-50 characters")
    return value


def _max_minutes(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (
            MAX_MINUTES_RANGE[0] <= value <= MAX_MINUTES_RANGE[1]):
        raise InvalidInput(f"max_minutes must be an integer from 5 to 60, got {value!r}",
                           field="max_minutes", limit="5..60")
    return value


def _max_credits(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 \
            or math.isnan(value):
        raise InvalidInput(f"max_credits must be a number >= 0, got {value!r}",
                           field="max_credits", limit=">= 0")
    return float(value)


def _samples(samples: Any) -> list[AudioSource]:
    single = isinstance(samples, (str, bytes, bytearray, memoryview, os.PathLike,
                                  AudioSource)) or hasattr(samples, "read")
    items = [samples] if single else list(samples)
    if not 1 <= len(items) <= MAX_SAMPLES:
        raise InvalidInput(f"VoiceDub trains from 1 to 5 files, got {len(items)}",
                           field="samples", limit="1-5 files")
    sources = []
    for i, item in enumerate(items):
        field = f"samples[{i}]"
        src = AudioSource.from_input(item, field=field)
        _not_empty(src, field)
        sources.append(src)
    return sources


def _not_empty(source: AudioSource, field: str) -> None:
    if source.size == 0:
        raise InvalidInput(f"{field}: {source.name} is empty", field=field, limit="not empty")


def _vocabulary(value: Any, field: str, enum_cls: Any, aliases: dict[str, str]
                ) -> list[str]:
    if value is None:
        return []
    values = [value] if isinstance(value, str) else list(value)
    allowed = [m.value for m in enum_cls]
    out = []
    for item in values:
        text = item.value if isinstance(item, enum_cls) else item
        if isinstance(text, str):
            key = text.strip().lower()
            key = aliases.get(key, aliases.get(key.split("-")[0], key))
            if key in allowed:
                out.append(key)
                continue
        raise InvalidInput(f"{field}: unknown value {item!r}; VoiceDub knows "
                           f"{', '.join(allowed)}", field=field,
                           limit=f"one of {', '.join(allowed)}")
    return out
