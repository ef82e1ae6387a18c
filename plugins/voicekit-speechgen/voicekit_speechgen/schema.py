"""Speechgen's JSON payloads as attrs models (declarations only).

The vendor doc shows bare objects (``POST /voice-clone``, ``GET /models/{model_id}``);
faithful servers add envelopes (``{"models": [...]}``, ``{"data": [...]}``, a bare list),
integer ids, numbers as strings and ETAs in several shapes. Every model lists the fields
the provider reads; anything else stays in ``raw``. Anything that does not fit is
BadResponse (through :func:`read`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
from typing import Any

import attrs
import cattrs
from voicekit_core import kit, validate
from voicekit_core.errors import BadResponse, InvalidInput
from voicekit_core.models import Voice, parse_datetime

__all__ = ["STATES", "ModelItem", "TtsAnswer", "VoiceItem", "VoiceModel", "converter",
           "read"]

#: A model's status words: ``processing``, then ``ready`` or ``failed``.
STATES = kit.StatusMap(running={"processing"}, succeeded={"ready"}, failed={"failed"})


def _first(*values: str | None) -> str | None:
    return next((v.strip() for v in values if isinstance(v, str) and v.strip()), None)


@attrs.frozen
class VoiceItem:
    """A stock voice (``GET /voices``, ``GET /voices/{id}``): ``id`` or ``voice_id``;
    ``language`` a code or a list of codes."""

    id: str | None = None
    voice_id: str | None = None
    name: str | None = None
    description: str | None = None
    language: Any = None  # a code or a list of codes
    languages: tuple[str, ...] | None = None
    gender: str | None = None
    styles: tuple[str, ...] | None = None

    @property
    def ident(self) -> str | None:
        return _first(self.id, self.voice_id)

    @property
    def spoken(self) -> tuple[str, ...]:
        found = [self.language] if isinstance(self.language, str) else self.language
        values = [*(found if isinstance(found, list) else ()), *(self.languages or ())]
        return tuple(str(v) for v in values if isinstance(v, (str, int)) and str(v))


@attrs.frozen
class ErrorBody:
    """Why a model failed: ``{"code", "message"}``, or a bare message."""

    code: str | None = None
    message: str | None = None


@attrs.frozen
class ModelItem:
    """A voice model (``POST /voice-clone``, ``GET /models[/{model_id}]``)."""

    model_id: str | None = None
    id: str | None = None
    name: str | None = None
    description: str | None = None
    status: str | None = None
    voice_id: str | None = None
    created_at: dt.datetime | None = None
    usage_count: int | None = None
    estimated_completion: Any = None
    estimated_time: Any = None
    samples: tuple[Any, ...] | None = None
    error: ErrorBody | None = None
    error_code: str | None = None
    error_message: str | None = None
    failure_reason: str | None = None
    reason: str | None = None
    message: str | None = None

    @property
    def ident(self) -> str | None:
        return _first(self.model_id, self.id)

    @property
    def eta(self) -> dt.datetime | None:
        """``estimated_completion`` (a time) or ``estimated_time`` (a time, or seconds from
        ``created_at``): Speechgen sends either."""
        for value in (self.estimated_completion, self.estimated_time):
            when = parse_datetime(value)
            seconds = kit.duration_seconds(value)
            if when is None and seconds is not None and seconds < 1e9:
                start = self.created_at or dt.datetime.now(dt.timezone.utc)
                when = start + dt.timedelta(seconds=seconds)
            if when is not None:
                return when
        return None

    @property
    def failure(self) -> tuple[str | None, str | None]:
        """(code, message) of a failed model, from whichever field Speechgen used."""
        error = self.error or ErrorBody()
        return _first(error.code, self.error_code), _first(
            error.message, self.error_message, self.failure_reason, self.reason, self.message)


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
    samples: tuple[dict[str, Any], ...] = ()
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False)
    #: (code, message) of a failed model
    failure: tuple[str | None, str | None] = attrs.field(default=(None, None), repr=False,
                                                         eq=False)

    @classmethod
    def read(cls, body: Any, what: str) -> VoiceModel:
        """A model from Speechgen's JSON; BadResponse when it is not one."""
        item = read(body, ModelItem, what)
        if item.ident is None:
            raise BadResponse("speechgen sent a model without model_id: "
                              f"{validate.show(body, 80)}", provider="speechgen")
        return cls(model_id=item.ident, name=item.name or item.ident,
                   status=item.status or "processing", voice_id=item.voice_id or None,
                   description=item.description or None, created_at=item.created_at,
                   usage_count=item.usage_count, estimated_completion=item.eta,
                   samples=tuple(x for x in item.samples or () if isinstance(x, dict)),
                   raw=dict(body), failure=item.failure)

    @property
    def ready(self) -> bool:
        return STATES.state(self.status) is kit.JobState.SUCCEEDED

    @property
    def failed(self) -> bool:
        return STATES.state(self.status) is kit.JobState.FAILED

    @property
    def eta_context(self) -> dict[str, str]:
        """The ETA as a job context entry (none when unknown)."""
        when = self.estimated_completion
        return {} if when is None else {"estimated_completion": when.isoformat()}

    def as_voice(self, provider: str = "speechgen") -> Voice:
        """The usable voice of a ready model (InvalidInput while it is not ready)."""
        if not self.ready or not self.voice_id:
            raise InvalidInput(
                f"voice model {self.model_id} is {self.status}; its voice can be used once "
                "the status is ready", field="model", limit="status ready")
        return Voice(id=self.voice_id, name=self.name, provider=provider, kind="cloned",
                     description=self.description, raw=dict(self.raw))


@attrs.frozen
class TtsAnswer:
    """A text-to-speech answer in JSON (a variant of the binary one): the audio as base64
    or a link, its duration and the characters charged, maybe under ``data``."""

    audio: str | None = None
    audio_content: str | None = None
    audio_base64: str | None = None
    audio_url: str | None = None
    url: str | None = None
    duration: Any = None
    audio_duration: Any = None
    characters_used: Any = None
    characters: Any = None
    data: TtsAnswer | None = None

    @property
    def inner(self) -> TtsAnswer:
        return attrs.evolve(self.data, data=None) if self.data is not None else self

    @property
    def seconds(self) -> float | None:
        return kit.duration_seconds(self.duration if self.duration is not None
                                else self.audio_duration)

    @property
    def link(self) -> str | None:
        found = _first(self.audio, self.audio_content, self.audio_base64, self.audio_url,
                       self.url)
        return found if found and found.startswith(("http://", "https://")) else None

    @property
    def decoded(self) -> bytes | None:
        """The base64 audio, or None (absent, a link, or not base64)."""
        encoded = _first(self.audio, self.audio_content, self.audio_base64)
        if encoded is None or encoded.startswith(("http://", "https://")):
            return None
        try:
            return base64.b64decode(encoded, validate=True) or None
        except (binascii.Error, ValueError):
            return None


@functools.cache
def converter() -> cattrs.Converter:
    """The plugin's converter (snake_case fields, lenient numbers), built on first use."""
    conv = kit.vendor_converter()
    kit.wrap_bare(conv, ErrorBody, shape=str, field="message")
    return conv


#: ``read(body, Model, what)``: ``body`` as ``Model``; BadResponse naming ``what``
read = kit.reader(converter, "speechgen")
