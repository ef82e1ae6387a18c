"""VoiceDubProvider: dubs, voice training, the public voice catalogue and API credits.

A dub: create -> upload to a presigned URL (or pass a link) -> preprocess -> learn the
price (``requiredCredits``) -> generate -> poll -> download. :meth:`VoiceDubProvider.dub`
does the first three steps; its ``Job[DubResult]`` drives the rest from the vendor's status
(so a job resumed from its reference in another process finishes the same way).
"""

from __future__ import annotations

import enum
import itertools
import math
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from voicekit_core import kit, validate
from voicekit_core.audio import AudioSource
from voicekit_core.capabilities import Balance, CloneVoice, Dub, ListVoices
from voicekit_core.errors import (
    BadResponse,
    ConfigurationError,
    CreditLimitExceeded,
    InsufficientCredits,
    InvalidInput,
    InvalidRequest,
    NotFound,
)
from voicekit_core.models import Balance as BalanceInfo
from voicekit_core.models import Cost, DubResult, Voice

from . import schema
from .options import CatalogueFilters, DubOptions, LanguageFilter, TrainingOptions
from .plugin import INFO
from .schema import DubPrivate, DubStatus, Genre, Language, Style, VoicePrivate, VoiceStatus

__all__ = ["CREDITS_PER_MINUTE", "OutOfOrder", "VoiceDubProvider"]

#: VoiceDub's price: 10 credits per minute of dub input, 10 per ``maxMinutes`` of training.
CREDITS_PER_MINUTE = 10
MAX_DUB_SECONDS = 30 * 60
MAX_SAMPLES = 5

#: the flow's stage kept in a job's context (and so in its reference); the vendor's status
#: stays the authority when a job resumes
_STAGES = {"new": "created", "preprocessing": "preprocessing", "preprocessed": "preprocessed",
           "queued": "generating", "starting": "generating", "processing": "generating",
           "finalizing": "generating", "done": "done"}

# "You should poll this a maximum of once every 3 seconds" (GET dub / GET voice)
DUB = kit.JobKind[DubResult]("dub", poll=kit.PollPolicy(interval=3.0), states=kit.StatusMap(
    pending={"new", "queued"}, succeeded={"done"}, failed={"error"},
    progress={"new": 0.0, "preprocessing": 0.1, "preprocessed": 0.2, "queued": 0.3,
              "starting": 0.4, "processing": 0.6, "finalizing": 0.9}))
TRAINING = kit.JobKind[Voice]("clone", poll=kit.PollPolicy(interval=3.0), states=kit.StatusMap(
    pending={"new", "queued"}, succeeded={"done"}, failed={"error"},
    progress={"new": 0.0, "queued": 0.1, "starting": 0.2, "processing": 0.5,
              "finalizing": 0.9}))

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
    """A dub or voice step called in a state that does not allow it; ``code`` is the
    vendor's (one of the ``_OUT_OF_ORDER`` keys)."""


def _content_type_ok(value: object) -> bool:
    """A header-safe media type: ``type/subtype`` (parameters allowed), printable ASCII."""
    return (isinstance(value, str) and 0 < len(value) <= 200 and "/" in value
            and value == value.strip() and all(" " <= c <= "~" for c in value))


