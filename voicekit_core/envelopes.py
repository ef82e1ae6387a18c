"""Listing envelopes read tolerantly: the items of a vendor's list answer, whatever wraps them.

Vendors answer a listing as a bare list, or wrap it (``{"voices": [...]}``, ``{"data":
[...]}``, ``{"items": [...]}``, ``{"results": [...]}``), sometimes differently from what
they document. :func:`listing` reads them all, and nothing else: any other shape is
:class:`~voicekit_core.errors.BadResponse`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import BadResponse
from .validate import show

__all__ = ["ENVELOPES", "listing"]

#: The envelope keys tried after the ones a call names.
ENVELOPES: tuple[str, ...] = ("items", "data", "results")


def listing(body: Any, *keys: str, what: str, provider: str, objects: bool = True,
            missing_ok: bool = False, sole_list: bool = False) -> list[Any]:
    """The items of a listing answer ``body``: the body itself when it is a list, else the
    list under the first of ``keys`` (then ``items``, ``data``, ``results``) that holds one;
    ``[]`` when such a key is present but null (an empty account).

    With ``objects`` every item must be a JSON object. With ``missing_ok`` an object naming
    none of the keys is an empty listing; with ``sole_list``, the only list among its
    values is the listing (for vendors that leave the key undocumented). Anything else is
    BadResponse naming ``what``; no other exception escapes, whatever ``body`` holds.
    """
    tried = tuple(dict.fromkeys((*keys, *ENVELOPES)))
    items: list[Any] | None = None
    if isinstance(body, list):
        items = list(body)
    elif isinstance(body, Mapping):
        found = next((body[k] for k in tried if isinstance(body.get(k), list)), None)
        if found is not None:
            items = list(found)
        elif any(k in body and body[k] is None for k in tried):
            items = []
        elif sole_list and len(lists := [v for v in body.values() if isinstance(v, list)]) == 1:
            items = list(lists[0])
        elif missing_ok:
            items = []
    if items is None:
        raise BadResponse(f"{provider} sent a {what} that is not a listing (a list, or one "
                          f"under {', '.join(tried)}): {show(body, 80)}", provider=provider)
    strays = [item for item in items if not isinstance(item, Mapping)] if objects else []
    if strays:
        raise BadResponse(f"{provider} sent a {what} listing {show(strays[0], 80)} where an "
                          "object belongs", provider=provider)
    return items
