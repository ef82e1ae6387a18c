"""SpeechgenProvider: Speechgen's stock and cloned voices, TTS, voice cloning and models.

Every request carries ``Authorization: Bearer <SPEECHGEN_API_KEY>``. Speechgen names two
things for a cloned voice: the *model* (``model_id`` ``"vm_..."``, what cloning creates and
what ``/models`` manages) and its *voice* (``voice_id`` ``"custom-..."``, what text-to-speech
takes once the model is ready). voicekit's cloned :class:`~voicekit_core.models.Voice` has
the voice_id as ``id`` and keeps the model_id in ``raw["model_id"]``; passing a model_id
where a voice is needed is refused locally with an explanation.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import math
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

import attrs
from voicekit_core import validate
from voicekit_core.audio import AudioInput, AudioSource, sniff_format
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
from voicekit_core.http import ErrorDetails, HttpResponse, error_text
from voicekit_core.jobs import Job, JobState, JobUpdate, PollPolicy
from voicekit_core.models import Audio, Cost, Voice, parse_datetime
from voicekit_core.provider import Provider

from .plugin import INFO

__all__ = [
    "CLONE_FORMATS",
    "CLONE_MAX_BYTES",
    "CLONE_MAX_SECONDS",
    "CLONE_MIN_SECONDS",
    "DEFAULT_PITCH_RANGE",
    "DEFAULT_SPEED_RANGE",
    "FORMATS",
    "VOICE_KINDS",
    "SpeechgenProvider",
    "VoiceModel",
]

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
#: The polling rule of Speechgen's docs: ask for the model status every 5 s.
CLONE_POLL = PollPolicy(interval=5.0, first_delay=5.0)

_KEY_PREFIXES = ("sk_live_", "sk_test_")
_MODEL_PREFIX = "vm_"
_CONTENT_FORMATS = {
    "audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/mpeg3": "mp3",
    "audio/wav": "wav", "audio/x-wav": "wav", "audio/wave": "wav", "audio/vnd.wave": "wav",
    "audio/ogg": "ogg", "audio/opus": "ogg", "application/ogg": "ogg",
}

# vendor error codes -> errors, whatever the status (Speechgen documents the codes, not
# the statuses of every error)
_CODE_ERRORS: dict[str, type[ProviderError]] = {
    "invalid_api_key": AuthenticationError,
    "missing_api_key": AuthenticationError,
    "invalid_voice": NotFound,
    "voice_not_found": NotFound,
    "model_not_found": NotFound,
    "not_found": NotFound,
    "insufficient_credits": InsufficientCredits,
    "insufficient_balance": InsufficientCredits,
    "quota_exceeded": InsufficientCredits,
    "character_limit_exceeded": InsufficientCredits,
    "rate_limit_exceeded": RateLimited,
    "rate_limited": RateLimited,
    "too_many_requests": RateLimited,
}


@attrs.frozen
class VoiceModel:
    """A Speechgen voice model (what cloning creates; GET /models/{model_id}).

    ``voice_id`` (``"custom-..."``) is what text-to-speech takes, once ``status`` is
    ``"ready"``; ``as_voice()`` gives it as a :class:`Voice`.
    """

    model_id: str
    name: str
    status: str
    voice_id: str | None = None
    description: str | None = None
    created_at: dt.datetime | None = None
    usage_count: int | None = None
    estimated_completion: dt.datetime | None = None
    samples: tuple[Mapping[str, Any], ...] = ()
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def ready(self) -> bool:
        return JobState.from_vendor(self.status) is JobState.SUCCEEDED

    @property
    def failed(self) -> bool:
        return JobState.from_vendor(self.status) is JobState.FAILED

    def as_voice(self, provider: str = "speechgen") -> Voice:
        """The usable voice of a ready model (InvalidInput while it is not ready)."""
        if not self.ready or not self.voice_id:
            raise InvalidInput(
                f"voice model {self.model_id} is {self.status}; its voice can be used once "
                "the status is ready", field="model", limit="status ready")
        return Voice(id=self.voice_id, name=self.name, provider=provider, kind="cloned",
                     description=self.description, raw=dict(self.raw))


class SpeechgenProvider(Provider, ListVoices, Synthesize, CloneVoice):
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
    poll_policies: ClassVar[Mapping[str, PollPolicy]] = {"clone": CLONE_POLL}

    def __init__(
        self,
        *,
        speed_range: tuple[float, float] | None = DEFAULT_SPEED_RANGE,
        pitch_range: tuple[float, float] | None = DEFAULT_PITCH_RANGE,
        max_text_chars: int | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.speed_range = _check_range(speed_range, "speed_range")
        self.pitch_range = _check_range(pitch_range, "pitch_range")
        if max_text_chars is not None and (isinstance(max_text_chars, bool)
                                           or not isinstance(max_text_chars, int)
                                           or max_text_chars < 1):
            raise InvalidInput(f"max_text_chars must be a positive integer, got "
                               f"{max_text_chars!r}", field="max_text_chars", limit=">= 1")
        self.max_text_chars = max_text_chars
        key = self.credential("api_key").reveal()
        if not key.startswith(_KEY_PREFIXES):
            # a warning only: the server is the judge (and proxies may use other keys)
            log.warning("the speechgen API key does not look like a Speechgen key "
                        "(sk_live_... or sk_test_...); sending it anyway")

    # -- transport hooks ---------------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credential('api_key').reveal()}"}

    def parse_error(self, response: HttpResponse) -> ErrorDetails:
        """Speechgen's envelope ``{"error": {"code", "message", "param"?}}``."""
        body = response.json_object()
        if body is None:
            return ErrorDetails(response.summary())
        inner = body.get("error")
        if isinstance(inner, dict):
            fields: Mapping[str, Any] = inner
        elif isinstance(inner, str):
            fields = {"message": body.get("message") or inner,
                      "code": body.get("code") or (inner if " " not in inner else None)}
        else:
            fields = body
        message = _text(fields.get("message")) or error_text(fields.get("detail"))
        code = _text(fields.get("code"))
        param = _text(fields.get("param"))
        message = message or (code.replace("_", " ") if code else f"HTTP {response.status}")
        if param:
            message += f" (param: {param})"
        if code == "invalid_voice":
            message += ("; list voices with list_voices(); a cloned voice is used by its "
                        "voice_id ('custom-...') once its model is ready")
        error = _CODE_ERRORS.get(code.lower()) if code else None
        return ErrorDetails(message, code=code, error=error)

    # -- voices ------------------------------------------------------------------------

    def list_voices(
        self, *, language: str | None = None, kind: str | None = None, **filters: Any
    ) -> Iterator[Voice]:
        """Stock voices (kind ``"stock"``, GET /voices), then the account's ready cloned
        models (kind ``"cloned"``, GET /models; ``id`` is the model's voice_id).

        Args:
            language: keep voices speaking it (``"en"`` matches ``"en-US"``).
            kind: ``"stock"`` or ``"cloned"`` (default both; the second request is only
                made when iteration gets there).
            gender: keep stock voices of this gender (``"female"``, ``"male"``...).
            style: keep stock voices offering this style.
        """
        gender = filters.pop("gender", None)
        style = filters.pop("style", None)
        self.reject_unknown(filters, "language, kind, gender, style", call="list_voices",
                            what="filter")
        for name, value in (("language", language), ("gender", gender), ("style", style)):
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise InvalidInput(f"{name} must be a non-empty string, got {value!r}",
                                   field=name, limit="non-empty string")
        if kind is not None and kind not in VOICE_KINDS:
            raise InvalidInput(f"kind must be one of {', '.join(VOICE_KINDS)}, got {kind!r}",
                               field="kind", limit=" or ".join(VOICE_KINDS))
        kinds = VOICE_KINDS if kind is None else (kind,)
        return self._voices(kinds, language, gender, style)

    def _voices(self, kinds: Sequence[str], language: str | None, gender: str | None,
                style: str | None) -> Iterator[Voice]:
        for kind in kinds:
            voices = self._stock_voices() if kind == "stock" else self._cloned_voices()
            for voice in voices:
                if language is not None and not voice.speaks(language):
                    continue
                if gender is not None and str(voice.raw.get("gender") or "").lower() \
                        != gender.strip().lower():
                    continue
                if style is not None and style.strip().lower() not in _styles(voice.raw):
                    continue
                yield voice

    def _stock_voices(self) -> Iterator[Voice]:
        body = self.http.json("GET", "/voices")
        for item in _items(body, "voices", "/voices"):
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

    def _stock_voice(self, item: Any) -> Voice:
        voice_id = _first_id(item, "id", "voice_id") if isinstance(item, Mapping) else None
        if not isinstance(item, Mapping) or voice_id is None:
            raise BadResponse(f"speechgen sent a voice without an id: {str(item)[:80]}",
                              provider=self.name)
        description = item.get("description")
        return Voice(id=voice_id, name=str(item.get("name") or voice_id),
                     provider=self.name, kind="stock", languages=_languages(item),
                     description=str(description) if description else None, raw=dict(item))

    def get_voice(self, voice: str | Voice) -> Voice:
        """One stock voice by id (GET /voices/{id}); NotFound if unknown."""
        voice_id = self._voice_param(voice)
        body = self.http.json("GET", f"/voices/{_segment(voice_id)}")
        item = body.get("voice", body) if isinstance(body, dict) else body
        found = self._stock_voice(item)
        if found.id.startswith("custom-"):
            return attrs.evolve(found, kind="cloned")
        return found

    # -- speech ------------------------------------------------------------------------

    def synthesize(
        self, text: str, *, voice: str | Voice, format: str | None = None, **options: Any
    ) -> Audio:
        """Speak ``text`` (POST /text-to-speech) and return the audio.

        Args:
            text: plain text or SSML (its tags count toward Speechgen's character limit).
            voice: a stock voice id, a cloned voice's ``"custom-..."`` voice_id, or a Voice.
            format: ``"wav"`` (default), ``"mp3"`` or ``"ogg"``.
            speed: rate multiplier (Speechgen's default 1.0; checked against
                ``speed_range``).
            pitch: pitch shift (Speechgen's default 0; checked against ``pitch_range``).
            max_credits: refuse locally if the text has more characters than this.

        Returns:
            :class:`Audio` with ``duration`` from ``X-Audio-Duration`` and
            ``metadata["characters_used"]`` from ``X-Characters-Used``.
        """
        speed = options.pop("speed", None)
        pitch = options.pop("pitch", None)
        max_credits = options.pop("max_credits", None)
        self.reject_unknown(options, "format, speed, pitch, max_credits", call="synthesize")
        payload = self.tts_payload(text, voice=voice, format=format, speed=speed, pitch=pitch)
        self.check_budget(self.estimate("synthesize", text=payload["text"]), max_credits)
        response = self.http.request("POST", "/text-to-speech", json=payload)
        audio = self._audio(response, payload["format"])
        used = audio.metadata.get("characters_used")
        self._emit("credits_spent", credits=used if used is not None else len(payload["text"]),
                   unit="characters", operation="synthesize")
        return audio

    def tts_payload(self, text: str, *, voice: str | Voice, format: str | None = None,
                    speed: float | None = None, pitch: float | None = None) -> dict[str, Any]:
        """The JSON body of POST /text-to-speech, validated locally (no request)."""
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("text must be a non-empty string", field="text",
                               limit="non-empty")
        if self.max_text_chars is not None and len(text) > self.max_text_chars:
            raise InvalidInput(
                f"text has {len(text)} characters; the limit is {self.max_text_chars} "
                "(SSML tags count)", field="text",
                limit=f"at most {self.max_text_chars} characters")
        fmt = validate.choice(format, FORMATS, field="format", default=DEFAULT_FORMAT)
        payload: dict[str, Any] = {"text": text, "voice": self._voice_param(voice),
                                   "format": fmt}
        if speed is not None:
            payload["speed"] = _check_number(speed, "speed", self.speed_range)
        if pitch is not None:
            payload["pitch"] = _check_number(pitch, "pitch", self.pitch_range)
        return payload

    def _voice_param(self, voice: str | Voice) -> str:
        voice_id = self.voice_id(voice)
        if voice_id.startswith(_MODEL_PREFIX):
            raise InvalidInput(
                f"{voice_id!r} is a Speechgen model_id, not a voice_id: text-to-speech takes "
                f"the model's voice_id ('custom-...'), available once the model is ready. "
                f"Use the Voice that clone_voice(...).wait() returns, or "
                f"get_model({voice_id!r}).voice_id", field="voice",
                limit="a voice_id (stock id or 'custom-...'), not a model_id ('vm_...')")
        return voice_id

    def _audio(self, response: HttpResponse, requested: str) -> Audio:
        data = response.content
        ctype = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        duration = _header_number(response.headers.get("X-Audio-Duration"))
        used = _header_number(response.headers.get("X-Characters-Used"))
        if ctype.endswith("json") or ctype.startswith("text/"):
            # Speechgen sends the audio itself; a JSON answer carrying the audio (a link
            # or base64) is read too, anything else is a clear BadResponse
            data, ctype, duration, used = self._json_audio(response, ctype, duration, used)
        if not data:
            raise BadResponse("speechgen sent an empty audio body", provider=self.name,
                              status=response.status, request_id=response.request_id)
        fmt = _CONTENT_FORMATS.get(ctype) or sniff_format(data[:64]) or requested
        metadata: dict[str, Any] = {
            "characters_used": int(used) if used is not None else None,
            "content_type": ctype or None,
            "request_id": response.request_id,
        }
        return Audio(data=data, format=fmt, duration=duration, metadata=metadata)

    def _json_audio(self, response: HttpResponse, ctype: str, duration: float | None,
                    used: float | None) -> tuple[bytes, str, float | None, float | None]:
        """(audio bytes, content type, duration, characters) from a JSON TTS answer."""
        body = response.json_object()
        if isinstance(body, Mapping) and isinstance(body.get("data"), Mapping):
            body = {**body, **body["data"]}
        if body is not None:
            if duration is None:
                duration = _header_number(_text(body.get("duration")
                                                if body.get("duration") is not None
                                                else body.get("audio_duration")))
            if used is None:
                used = _header_number(_text(body.get("characters_used")
                                            if body.get("characters_used") is not None
                                            else body.get("characters")))
            encoded = next((body[k] for k in ("audio", "audio_content", "audio_base64")
                            if isinstance(body.get(k), str) and body[k]), None)
            if encoded is not None and not encoded.startswith(("http://", "https://")):
                try:
                    return base64.b64decode(encoded, validate=True), "", duration, used
                except (binascii.Error, ValueError):
                    pass
            url = encoded or next((body[k] for k in ("audio_url", "url")
                                   if isinstance(body.get(k), str) and body[k]), None)
            if url is not None and url.startswith(("http://", "https://")):
                fetched = self.http.request("GET", url)
                kind = (fetched.headers.get("Content-Type") or "").split(";")[0]
                return fetched.content, kind.strip().lower(), duration, used
        raise BadResponse(f"speechgen answered text-to-speech with {ctype}, not audio: "
                          f"{response.content[:80]!r}", provider=self.name,
                          status=response.status, request_id=response.request_id)

    # -- cloning -----------------------------------------------------------------------

    def clone_voice(
        self,
        samples: AudioInput | Sequence[AudioInput],
        *,
        name: str,
        description: str | None = None,
        enhance_quality: bool | None = None,
        on_upload_progress: Callable[[int, int | None], None] | None = None,
        **options: Any,
    ) -> Job[Voice]:
        """Create a voice model from one recording (POST /voice-clone).

        Args:
            samples: one recording (path, bytes or binary file; a one-item list also
                works): MP3, WAV, M4A, FLAC or OGG by content, 10 s to 5 min, at most
                10 MB, one speaker.
            name: the model's name.
            description: optional text stored with the model.
            enhance_quality: ask Speechgen to clean the sample up (bool; default: the
                vendor's).
            on_upload_progress: called with (bytes sent, total) as the upload streams.

        Returns:
            ``Job[Voice]`` (kind ``"clone"``, id the model_id) polled every 5 s; its result
            is the usable cloned Voice (``id`` = the ``"custom-..."`` voice_id). A model
            that fails raises JobFailed with Speechgen's message.
        """
        enhance = enhance_quality
        self.reject_unknown(options, "name, description, enhance_quality",
                            call="clone_voice")
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput("name must be a non-empty string", field="name",
                               limit="non-empty")
        if description is not None and not isinstance(description, str):
            raise InvalidInput("description must be a string", field="description",
                               limit="a string")
        if enhance is not None and not isinstance(enhance, bool):
            raise InvalidInput(f"enhance_quality must be True or False, got {enhance!r}",
                               field="enhance_quality", limit="a bool")
        source = self.check_clone_sample(samples)
        fields: dict[str, Any] = {"audio": source, "name": name.strip()}
        if description:
            fields["description"] = description
        if enhance is not None:
            fields["enhance_quality"] = "true" if enhance else "false"
        body = self.http.json("POST", "/voice-clone", multipart=fields,
                              on_upload_progress=on_upload_progress)
        model = self._model(body)
        return Job(self, "clone", model.model_id, update=self._clone_update(model, initial=True),
                   context=_eta_context(model))

    def check_clone_sample(self, samples: AudioInput | Sequence[AudioInput]) -> AudioSource:
        """Validate a clone sample locally (format by content, size, duration); no request.

        The size comes from the file's metadata and the duration from its header (WAV) or
        mutagen (compressed formats): the file is never read whole.
        """
        if isinstance(samples, (list, tuple)):
            if len(samples) != 1:
                raise InvalidInput(
                    f"speechgen clones from exactly one recording, got {len(samples)}",
                    field="samples", limit="one recording")
            samples = samples[0]
        source = AudioSource.from_input(samples, field="samples")  # type: ignore[arg-type]
        source.require_max_size(CLONE_MAX_BYTES, field="samples")
        source.require_format(CLONE_FORMATS, field="samples")
        source.require_duration(minimum=CLONE_MIN_SECONDS, maximum=CLONE_MAX_SECONDS,
                                field="samples")
        return source

    def _refresh_clone(self, job: Job[Voice]) -> JobUpdate[Voice]:
        model = self.get_model(job.id)
        update = self._clone_update(model, initial=False)
        context = {**job.context, **_eta_context(model)}
        return attrs.evolve(update, context=context)

    def _clone_update(self, model: VoiceModel, *, initial: bool) -> JobUpdate[Voice]:
        status = model.status.lower()
        raw = dict(model.raw)
        state = JobState.from_vendor(status)
        if state is JobState.SUCCEEDED:
            if not model.voice_id:
                if initial:  # the first poll (GET /models/{id}) gives the voice_id
                    return JobUpdate(JobState.RUNNING, vendor_status=model.status, raw=raw)
                raise BadResponse(f"speechgen says model {model.model_id} is ready but sent "
                                  "no voice_id", provider=self.name)
            return JobUpdate(JobState.SUCCEEDED, vendor_status=model.status, progress=1.0,
                             result=model.as_voice(self.name), raw=raw)
        if state is JobState.FAILED:
            code, message = _failure(raw)
            return JobUpdate(
                JobState.FAILED, vendor_status=model.status, error_code=code,
                error_message=(f"speechgen could not create voice model {model.model_id}: "
                               f"{message}" if message else
                               f"speechgen could not create voice model {model.model_id} "
                               f"(status {model.status})"), raw=raw)
        return JobUpdate(state, vendor_status=model.status, raw=raw)

    # -- models (vendor-only) ------------------------------------------------------------

    def list_models(self) -> list[VoiceModel]:
        """The account's voice models, whatever their status (GET /models)."""
        body = self.http.json("GET", "/models")
        return [self._model(item) for item in _items(body, "models", "/models")]

    def get_model(self, model: str | VoiceModel | Voice) -> VoiceModel:
        """One voice model by model_id (GET /models/{model_id}); NotFound if unknown."""
        model_id = self._model_param(model)
        return self._model(self.http.json("GET", f"/models/{_segment(model_id)}"))

    def delete_model(self, model: str | VoiceModel | Voice) -> None:
        """Delete a voice model (DELETE /models/{model_id}); its voice stops working."""
        model_id = self._model_param(model)
        self.http.request("DELETE", f"/models/{_segment(model_id)}")

    def _model_param(self, model: str | VoiceModel | Voice) -> str:
        if isinstance(model, VoiceModel):
            return model.model_id
        if isinstance(model, Voice):
            model_id = model.raw.get("model_id")
            if not model_id:
                raise InvalidInput(f"voice {model.id} is not a cloned model's voice (it has "
                                   "no model_id)", field="model", limit="a model_id")
            return str(model_id)
        if not isinstance(model, str) or not model.strip():
            raise InvalidInput(f"model must be a model_id ('vm_...'), got {model!r}",
                               field="model", limit="a model_id")
        model_id = model.strip()
        if model_id.startswith("custom-"):
            raise InvalidInput(
                f"{model_id!r} is a voice_id; model operations take the model_id ('vm_...'): "
                "find it with list_models() or in the cloned Voice's raw['model_id']",
                field="model", limit="a model_id ('vm_...'), not a voice_id")
        return model_id

    def _model(self, body: Any) -> VoiceModel:
        if not isinstance(body, Mapping):
            raise BadResponse(f"speechgen sent a model that is not an object: {str(body)[:80]}",
                              provider=self.name)
        model_id = _first_id(body, "model_id", "id")
        if model_id is None:
            raise BadResponse(f"speechgen sent a model without model_id: {str(body)[:80]}",
                              provider=self.name)
        usage = _header_number(_text(body.get("usage_count")))
        samples = body.get("samples")
        voice_id = _first_id(body, "voice_id")
        return VoiceModel(
            model_id=str(model_id), name=str(body.get("name") or model_id),
            status=str(body.get("status") or "processing"),
            voice_id=voice_id,
            description=_text(body.get("description")),
            created_at=parse_datetime(body.get("created_at")),
            usage_count=int(usage) if usage is not None else None,
            estimated_completion=_eta(body),
            samples=tuple(s for s in samples if isinstance(s, Mapping))
            if isinstance(samples, list) else (),
            raw=dict(body),
        )

    # -- costs -------------------------------------------------------------------------

    def estimate(self, operation: str, **args: Any) -> Cost | None:
        """``synthesize``: the text's characters (Speechgen counts SSML tags too)."""
        if operation == "synthesize" and isinstance(args.get("text"), str):
            return Cost(credits=float(len(args["text"])), unit="characters", exact=False)
        return None