class VoiceDubProvider(kit.Provider, ListVoices, CloneVoice, Dub, Balance):
    """VoiceDub (https://voicedub.ai). Extra ``connect()`` option ``upload_content_type``:
    a Content-Type for uploads to presigned URLs (default none: they are signed without).

    Voice kinds: ``"public"`` (the catalogue) and ``"cloned"`` (trained by the account;
    VoiceDub cannot list them: ``list_voices(kind="cloned", ids=[...])`` fetches those named).
    """

    info = INFO
    jobs: ClassVar[tuple[kit.JobKind[Any], ...]] = (DUB, TRAINING)
    #: dubUrl links are signed: they get no credentials, whatever host they name
    authenticated_downloads = False
    errors = kit.ErrorMap(
        codes={"not_enough_credits": InsufficientCredits,
               "insufficient_credits": InsufficientCredits, "not_found": NotFound,
               "voice_not_found": NotFound, **dict.fromkeys(_OUT_OF_ORDER, OutOfOrder)},
        statuses={403: InsufficientCredits},  # the spec's only 403 is "Insufficient credits"
        explain=_OUT_OF_ORDER,  # the flow's explanation of an out-of-order step
        prefix={InsufficientCredits: "not enough VoiceDub API credits: "},
    )

    def __init__(self, *, upload_content_type: str | None = None, **options: Any) -> None:
        if upload_content_type is not None and not _content_type_ok(upload_content_type):
            raise ConfigurationError(
                "upload_content_type must be a Content-Type such as 'audio/wav' (printable "
                f"ASCII, one line), got {validate.show(upload_content_type)}",
                provider=self.info.name)
        super().__init__(**options)
        self.upload_content_type = upload_content_type

    def auth_headers(self) -> dict[str, str]:
        """The API key as ``Authorization: Api-Key <key>``."""
        return {"Authorization": f"Api-Key {self.credential('api_key').reveal()}"}

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

    @kit.operation(CatalogueFilters)
    def list_voices(self, *, language: str | None = None, kind: str | None = None,
                    opts: CatalogueFilters, call: kit.Call) -> Iterator[Voice]:
        """The public catalogue (kind ``"public"``), paged lazily, and the trained voices
        named by ``ids`` (kind ``"cloned"``). ``language``: a code (``"en"``) or VoiceDub's
        name (``"english"``); filters: :class:`CatalogueFilters`, :meth:`catalogue_filters`."""
        if kind not in (None, "public", "cloned"):
            raise InvalidInput(f"kind must be 'public' or 'cloned', got {kind!r}",
                               field="kind", limit="public, cloned")
        if kind == "cloned" and not opts.ids:
            raise InvalidInput(
                "VoiceDub has no endpoint that lists an account's trained voices; pass "
                "ids=[...] (e.g. from clone_voice() results) or use get_voice(id)",
                field="ids", limit="ids of trained voices")
        if language is not None and opts.languages is not None:
            raise InvalidInput("pass language= or languages=, not both",
                               field="language", limit="one of language, languages")
        languages = opts.languages
        if language is not None:
            languages = LanguageFilter.parse({"language": language}, call="list_voices",
                                             provider=self.name).language
        params: list[tuple[str, Any]] = [
            *(("search", v) for v in [opts.search] if v is not None),
            *(("genres", g) for g in opts.genres or ()),
            *(("languages", lang) for lang in languages or ()),
            *(("styles", s) for s in opts.styles or ()),
            *(("limit", v) for v in [opts.limit] if v is not None)]
        public = self._catalogue(params) if kind in (None, "public") else iter(())
        own = (self._cloned_voice(*self._get_voice(v)) for v in opts.ids or ())
        return itertools.chain(public, own)

    def _catalogue(self, params: list[tuple[str, Any]]) -> Iterator[Voice]:
        def fetch(cursor: str | None) -> kit.Page[Voice]:
            raw = self.http.json("GET", "/v1/voices",
                                 params=params + ([("cursor", cursor)] if cursor else []))
            if isinstance(raw, list):  # a bare list: one page, no cursor
                raw = {"voices": raw, "nextCursor": None}
            page = schema.structure(raw, schema.GetPublicVoicesResponse,
                                    what="GET /v1/voices answer")
            voices = [self._public_voice(item, item_raw)
                      for item, item_raw in zip(page.voices, raw["voices"], strict=True)]
            return kit.Page(voices, next=page.next_cursor)

        return kit.paginate(fetch, key=lambda v: v.id, provider=self.name)

    def _public_voice(self, item: schema.VoicePublic, raw: dict[str, Any]) -> Voice:
        languages = tuple(kit.language_code(lang.value) or lang.value for lang in item.languages)
        styles = ", ".join(s.value for s in item.styles)
        genres = ", ".join(g.value for g in item.genres)
        description = "; ".join(p for p in (styles, genres) if p) or None
        return Voice(id=item.id, name=item.name, provider=self.name, kind="public",
                     languages=languages, description=description, raw=raw)

    def _cloned_voice(self, voice: VoicePrivate, raw: dict[str, Any]) -> Voice:
        return Voice(id=voice.id, name=voice.name, provider=self.name, kind="cloned",
                     description=f"trained voice ({_word(voice.status)})", raw=raw)

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
        """A dub: ``dub_id=`` its ``requiredCredits`` once preprocessed (exact), or 10
        credits per minute of ``source=`` / ``seconds=`` (an estimate; None for a link).
        A training (``clone_voice``): 10 credits per ``max_minutes`` (exact)."""
        opts = args.get("opts")
        if operation == "dub":
            seconds = args.get("seconds")
            if args.get("dub_id") is not None:
                dub = self.get_dub(args["dub_id"])
                if dub.required_credits is not None:
                    return Cost(credits=float(dub.required_credits))
                seconds = None if dub.input_duration is None else dub.input_duration / 1000
            elif seconds is None and args.get("source") is not None:
                source = kit.AudioRules(urls=True, sniff=False).check(args["source"], "source")
                assert isinstance(source, AudioSource)
                seconds = None if source.is_url else source.require_duration(field="source")
            if seconds is None:
                return None
            seconds = validate.number(seconds, field="seconds", low=0)
            return Cost(credits=CREDITS_PER_MINUTE * seconds / 60, exact=False)
        if operation in ("clone_voice", "clone"):
            minutes = getattr(opts, "max_minutes", None) or args.get("max_minutes") or 10
            if not isinstance(opts, TrainingOptions):
                TrainingOptions.parse({"max_minutes": minutes}, call="estimate",
                                      provider=self.name)
            return Cost(credits=float(CREDITS_PER_MINUTE * minutes))
        return None

    # -- Dub -------------------------------------------------------------------------

    @kit.operation(DubOptions, spends=True,
                   source=kit.AudioRules(max_seconds=MAX_DUB_SECONDS, urls=True))
    def dub(self, source: AudioSource, *, voice: str, opts: DubOptions, call: kit.Call
            ) -> kit.Job[DubResult]:
        """Dub ``source`` (a file, bytes, a binary file, or a link) with ``voice``: create
        the dub, upload a local source (streamed, no credentials), start preprocessing. The
        job's ``wait()`` checks ``requiredCredits`` against ``max_credits`` (else
        CreditLimitExceeded, nothing charged), generates and polls. Options: DubOptions."""
        request = schema.CreateDubRequest(
            voice_id=voice, link=source.url, pitch_shift=opts.pitch_shift or 0,
            separate=opts.separate is not False)
        created, _ = self._call("POST", "/v1/me/dubs", schema.CreateDubResponse,
                                json=schema.unstructure(request))
        if not source.is_url:
            if not created.upload_url:
                raise BadResponse(f"voicedub created dub {created.dub.id} without an "
                                  "upload URL", provider=self.name)
            self._upload(created.upload_url, source, call.on_upload_progress)
        # a server that starts preprocessing by itself answers dub_is_not_new: carry on
        dub, raw = self._dub_step(created.dub.id, "preprocess", tolerate="dub_is_not_new")
        return DUB.start(self, dub.id, self._dub_update(dub, raw, {}), budget=call.max_credits)

    @DUB.refresh
    def _refresh_dub(self, job: kit.Job[DubResult]) -> kit.JobUpdate[DubResult]:
        dub, raw = self._get_dub(job.id)
        if dub.status is DubStatus.NEW:
            # created (and uploaded) but preprocessing never started: start it now
            dub, raw = self._dub_step(job.id, "preprocess", tolerate="dub_is_not_new")
        if dub.status is DubStatus.PREPROCESSED:
            self._check_dub_price(job, dub)
            dub, raw = self._dub_step(job.id, "generate",
                                      tolerate="dub_is_not_in_preprocessed_state")
        return self._dub_update(dub, raw, job.context)

    def _dub_step(self, dub_id: str, step: str, *, tolerate: str | None = None
                  ) -> tuple[DubPrivate, dict[str, Any]]:
        try:
            envelope, raw = self._call("POST", f"/v1/me/dubs/{kit.segment(dub_id)}/{step}",
                                       schema.DubEnvelope)
        except OutOfOrder as exc:
            if exc.code != tolerate:
                raise
            return self._get_dub(dub_id)  # another caller got there first: carry on
        if step == "generate":
            # apiCreditsUsed, or the price when a server reports the charge only later
            self.spent(envelope.dub.api_credits_used or envelope.dub.required_credits or 0,
                       operation="dub")
        return envelope.dub, raw["dub"]

    def _check_dub_price(self, job: kit.Job[Any], dub: DubPrivate) -> None:
        if job.budget is None:
            return
        need = dub.required_credits
        if need is None and dub.input_duration is not None:
            # no requiredCredits although preprocessed: the documented price, 10 credits
            # per (started) minute of input, so the guard is never skipped
            need = math.ceil(CREDITS_PER_MINUTE * dub.input_duration / 60_000)
        if need is None:
            raise CreditLimitExceeded(
                f"VoiceDub states neither requiredCredits nor inputDuration of dub {dub.id}: "
                f"max_credits={job.budget:g} cannot be checked; nothing was sent or charged",
                max_credits=job.budget, need=math.inf, provider=self.name)
        job.check_price(float(need), what=f"dub {dub.id} (its requiredCredits after "
                        "preprocessing)")

    def _dub_update(self, dub: DubPrivate, raw: dict[str, Any], context: dict[str, str]
                    ) -> kit.JobUpdate[DubResult]:
        def result() -> DubResult:
            if not dub.dub_url:
                raise BadResponse(f"voicedub reports dub {dub.id} done without a dubUrl",
                                      provider=self.name)
            duration = None if dub.input_duration is None else dub.input_duration / 1000
            return DubResult(url=dub.dub_url, duration=duration, raw=raw, fetch=self.download)

        stage = _STAGES.get(_word(dub.status), context.get("stage", ""))
        return DUB.update(dub.status, raw=raw, result=result, context={**context, "stage": stage},
                          error=(dub.error_code, dub.error_message
                                 or f"dub {dub.id} failed at VoiceDub"))

    # -- CloneVoice ------------------------------------------------------------------

    @kit.operation(TrainingOptions, spends=True, name=kit.TextRules(max_chars=50, field="name"),
                   samples=kit.AudioRules(count=(1, MAX_SAMPLES)))
    def clone_voice(self, samples: list[AudioSource], *, name: str, opts: TrainingOptions,
                    call: kit.Call) -> kit.Job[Voice]:
        """Train a voice from 1-5 recordings (10 credits per maxMinute); the job's
        ``wait()`` gives the trained Voice (kind ``"cloned"``). Options: TrainingOptions."""
        request = schema.CreateVoiceRequest(
            name=name, number_of_files=len(samples), max_minutes=opts.max_minutes or 10,
            separate=opts.separate is not False)
        created, _ = self._call("POST", "/v1/me/voices", schema.CreateVoiceResponse,
                                json=schema.unstructure(request))
        if len(created.upload_urls) != len(samples):
            raise BadResponse(f"voicedub gave {len(created.upload_urls)} upload URLs for "
                                  f"{len(samples)} files", provider=self.name)
        pending = kit.JobUpdate[Voice](kit.JobState.PENDING)
        self._check_training_price(TRAINING.start(self, created.voice.id, pending,
                                                  budget=call.max_credits), created.voice)
        for url, src in zip(created.upload_urls, samples, strict=True):
            self._upload(url, src, call.on_upload_progress)
        voice, raw = self._train(created.voice.id)
        return TRAINING.start(self, voice.id, self._voice_update(voice, raw, {}),
                              budget=call.max_credits)

    @TRAINING.refresh
    def _refresh_clone(self, job: kit.Job[Voice]) -> kit.JobUpdate[Voice]:
        voice, raw = self._get_voice(job.id)
        if voice.status is VoiceStatus.NEW:
            self._check_training_price(job, voice)
            voice, raw = self._train(job.id, tolerate=True)
        return self._voice_update(voice, raw, job.context)

    def _train(self, voice_id: str, *, tolerate: bool = False
               ) -> tuple[VoicePrivate, dict[str, Any]]:
        try:
            envelope, raw = self._call("POST", f"/v1/me/voices/{kit.segment(voice_id)}/clone",
                                       schema.VoiceEnvelope)
        except OutOfOrder as exc:
            if not tolerate or exc.code != "voice_is_not_new":
                raise
            return self._get_voice(voice_id)
        self.spent(envelope.voice.api_credits_used or envelope.voice.required_credits or 0,
                   operation="clone_voice")
        return envelope.voice, raw["voice"]

    @staticmethod
    def _check_training_price(job: kit.Job[Any], voice: VoicePrivate) -> None:
        # without requiredCredits (null in VoicePrivate): the documented 10 per maxMinute
        price = voice.required_credits
        need = CREDITS_PER_MINUTE * voice.max_minutes if price is None else price
        job.check_price(float(need), what=f"training voice {voice.id}")

    def _voice_update(self, voice: VoicePrivate, raw: dict[str, Any],
                      context: dict[str, str]) -> kit.JobUpdate[Voice]:
        stage = "uploaded" if voice.status is VoiceStatus.NEW else _STAGES.get(
            _word(voice.status), context.get("stage", "")).replace("generating", "training")
        return TRAINING.update(voice.status, raw=raw, context={**context, "stage": stage},
                               result=lambda: self._cloned_voice(voice, raw),
                               error=(voice.error_code, voice.error_message
                                      or f"training voice {voice.id} failed at VoiceDub"))

    # -- vendor-only methods -----------------------------------------------------------

    def get_dub(self, dub_id: str) -> DubPrivate:
        """A dub as VoiceDub reports it (GET /v1/me/dubs/{id})."""
        return self._get_dub(dub_id)[0]

    def get_voice(self, voice_id: str | Voice) -> VoicePrivate:
        """A trained voice as VoiceDub reports it (GET /v1/me/voices/{id})."""
        return self._get_voice(self.voice_id(voice_id))[0]

    def preprocess_dub(self, dub_id: str) -> DubPrivate:
        """Start preprocessing a created dub; OutOfOrder (``dub_is_not_new``) if started."""
        return self._dub_step(_id(dub_id, "dub_id"), "preprocess")[0]

    def generate_dub(self, dub_id: str, *, max_credits: float | None = None) -> DubPrivate:
        """Generate a preprocessed dub, spending its ``requiredCredits`` (over
        ``max_credits``: CreditLimitExceeded, nothing sent; not preprocessed: OutOfOrder)."""
        dub_id = _id(dub_id, "dub_id")
        budget = validate.max_credits(max_credits, field="max_credits")
        if budget is not None:
            job = DUB.start(self, dub_id, kit.JobUpdate(kit.JobState.RUNNING), budget=budget)
            self._check_dub_price(job, self.get_dub(dub_id))
        return self._dub_step(dub_id, "generate")[0]

    def train_voice(self, voice_id: str) -> VoicePrivate:
        """Start training a created voice (POST .../clone); OutOfOrder if already started."""
        return self._train(_id(voice_id, "voice_id"))[0]

    def _get_dub(self, dub_id: str) -> tuple[DubPrivate, dict[str, Any]]:
        envelope, raw = self._call("GET", f"/v1/me/dubs/{_id(dub_id, 'dub_id')}",
                                   schema.DubEnvelope)
        return envelope.dub, raw["dub"]

    def _get_voice(self, voice_id: str) -> tuple[VoicePrivate, dict[str, Any]]:
        envelope, raw = self._call("GET", f"/v1/me/voices/{_id(voice_id, 'voice_id')}",
                                   schema.VoiceEnvelope)
        return envelope.voice, raw["voice"]


def _id(value: Any, field: str) -> str:
    """An id from the caller (surrounding whitespace dropped), as a safe path segment."""
    return kit.segment(value, field=field, strip=True)


def _word(value: enum.Enum | str | None) -> str:
    """An enum-or-string field (a status) as the vendor's string."""
    return str(value.value) if isinstance(value, enum.Enum) else str(value or "")
