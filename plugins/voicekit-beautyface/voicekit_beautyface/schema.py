"""Beautyface payloads as attrs models (declarations only), camelCase on the wire.

Answers may come wrapped (``{"speech": {...}}``, ``{"voice": {...}}``, ``{"voices": [...]}``)
or bare; ids may be numbers; optional fields may be missing or null. Anything that does not
fit is BadResponse (through :func:`read`). Voice objects stay dicts: ``Voice.raw`` keeps
them whole, and :class:`VoiceItem` reads the fields voicekit uses.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import cattrs
from voicekit_core import kit
from voicekit_core.errors import BadResponse

__all__ = ["CloneAnswer", "Credits", "Speech", "SpeechAnswer", "VoiceItem", "older_than",
           "read", "voice_items"]


@attrs.frozen
class VoiceRef:
    id: str | None = None


@attrs.frozen
class Failing:
    """The fields in which the vendor may say why a speech or a clone failed."""

    error: Any = attrs.field(default=None, repr=False)
    error_message: str | None = attrs.field(default=None, repr=False)
    failure_reason: str | None = attrs.field(default=None, repr=False)
    reason: str | None = attrs.field(default=None, repr=False)

    @property
    def failure(self) -> str | None:
        """The vendor's reason for a failure, where it gives one."""
        error = self.error.get("message") if isinstance(self.error, dict) else self.error
        return next((str(r) for r in (error, self.error_message, self.failure_reason,
                                      self.reason) if isinstance(r, str) and r), None)


@attrs.frozen
class Speech(Failing):
    """A text-to-speech task (``GET /tts/{speechId}``).

    ``audio_url`` is set once ``status`` is ``COMPLETED``; it points at the storage host
    (fetch it with :meth:`BeautyfaceProvider.fetch_speech`, which sends no credentials).
    """

    id: str | None = None
    status: str | None = None
    format: str | None = None
    text: str | None = None
    audio_url: str | None = attrs.field(default=None, repr=False)
    duration: float | None = None
    credits_used: float | None = None
    voice_id: str | None = None
    voice: VoiceRef | None = attrs.field(default=None, repr=False)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def state(self) -> kit.JobState:
        return kit.JobState.from_vendor(self.status)


@attrs.frozen
class SpeechAnswer:
    """``POST /tts`` / ``GET /tts/{id}``: ``{speechId, creditsUsed, speech}`` or bare."""

    speech_id: str | None = None
    credits_used: float | None = None
    speech: dict[str, Any] | None = None


@attrs.frozen
class CloneAnswer:
    """``POST /voice-clone``: ``{voiceId, voice}``, or the voice object itself."""

    voice_id: str | None = None
    id: str | None = None
    voice: dict[str, Any] | None = None


@attrs.frozen
class VoiceItem(Failing):
    """The fields of a voice object that voicekit reads (the rest stays in ``raw``)."""

    id: str = attrs.field(kw_only=True)
    title: str | None = None
    description: str | None = None
    type: str | None = None
    is_public: bool | None = None
    status: str | None = None
    created_at: dt.datetime | None = None
    language: str | None = None
    languages: tuple[str, ...] | None = None
    locale: str | None = None

    @property
    def languages_stated(self) -> tuple[str, ...]:
        return self.languages or tuple(x for x in (self.language, self.locale) if x)


@attrs.frozen
class Breakdown:
    regular: float | None = None
    permanent: float | None = None
    reset_at: dt.datetime | None = None


@attrs.frozen
class Credits:
    """``GET /credits``: the total and its regular (monthly) / permanent breakdown."""

    credits: float | None = None
    breakdown: Breakdown | None = None

    @property
    def total(self) -> float | None:
        parts = self.breakdown
        if self.credits is None and parts and None not in (parts.regular, parts.permanent):
            return (parts.regular or 0.0) + (parts.permanent or 0.0)
        return self.credits


@functools.cache
def converter() -> cattrs.Converter:
    """The plugin's converter (camelCase, lenient numbers), built on first use."""
    return kit.vendor_converter(camel_case=True)


#: ``read(body, Model, what)``: ``body`` as ``Model``; BadResponse naming ``what``
read = kit.reader(converter, "beautyface")


def tags(raw: dict[str, Any]) -> tuple[str, ...]:
    """A voice's tags: a list, or a comma-separated string as the clone request takes."""
    value = raw.get("tags")
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return ()
    return tuple(s for s in (str(t).strip() for t in value if isinstance(t, (str, int))) if s)


def older_than(items: Sequence[Mapping[str, Any]], since: dt.datetime) -> bool:
    """Whether a page proves that later pages hold only voices made before ``since``: it
    is sorted newest first (checked, not trusted) and its last voice is older."""
    times = [read(i, VoiceItem, "voice").created_at for i in items]
    known = [t for t in times if t is not None]
    if not known or len(known) != len(times) or times[-1] is None:
        return False
    in_order = all(a >= b for a, b in itertools.pairwise(known))
    return in_order and times[-1] < since


def voice_items(body: Any) -> list[Mapping[str, Any]]:
    """The voice objects of a ``GET /voices`` page (``voices``, ``data`` or a bare list;
    ``voices: null`` on an empty account)."""
    voices = kit.listing(body, "voices", what="GET /voices answer", provider="beautyface")
    if any(voice.get("id") in (None, "") for voice in voices):
        raise BadResponse("beautyface sent a voice without an id", provider="beautyface")
    return voices