# -- helpers -----------------------------------------------------------------------------


def _check_range(value: tuple[float, float] | None, field: str) -> tuple[float, float] | None:
    if value is None:
        return None
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{field} must be (min, max) or None, got {value!r}", field=field,
                           limit="(min, max)") from None
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        raise InvalidInput(f"{field} must be finite with min <= max, got {value!r}",
                           field=field, limit="min <= max")
    return (low, high)


def _check_number(value: Any, field: str, bounds: tuple[float, float] | None
                  ) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        raise InvalidInput(f"{field} must be a number, got {value!r}", field=field,
                           limit="a finite number")
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        raise InvalidInput(f"{field}={value:g} is out of range; allowed {bounds[0]:g} to "
                           f"{bounds[1]:g}", field=field,
                           limit=f"{bounds[0]:g} to {bounds[1]:g}")
    # keep the caller's type: an integer stays an integer in the JSON (pitch's documented
    # default is the integer 0, and a strict server may refuse 2.0 for an integer field)
    return value if isinstance(value, int) else float(value)


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    return str(value) if isinstance(value, (str, int, float)) and str(value) else None


def _first_id(body: Mapping[str, Any], *keys: str) -> str | None:
    """The first of ``keys`` holding an id (a non-empty string or an integer) as str."""
    for key in keys:
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _items(body: Any, key: str, path: str) -> list[Any]:
    """The list in ``{key: [...]}``, ``{"data": [...]}`` or a bare list."""
    if isinstance(body, list):
        return body
    if isinstance(body, Mapping):
        for name in (key, "data", "items", "results"):
            if isinstance(body.get(name), list):
                return list(body[name])
    raise BadResponse(f"speechgen sent an unexpected body for {path}: {str(body)[:80]}",
                      provider="speechgen")


