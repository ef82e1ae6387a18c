"""SpeechgenProvider: Speechgen's stock and cloned voices, TTS, voice cloning and models.

Every request carries ``Authorization: Bearer <SPEECHGEN_API_KEY>``. Speechgen names two
things for a cloned voice: the *model* (``model_id`` ``"vm_..."``, what cloning creates and
what ``/models`` manages) and its *voice* (``voice_id`` ``"custom-..."``, what text-to-speech
takes once the model is ready). voicekit's cloned :class:`~voicekit_core.models.Voice` has
the voice_id as ``id`` and keeps the model_id in ``raw["model_id"]``; passing a model_id
where a voice is needed is refused locally with an explanation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

import attrs
from voicekit_core import kit, validate
from voicekit_core.audio import AudioInput, AudioSource
from voicekit_core.capabilities import CloneVoice, ListVoices, Synthesize
from voicekit_core.errors import (
    AuthenticationError,
    BadResponse,
    InsufficientCredits,
    InvalidInput,
    NotFound,
    ProviderError,
    RateLimited,
)
from voicekit_core.http import HttpResponse
from voicekit_core.inputs import not_audio
from voicekit_core.models import Audio, Cost, Voice
from voicekit_core.transfers import audio_format

from . import schema as s
from .plugin import INFO
from .schema import VoiceModel

__all__ = ["CLONE_FORMATS", "CLONE_MAX_BYTES", "CLONE_MAX_SECONDS", "CLONE_MIN_SECONDS",
           "DEFAULT_PITCH_RANGE", "DEFAULT_SPEED_RANGE", "FORMATS", "VOICE_KINDS",
           "SpeechgenProvider", "VoiceModel"]

log = logging.getLogger("voicekit.speechgen")

#: Output formats of POST /text-to-speech.
FORMATS: tuple[str, ...] = ("mp3", "wav", "ogg")
#: voicekit's default (always sent explicitly): WAV, so ``save("x.wav")`` is a real WAV
DEFAULT_FORMAT = "wav"
#: ``Voice.kind`` values: Speechgen's own voices and the account's ready cloned models.
VOICE_KINDS: tuple[str, ...] = ("stock", "cloned")
#: Clone sample limits (Speechgen: MP3, WAV, M4A, FLAC or OGG; 10 s to 5 min; 10 MB).
CLONE_FORMATS: tuple[str, ...] = ("mp3", "wav", "m4a", "flac", "ogg")
CLONE_MAX_BYTES = 10 * 1024 * 1024
CLONE_MIN_SECONDS = 10.0
CLONE_MAX_SECONDS = 300.0
#: Speechgen documents speed (default 1.0) and pitch (default 0) but no ranges. These are
#: voicekit's choice (common TTS bounds: speed as a rate multiplier, pitch in semitones);
#: change them with ``connect("speechgen", speed_range=..., pitch_range=...)``.
DEFAULT_SPEED_RANGE: tuple[float, float] = (0.25, 4.0)
DEFAULT_PITCH_RANGE: tuple[float, float] = (-20.0, 20.0)

_KEY_PREFIXES = ("sk_live_", "sk_test_")
_MODEL_PREFIX = "vm_"

#: Cloning, polled every 5 s (the vendor doc's own loop) until ``ready`` or ``failed``.
CLONE = kit.JobKind[Voice]("clone", poll=kit.PollPolicy(interval=5.0, first_delay=5.0),
                           states=s.STATES)
#: Speechgen's envelope ``{"error": {"code", "message", "param"?}}`` (or ``{"error": "code",
#: "message"}``); the codes decide, whatever the status (Speechgen documents the codes).
#: ``param`` names the field at fault; an unknown voice says where voice ids come from.
ERRORS = kit.ErrorMap(
    message=("message", "detail", "msg"), code=("code", "error_code", "error"), field=("param",),
    explain={"invalid_voice": "no such voice: list voices with list_voices(); a cloned voice "
                              "is used by its voice_id ('custom-...') once its model is ready"},
    codes={**dict.fromkeys(("invalid_api_key", "missing_api_key"), AuthenticationError),
           **dict.fromkeys(("invalid_voice", "voice_not_found", "model_not_found",
                            "not_found"), NotFound),
           **dict.fromkeys(("insufficient_credits", "insufficient_balance", "quota_exceeded",
                            "character_limit_exceeded"), InsufficientCredits),
           **dict.fromkeys(("rate_limit_exceeded", "rate_limited", "too_many_requests"),
                           RateLimited)})
#: A clone sample (its format from its bytes: the formats named refuse what is not audio).
CLONE_SAMPLE = kit.AudioRules(formats=CLONE_FORMATS, max_bytes=CLONE_MAX_BYTES,
                              min_seconds=CLONE_MIN_SECONDS, max_seconds=CLONE_MAX_SECONDS,
                              sniff=False)


def _number(value: Any, field: str) -> int | float:
    """A finite number, keeping an int an int in the JSON (pitch's documented default is
    the integer 0, and a strict server may refuse 2.0 for an integer field)."""
    number = validate.number(value, field=field)
    return value if isinstance(value, int) else number


def _range(value: Any, field: str) -> tuple[float, float] | None:
    if value is None:
        return None
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise InvalidInput(f"{field} must be (min, max) or None, got {validate.show(value)}",
                           field=field, limit="(min, max)")
    low, high = (validate.number(v, field=field) for v in value)
    if low > high:
        raise InvalidInput(f"{field} must have min <= max, got {validate.show(value)}",
                           field=field, limit="min <= max")
    return (low, high)


def _count(value: Any) -> int | None:
    """A count from a header or a JSON field (``"5"`` or ``5``), else None."""
    text = str(value).strip() if isinstance(value, (str, int)) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 16 else None


class VoiceFilters(kit.Options):
    """Filters of ``list_voices()``."""

    language: str | None = kit.opt.text(help='keep voices speaking it ("en" matches "en-US")')
    kind: str | None = kit.opt.choice(VOICE_KINDS, help="stock or cloned (default both)")
    gender: str | None = kit.opt.text(help="stock voices of this gender (female, male...)")
    style: str | None = kit.opt.text(help="stock voices offering this style")


class SpeechOptions(kit.Options):
    """Options of ``synthesize()`` and ``tts_payload()``."""

    format: str | None = kit.opt.choice(FORMATS, help="wav (default), mp3 or ogg")
    speed: float | None = kit.opt.value(convert=_number, limit="a finite number",
                                        help="rate multiplier (checked against speed_range)")
    pitch: float | None = kit.opt.value(convert=_number, limit="a finite number",
                                        help="pitch shift (checked against pitch_range)")


class CloneOptions(kit.Options):
    """Options of ``clone_voice()``."""

    description: str | None = kit.opt.text(allow_empty=True, help="stored with the model")
    enhance_quality: bool | None = kit.opt.flag(help="ask Speechgen to clean the sample up")


class SpeechgenProvider(kit.Provider, ListVoices, Synthesize, CloneVoice):
    """Speechgen (https://speechgen.com) through voicekit.

    Options beyond the common ones (``base_url=``, ``timeout=``, ``api_key=``...):

    Args:
        speed_range: (min, max) ``speed`` accepted locally (default 0.25..4.0), or None to
            leave the check to Speechgen.
        pitch_range: (min, max) ``pitch`` accepted locally (default -20..20), or None.
        max_text_chars: refuse longer texts locally (SSML tags count; Speechgen's limit
            depends on the plan, so the default None leaves the check to Speechgen).
    """

    info = INFO
    errors = ERRORS
    jobs: ClassVar[tuple[kit.JobKind[Any], ...]] = (CLONE,)

    class Settings(kit.Options):
        """Speechgen's own ``connect()`` settings (a range of None: no local check)."""

        speed_range: tuple[float, float] | None = kit.opt.value(
            convert=_range, default=DEFAULT_SPEED_RANGE, keeps_none=True,
            limit="(min, max) or None", help="speeds checked before sending")
        pitch_range: tuple[float, float] | None = kit.opt.value(
            convert=_range, default=DEFAULT_PITCH_RANGE, keeps_none=True,
            limit="(min, max) or None", help="pitches checked before sending")
        max_text_chars: int | None = kit.opt.integer(1, help="longest synthesize text")

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.speed_range = self.settings.speed_range
        self.pitch_range = self.settings.pitch_range
        self.max_text_chars = self.settings.max_text_chars
        if not self.credential("api_key").reveal().startswith(_KEY_PREFIXES):
            # a warning only: the server is the judge (and proxies may use other keys)
            log.warning("the speechgen API key does not look like a Speechgen key "
                        "(sk_live_... or sk_test_...); sending it anyway")

    def auth_headers(self) -> dict[str, str]:
        """The API key as a Bearer token."""
        return {"Authorization": f"Bearer {self.credential('api_key').reveal()}"}

    def voice_id(self, voice: str | int | Voice) -> str:
        """A voice id for text-to-speech; a model_id (``vm_...``) is refused, explained."""
        voice_id = super().voice_id(voice)
        if voice_id.startswith(_MODEL_PREFIX):
            raise InvalidInput(
                f"{voice_id!r} is a Speechgen model_id, not a voice_id: text-to-speech takes "
                f"the model's voice_id ('custom-...'), available once the model is ready. "
                f"Use the Voice that clone_voice(...).wait() returns, or "
                f"get_model({voice_id!r}).voice_id", field="voice",
                limit="a voice_id (stock id or 'custom-...'), not a model_id ('vm_...')")
        return voice_id

    # -- voices ------------------------------------------------------------------------

    @kit.operation(VoiceFilters)
    def list_voices(self, *, opts: VoiceFilters, call: kit.Call) -> Iterator[Voice]:
        """Stock voices (kind ``"stock"``, GET /voices), then the account's ready cloned
        models (kind ``"cloned"``, GET /models, fetched only when iteration gets there;
        ``id`` is the model's voice_id). Filters: :class:`VoiceFilters`."""
        language = opts.language and (kit.language_code(opts.language) or opts.language.strip())
        gender, style = (x.strip().lower() if x else None for x in (opts.gender, opts.style))
        for kind in (opts.kind,) if opts.kind else VOICE_KINDS:
            for voice in self._stock_voices() if kind == "stock" else self._cloned_voices():
                if language and not voice.speaks(language):
                    continue
                item = s.read(voice.raw, s.VoiceItem, "voice") if gender or style else None
                if item and gender and (item.gender or "").lower() != gender:
                    continue
                if item and style and style not in {x.lower() for x in item.styles or ()}:
                    continue
                yield voice

    def _stock_voices(self) -> Iterator[Voice]:
        for item in self._listing("/voices", "voices"):
            yield self._stock_voice(item)

    def _cloned_voices(self) -> Iterator[Voice]:
        try:
            models = self.list_models()
        except ProviderError as exc:
            # GET /models is not on Speechgen's cloning page; a server without it has no
            # listable cloned voices (list_models() itself still raises)
            if exc.status in (404, 405, 501):
                log.info("speechgen: GET /models is not available (%s); listing stock "
                         "voices only", exc.status)
                return
            raise
        for model in models:
            if model.ready and not model.voice_id:
                # a summary list may leave voice_id out: GET /models/{id} carries it
                model = self.get_model(model.model_id)
            if model.ready and model.voice_id:
                yield model.as_voice(self.name)

    def _listing(self, path: str, key: str) -> list[Any]:
        return kit.listing(self.http.json("GET", path), key, what=f"GET {path} answer",
                           provider=self.name)

    def _stock_voice(self, raw: Any) -> Voice:
        item = s.read(raw, s.VoiceItem, "voice")
        if item.ident is None:
            raise BadResponse("speechgen sent a voice without an id: "
                              f"{validate.show(raw, 80)}", provider=self.name)
        kind = "cloned" if item.ident.startswith("custom-") else "stock"
        return Voice(id=item.ident, name=item.name or item.ident, provider=self.name,
                     kind=kind, languages=item.spoken, description=item.description or None,
                     raw=dict(raw))

    def get_voice(self, voice: str | Voice) -> Voice:
        """One voice by id (GET /voices/{id}); NotFound if unknown."""
        path = f"/voices/{kit.segment(self.voice_id(voice), field='voice')}"
        body = self.http.json("GET", path)
        inner = body.get("voice") if isinstance(body, dict) else None
        return self._stock_voice(inner if isinstance(inner, dict) else body)

    # -- speech ------------------------------------------------------------------------

    @kit.operation(SpeechOptions, spends=True, text=kit.TextRules())
    def synthesize(self, text: str, *, voice: str, opts: SpeechOptions, call: kit.Call
                   ) -> Audio:
        """Speak ``text`` (plain text or SSML; its tags count toward Speechgen's character
        limit) with a stock voice id, a cloned voice's ``"custom-..."`` voice_id or a Voice
        (POST /text-to-speech). Options: :class:`SpeechOptions`; ``max_credits`` refuses
        texts of more characters locally.

        Returns:
            :class:`Audio` with ``duration`` from ``X-Audio-Duration`` and
            ``metadata["characters_used"]`` from ``X-Characters-Used``.
        """
        payload = self._payload(text, voice, opts)
        response = self.http.request("POST", "/text-to-speech", json=payload)
        audio = self._audio(response, payload["format"])
        used = audio.metadata.get("characters_used")
        call.spent(used if used is not None else len(text), unit="characters")
        return audio

    @kit.operation(SpeechOptions, text=kit.TextRules())
    def tts_payload(self, text: str, *, voice: str, opts: SpeechOptions, call: kit.Call
                    ) -> dict[str, Any]:
        """The JSON body of POST /text-to-speech, validated locally (no request)."""
        return self._payload(text, voice, opts)

    def _payload(self, text: str, voice: str, opts: SpeechOptions) -> dict[str, Any]:
        if self.max_text_chars is not None:
            validate.text(text, max_chars=self.max_text_chars)  # SSML tags count
        payload: dict[str, Any] = {"text": text, "voice": voice,
                                   "format": opts.format or DEFAULT_FORMAT}
        for name, bounds in (("speed", self.speed_range), ("pitch", self.pitch_range)):
            value = getattr(opts, name)
            if value is not None and bounds is not None:
                validate.number(value, field=name, low=bounds[0], high=bounds[1])
            if value is not None:
                payload[name] = value
        return payload

    def _audio(self, response: HttpResponse, requested: str) -> Audio:
        """The audio of a TTS answer: Speechgen sends the bytes; a JSON answer carrying
        them (base64 or a link) is read too."""
        headers = response.headers
        stated = kit.duration_seconds(headers.get("X-Audio-Duration"))
        used = _count(headers.get("X-Characters-Used"))
        if not response.content_type.endswith("json"):
            audio = kit.read_audio(response, default=requested, provider=self.name)
        else:
            answer = s.read(response.json(), s.TtsAnswer, "text-to-speech answer").inner
            stated = answer.seconds if stated is None else stated
            used = _count(answer.characters_used if answer.characters_used is not None
                          else answer.characters) if used is None else used
            data = answer.decoded
            if data is not None and not_audio(data[:64]) is None:
                audio = Audio(data=data, format=audio_format(data[:64], "", requested),
                              metadata={"content_type": None,
                                        "request_id": response.request_id})
            elif answer.link is not None:
                audio = kit.read_audio(self.http.request("GET", answer.link),
                                       default=requested, provider=self.name)
            else:
                raise response.bad(f"answered text-to-speech with {response.content_type}, "
                                   f"not audio: {response.content[:80]!r}")
        return attrs.evolve(audio, duration=audio.duration if stated is None else stated,
                            metadata={**audio.metadata, "characters_used": used,
                                      "request_id": audio.metadata.get("request_id")
                                      or response.request_id})

    # -- cloning -----------------------------------------------------------------------

    @kit.operation(CloneOptions, samples=CLONE_SAMPLE, name=kit.TextRules(field="name"))
    def clone_voice(self, samples: AudioSource, *, name: str, opts: CloneOptions,
                    call: kit.Call) -> kit.Job[Voice]:
        """Create a voice model from one recording (POST /voice-clone): MP3, WAV, M4A,
        FLAC or OGG by content, 10 s to 5 min, at most 10 MB, one speaker (a one-item list
        also works). Options: :class:`CloneOptions`.

        Returns:
            ``Job[Voice]`` (kind ``"clone"``, id the model_id) polled every 5 s; its result
            is the usable cloned Voice (``id`` = the ``"custom-..."`` voice_id). A model
            that fails raises JobFailed with Speechgen's message.
        """
        fields: dict[str, Any] = {"audio": samples, "name": name.strip()}
        if opts.description:
            fields["description"] = opts.description
        if opts.enhance_quality is not None:
            fields["enhance_quality"] = "true" if opts.enhance_quality else "false"
        body = self.http.json("POST", "/voice-clone", multipart=fields,
                              on_upload_progress=call.on_upload_progress)
        model = VoiceModel.read(body, "POST /voice-clone answer")
        return CLONE.start(self, model.model_id, self._clone_update(model, initial=True),
                           context=model.eta_context)

    def check_clone_sample(self, samples: AudioInput | Sequence[AudioInput]) -> AudioSource:
        """Validate a clone sample locally (format by content, size, duration); no request.

        The size comes from the file's metadata and the duration from its header (WAV) or
        mutagen (compressed formats): the file is never read whole.
        """
        source = CLONE_SAMPLE.check(samples, "samples")
        assert isinstance(source, AudioSource)
        return source

    @CLONE.refresh
    def _refresh_clone(self, job: kit.Job[Voice]) -> kit.JobUpdate[Voice]:
        model = self.get_model(job.id)
        return self._clone_update(model, context={**job.context, **model.eta_context})

    def _clone_update(self, model: VoiceModel, *, initial: bool = False,
                      context: Mapping[str, str] | None = None) -> kit.JobUpdate[Voice]:
        if model.ready and not model.voice_id and initial:
            # the first poll (GET /models/{id}) gives the voice_id
            return kit.JobUpdate(kit.JobState.RUNNING, vendor_status=model.status,
                                 raw=dict(model.raw))
        code, message = model.failure
        return CLONE.update(
            model.status, raw=model.raw, context=context,
            result=lambda: self._ready_voice(model),
            error=(code, f"speechgen could not create voice model {model.model_id}"
                   + (f": {message}" if message else f" (status {model.status})")))

    def _ready_voice(self, model: VoiceModel) -> Voice:
        if not model.voice_id:
            raise BadResponse(f"speechgen says model {model.model_id} is ready but sent "
                              "no voice_id", provider=self.name)
        return model.as_voice(self.name)

    # -- models (vendor-only) ------------------------------------------------------------

    def list_models(self) -> list[VoiceModel]:
        """The account's voice models, whatever their status (GET /models)."""
        return [VoiceModel.read(item, "model") for item in self._listing("/models", "models")]

    def get_model(self, model: str | VoiceModel | Voice) -> VoiceModel:
        """One voice model by model_id (GET /models/{model_id}); NotFound if unknown."""
        return VoiceModel.read(self.http.json("GET", self._model_path(model)),
                               "GET /models/{model_id} answer")

    def delete_model(self, model: str | VoiceModel | Voice) -> None:
        """Delete a voice model (DELETE /models/{model_id}); its voice stops working."""
        self.http.request("DELETE", self._model_path(model))

    def _model_path(self, model: str | VoiceModel | Voice) -> str:
        if isinstance(model, VoiceModel):
            model = model.model_id
        elif isinstance(model, Voice):
            if not model.raw.get("model_id"):
                raise InvalidInput(f"voice {model.id} is not a cloned model's voice (it has "
                                   "no model_id)", field="model", limit="a model_id")
            model = str(model.raw["model_id"])
        if isinstance(model, str) and model.strip().startswith("custom-"):
            raise InvalidInput(
                f"{model.strip()!r} is a voice_id; model operations take the model_id "
                "('vm_...'): find it with list_models() or in the cloned Voice's "
                "raw['model_id']", field="model",
                limit="a model_id ('vm_...'), not a voice_id")
        if not isinstance(model, str):
            raise InvalidInput(f"model must be a model_id ('vm_...'), got "
                               f"{validate.show(model)}", field="model", limit="a model_id")
        return f"/models/{kit.segment(model, field='model', strip=True)}"

    # -- costs -------------------------------------------------------------------------

    def estimate(self, operation: str, **args: Any) -> Cost | None:
        """``synthesize``: the text's characters (Speechgen counts SSML tags too)."""
        if operation == "synthesize" and isinstance(args.get("text"), str):
            return Cost(credits=float(len(args["text"])), unit="characters", exact=False)
        return None

