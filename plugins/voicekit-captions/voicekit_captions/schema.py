"""Captions payloads: the status answer as an attrs model, and the tolerant reading of the
listings (names, or objects naming them, bare or under a key) the documentation leaves open.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import attrs
import cattrs
from voicekit_core import kit
from voicekit_core.errors import BadResponse

__all__ = ["Status", "listing", "name_of", "operation_id", "read_status"]


@attrs.frozen
class Status(kit.VendorStatus):
    """``/twin/status`` and ``/creator/poll``: ``state`` (or ``status``), ``progress`` (a
    percentage), and once done a ``url`` (videos) or the twin's name."""

    progress_in_percent = True  # Captions documents 0-100

    url: Any = None
    video_url: Any = None
    duration: Any = None
    twin_name: Any = None
    name: Any = None
    twin: Any = None
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def upper(self) -> str:
        """The vendor's state word, upper-cased ("" when none)."""
        return (self.word or "").upper()

    @property
    def video(self) -> str | None:
        link = self.url or self.video_url
        return link if isinstance(link, str) and link else None

    @property
    def reason(self) -> str | None:
        """Why it failed: the body's ``detail``/``error``/``message``..., or ``failureReason``."""
        return kit.error_text(self.raw) or kit.error_text(self.raw.get("failureReason"))


@functools.cache
def converter() -> cattrs.Converter:
    return kit.vendor_converter(camel_case=True)


def read_status(body: Any, what: str) -> Status:
    """A status answer; BadResponse naming ``what`` when it is not an object."""
    if not isinstance(body, Mapping):
        raise BadResponse(f"captions {what} sent {str(body)[:80]!r}", provider="captions")
    status = kit.structure(converter(), body, Status, what=what, provider="captions")
    return attrs.evolve(status, raw=dict(body))


def listing(body: Any, *keys: str, what: str) -> list[Any]:
    """The list a body carries: the body itself, under one of ``keys``, or the only list
    among its values; names or objects (BadResponse naming ``what`` otherwise)."""
    return kit.listing(body, *keys, what=what, provider="captions", objects=False,
                       sole_list=True)


def name_of(item: Any, *fields: str) -> str | None:
    """A non-empty name: the item itself if it is a string, else its first string field."""
    if isinstance(item, Mapping):
        item = next((item[f] for f in fields if isinstance(item.get(f), str)), None)
    return item.strip() if isinstance(item, str) and item.strip() else None


def names(body: Any, keys: tuple[str, ...], fields: tuple[str, ...]) -> list[str] | None:
    """The names listed in ``body`` (see :func:`listing`); an object of names
    (``{"English": "en"}``) gives its keys; None when nothing is listed."""
    try:
        items: list[Any] | None = listing(body, *keys, what="list")
    except BadResponse:
        items = None
    if items is None and isinstance(body, Mapping):
        inner = next((body[k] for k in keys if k in body), body)
        if isinstance(inner, Mapping) and inner and all(
                isinstance(k, str) and not isinstance(v, (list, Mapping))
                for k, v in inner.items()):
            items = list(inner)
    if items is None:
        return None
    return [n for n in (name_of(i, *fields) for i in items) if n]


#: Job context key set when the vendor's operationId was a JSON number (sent back as one).
NUMERIC_ID = "operation_id_type"


def operation_id(body: Any) -> tuple[str, dict[str, str]]:
    """The operation id of a create/submit answer, and the job context to keep: a numeric
    id is remembered as such, to be sent back as a number."""
    if isinstance(body, Mapping):
        for field in ("operationId", "operation_id", "id"):
            value = body.get(field)
            if isinstance(value, bool) or not isinstance(value, (str, int)) or \
                    not str(value).strip():
                continue
            return str(value).strip(), ({NUMERIC_ID: "int"} if isinstance(value, int) else {})
    raise BadResponse(f"captions sent no operationId: {str(body)[:80]}", provider="captions")