def _languages(item: Mapping[str, Any]) -> tuple[str, ...]:
    value = item.get("language", item.get("languages"))
    if isinstance(value, str) and value:
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value if v)
    return ()


def _styles(item: Mapping[str, Any]) -> set[str]:
    styles = item.get("styles")
    if isinstance(styles, list):
        return {str(s).lower() for s in styles}
    return set()


_UNITS = {"": 1.0, "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0,
          "m": 60.0, "min": 60.0, "mins": 60.0, "minute": 60.0, "minutes": 60.0,
          "ms": 0.001}


def _header_number(value: str | None) -> float | None:
    """A non-negative number from a header or a loose field: ``"2.5"``, ``"2.5s"``,
    ``"60 seconds"``, ``"1 minute"`` (as seconds), ``"~60"``; None when unreadable."""
    if value is None:
        return None
    text = value.strip().lstrip("~").strip().lower()
    number_part = text.rstrip("abcdefghijklmnopqrstuvwxyz").strip()
    unit = text[len(number_part):].strip() if text.startswith(number_part) else ""
    scale = _UNITS.get(unit)
    if scale is None:
        return None
    try:
        number = float(number_part) * scale
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _eta(body: Mapping[str, Any]) -> dt.datetime | None:
    """``estimated_completion`` (a time) or ``estimated_time`` (a time, or seconds from
    ``created_at``): Speechgen sends either."""
    for key in ("estimated_completion", "estimated_time"):
        value = body.get(key)
        when = parse_datetime(value)
        if when is not None:
            return when
        seconds = value if isinstance(value, (int, float)) and not isinstance(value, bool) \
            else _header_number(value) if isinstance(value, str) else None
        if seconds is not None and math.isfinite(seconds):
            start = parse_datetime(body.get("created_at")) or dt.datetime.now(dt.timezone.utc)
            return start + dt.timedelta(seconds=float(seconds))
    return None


def _eta_context(model: VoiceModel) -> dict[str, str]:
    if model.estimated_completion is None:
        return {}
    return {"estimated_completion": model.estimated_completion.isoformat()}


def _failure(raw: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(code, message) of a failed model, from whichever field Speechgen used."""
    error = raw.get("error")
    if isinstance(error, Mapping):
        return _text(error.get("code")), _text(error.get("message"))
    for key in ("error", "error_message", "failure_reason", "reason", "message"):
        if _text(raw.get(key)):
            return _text(raw.get("error_code")), _text(raw.get(key))
    return _text(raw.get("error_code")), None
