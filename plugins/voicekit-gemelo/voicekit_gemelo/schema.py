"""Gemelo's JSON payloads as attrs models (declarations only).

The vendor doc shows one shape (a bare list of ``{"id", "name", "description"}`` voices);
its Swagger and faithful servers add fields and envelopes. Every model lists the fields
the provider reads, camelCase on the wire; anything else stays in ``Voice.raw``.
"""

from __future__ import annotations

import functools
from typing import Any

import attrs
import cattrs

from voicekit_core import kit

__all__ = ["Envelope", "Label", "PreviewUrl", "Previews", "VoiceItem", "VoiceList", "converter"]


@attrs.frozen
class Label:
    """One voice label: ``{"category": "language", "label": "English"}`` or a plain string."""

    category: str | None = None
    label: str | None = None


@attrs.frozen
class PreviewUrl:
    """One of ``previewUrls``: a URL, or an object carrying one (``{"url", "language"}``)."""

    url: str | None = None


@attrs.frozen
class VoiceItem:
    """A TTS, VC or cloned voice (``GET /v1/tts/voices``, ``/v1/vc/voices``,
    ``/v1/cloned-voices``, the answer of ``POST /v1/cloned-voices``)."""

    id: str
    name: str | None = None
    description: str | None = None
    labels: tuple[Label, ...] | None = None
    language: str | None = None
    languages: tuple[str, ...] | None = None
    locale: str | None = None
    voice_type: str | None = None
    disabled: bool | None = None


@attrs.frozen
class Previews:
    """A voice's ``previewUrls`` (read from ``Voice.raw`` when one is downloaded)."""

    preview_urls: tuple[PreviewUrl, ...] | None = None


@attrs.frozen
class VoiceList:
    """A voice listing: the documented bare list is read as ``{"items": [...]}``; servers
    also wrap it as ``voices``, ``data`` or ``results``."""

    items: tuple[dict[str, Any], ...] | None = None
    voices: tuple[dict[str, Any], ...] | None = None
    data: tuple[dict[str, Any], ...] | None = None
    results: tuple[dict[str, Any], ...] | None = None

    @property
    def entries(self) -> tuple[dict[str, Any], ...]:
        return self.items or self.voices or self.data or self.results or ()


@attrs.frozen
class Envelope:
    """A voice object wrapped by an undocumented envelope (clone and rename answers)."""

    voice: dict[str, Any] | None = None
    data: dict[str, Any] | None = None
    item: dict[str, Any] | None = None
    cloned_voice: dict[str, Any] | None = None
    result: dict[str, Any] | None = None

    @property
    def inner(self) -> dict[str, Any] | None:
        return self.voice or self.data or self.item or self.cloned_voice or self.result


def _or_text(cls: type[Any], field: str, conv: cattrs.Converter) -> None:
    """``cls`` also given as a bare string (its ``field``)."""
    base = conv.get_structure_hook(cls)
    conv.register_structure_hook(
        cls, lambda value, kind: cls(**{field: value}) if isinstance(value, str)
        else base(value, kind))


@functools.cache
def converter() -> cattrs.Converter:
    """The plugin's converter (camelCase fields, lenient numbers), built on first use."""
    conv = kit.vendor_converter(camel_case=True)
    _or_text(Label, "label", conv)
    _or_text(PreviewUrl, "url", conv)
    return conv
