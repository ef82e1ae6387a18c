"""Beautyface payloads as declarations: what the vendor's JSON holds, read tolerantly.

Every answer may come wrapped (``{"speech": {...}}``, ``{"voices": [...]}``) or bare, ids may
be numbers, and optional fields may be missing or null; the readers here take each shape the
documentation and faithful implementations of it send, and anything else is BadResponse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from voicekit_core.errors import BadResponse
from voicekit_core.jobs import JobState
from voicekit_core.models import parse_datetime

__all__ = ["Speech", "credits_of", "speech_of", "text", "voice_items"]

PROVIDER = "beautyface"


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


def text(value: Any) -> str | None:
    """A scalar field as text (ids may be numbers); None for anything else or empty."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return str(value) or None


def number(value: Any) -> float | None:
    """A finite number, also from a numeric string; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, (int, float)) and abs(value) < float("inf") and value == value:
        return float(value)
    return None


def unwrap(body: Any, key: str, what: str) -> Mapping[str, Any]:
    """``body[key]`` when it is an object, else ``body`` itself (the bare shape)."""
    if not isinstance(body, Mapping):
        raise BadResponse(f"{PROVIDER} answered {what} with {str(body)[:80]}", provider=PROVIDER)
    inner = body.get(key)
    return inner if isinstance(inner, Mapping) else body


def speech_of(item: Mapping[str, Any], fallback_id: str) -> Speech:
    """A :class:`Speech` from a speech object (status inferred from the audio when absent)."""
    voice = item.get("voice")
    voice_id = item.get("voiceId") or (voice.get("id") if isinstance(voice, Mapping) else None)
    used = number(item.get("creditsUsed"))
    audio_url = text(item.get("audioUrl"))
    return Speech(
        id=text(item.get("id")) or fallback_id,
        status=text(item.get("status")) or ("COMPLETED" if audio_url else "PROCESSING"),
        format=text(item.get("format")),
        text=text(item.get("text")),
        audio_url=audio_url,
        duration=number(item.get("duration")),
        credits_used=int(used) if used is not None and abs(used) < 1e15 else None,
        voice_id=text(voice_id),
        created_at=parse_datetime(item.get("createdAt")),
        updated_at=parse_datetime(item.get("updatedAt")),
        raw=dict(item),
    )


def voice_items(body: Any) -> list[Mapping[str, Any]]:
    """The voice objects of a ``GET /voices`` page (``voices``, ``data`` or a bare list)."""
    items = body.get("voices", body.get("data")) if isinstance(body, Mapping) else body
    if items is None and isinstance(body, Mapping) and "voices" in body:
        items = []  # "voices": null on an empty account
    if not isinstance(items, list):
        raise BadResponse(f"{PROVIDER} sent an unexpected /voices body: {str(body)[:80]}",
                          provider=PROVIDER)
    voices = [i for i in items if isinstance(i, Mapping) and text(i.get("id"))]
    if len(voices) != len(items):
        raise BadResponse(f"{PROVIDER} sent a voice without an id", provider=PROVIDER)
    return voices


def languages(item: Mapping[str, Any]) -> tuple[str, ...]:
    """A voice's languages (``languages``/``language``/``locale``), else its tags."""
    for key in ("languages", "language", "locale"):
        value = item.get(key)
        if isinstance(value, str) and value:
            return (value,)
        if isinstance(value, list):
            return tuple(str(v) for v in value if isinstance(v, (str, int)) and str(v))
    return ()


def tags(item: Mapping[str, Any]) -> tuple[str, ...]:
    """A voice's tags: a list, or a comma-separated string as the clone request takes."""
    value = item.get("tags")
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return ()
    return tuple(s for s in (str(t).strip() for t in value if isinstance(t, (str, int))) if s)


def failure(raw: Mapping[str, Any]) -> str | None:
    """The vendor's reason for a failed speech or clone, where it gives one."""
    for key in ("error", "errorMessage", "failureReason", "reason", "message"):
        value = raw.get(key)
        if isinstance(value, Mapping):
            value = value.get("message")
        if text(value):
            return text(value)
    return None


def credits_of(body: Any) -> tuple[float | None, dict[str, float], dt.datetime | None]:
    """``GET /credits``: the total, the regular/permanent breakdown and the monthly reset."""
    if not isinstance(body, Mapping):
        return None, {}, None
    breakdown: dict[str, float] = {}
    resets_at = None
    parts = body.get("breakdown")
    if isinstance(parts, Mapping):
        for key in ("regular", "permanent"):
            value = number(parts.get(key))
            if value is not None:
                breakdown[key] = value
        resets_at = parse_datetime(parts.get("resetAt"))
    total = number(body.get("credits"))
    if total is None and len(breakdown) == 2:  # the total is regular + permanent
        total = breakdown["regular"] + breakdown["permanent"]
    return total, breakdown, resets_at


def created_times(items: Sequence[Mapping[str, Any]]) -> list[dt.datetime | None]:
    return [parse_datetime(i.get("createdAt")) for i in items]
