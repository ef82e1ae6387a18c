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

__all__ = ["VideoItem", "read"]

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


@functools.cache
def converter() -> cattrs.Converter:
    return kit.vendor_converter()


def read(body: Any, model: type[T], what: str) -> T:
    """``body`` as ``model``; BadResponse naming ``what`` when it does not fit."""
    if model is VideoItem and not isinstance(body, Mapping):
        raise BadResponse(f"gemelo sent {str(body)[:80]!r} for the {what}", provider="gemelo")
    return kit.structure(converter(), body, model, what=what, provider="gemelo")
