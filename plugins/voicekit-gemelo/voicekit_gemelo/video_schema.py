"""Payloads of Gemelo's v2 video API (snake_case on the wire), read tolerantly: the bodies
are not documented, so a video is ``id`` or ``video_id``, its state a ``ready`` flag or a
``status``/``state`` word, and a listing a bare list or an envelope."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, TypeVar

import attrs
import cattrs

from voicekit_core import kit
from voicekit_core.errors import BadResponse

__all__ = ["Listing", "VideoItem", "read"]

T = TypeVar("T")
_TRUE = (True, "true", "True", 1)


@attrs.frozen
class VideoItem(kit.VendorStatus):
    """A video (or, for its id and name, a twin or a voice) as Gemelo may write it."""

    id: Any = None
    video_id: Any = None
    ready: Any = None
    name: str | None = None
    description: str | None = None
    duration: Any = None
    video: dict[str, Any] | None = attrs.field(default=None, repr=False)
    data: dict[str, Any] | None = attrs.field(default=None, repr=False)

    def inner(self, body: Any) -> Any:
        """The video object of an answer: ``{"video": {...}}``, ``{"data": {...}}`` or bare."""
        return self.video or self.data or body

    @property
    def key(self) -> str | None:
        """The id (``video_id`` or ``id``) as text; None without one."""
        for value in (self.video_id, self.id):
            if isinstance(value, (str, int)) and not isinstance(value, bool) and \
                    str(value).strip():
                return str(value).strip()
        return None

    @property
    def state_word(self) -> str:
        """``"ready"`` once the ``ready`` flag is true, else the status word (lower case),
        else ``"processing"``."""
        if self.ready in _TRUE:
            return "ready"
        return (self.word or "processing").lower()


@attrs.frozen
class Listing:
    """A listing: a bare list (read as ``items``) or wrapped under a key."""

    items: tuple[dict[str, Any], ...] | None = None
    data: tuple[dict[str, Any], ...] | None = None
    results: tuple[dict[str, Any], ...] | None = None
    twins: tuple[dict[str, Any], ...] | None = None
    videos: tuple[dict[str, Any], ...] | None = None
    voices: tuple[dict[str, Any], ...] | None = None

    def entries(self, key: str) -> tuple[dict[str, Any], ...] | None:
        for found in (getattr(self, key, None), self.items, self.data, self.results):
            if found is not None:
                return found
        return None


@functools.cache
def converter() -> cattrs.Converter:
    conv = kit.vendor_converter()
    kit.wrap_bare(conv, Listing, shape=list, field="items")
    return conv


def read(body: Any, model: type[T], what: str) -> T:
    """``body`` as ``model``; BadResponse naming ``what`` when it does not fit."""
    if model is VideoItem and not isinstance(body, Mapping):
        raise BadResponse(f"gemelo sent {str(body)[:80]!r} for the {what}", provider="gemelo")
    return kit.structure(converter(), body, model, what=what, provider="gemelo")
