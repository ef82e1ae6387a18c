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

__all__ = ["Envelope", "Label", "PreviewUrl", "Previews", "VoiceItem", "converter"]


#: Label categories that name a language.
LANGUAGE_CATEGORIES = ("language", "languages", "lang", "locale")


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

    @property
    def spoken(self) -> tuple[str, ...]:
        """Language codes from the language labels and fields (``"English"`` -> ``"en"``)."""
        values = [x.label for x in self.labels or ()
                  if x.label and (x.category or "").lower() in LANGUAGE_CATEGORIES]
        values += [v for v in (self.language, self.locale, *(self.languages or ())) if v]
        codes = [kit.language_code(v.strip()) or v.strip() for v in values]
        return tuple(dict.fromkeys(c for c in codes if c))

    @property
    def label_texts(self) -> frozenset[str]:
        """Every label, lower-cased (any category)."""
        return frozenset((x.label or "").strip().lower() for x in self.labels or ())


@attrs.frozen
class Previews:
    """A voice's ``previewUrls`` (read from ``Voice.raw`` when one is downloaded)."""

    preview_urls: tuple[PreviewUrl, ...] | None = None


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


@functools.cache
def converter() -> cattrs.Converter:
    """The plugin's converter (camelCase fields, lenient numbers), built on first use."""
    conv = kit.vendor_converter(camel_case=True)
    kit.wrap_bare(conv, Label, shape=str, field="label")
    kit.wrap_bare(conv, PreviewUrl, shape=str, field="url")
    return conv
