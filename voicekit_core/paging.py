"""Listings that come a page at a time, walked once for every vendor.

A provider writes how to fetch one page; :func:`paginate` does the walking and the guards
(a vendor that repeats a cursor, loops A -> B -> A, serves the same page again or never
ends stops with :class:`~voicekit_core.errors.BadResponse` instead of hanging)::

    def _voices(self) -> Iterator[Voice]:
        def fetch(cursor: str | None) -> Page[Voice]:
            body = self.http.json("GET", "/v1/voices", params={"cursor": cursor})
            return Page([self._voice(v) for v in body["voices"]], next_cursor(body))
        return paginate(fetch, key=lambda voice: voice.id, provider=self.name)
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

import attrs

from .errors import BadResponse, InvalidInput

__all__ = ["Page", "names_next", "next_cursor", "next_page_number", "paginate"]

T = TypeVar("T")

#: Envelopes that vendors put paging details in, looked at after the body's top level.
_ENVELOPES = ("pagination", "meta", "paging", "page_info", "pageInfo", "links", "_links")
_CURSOR_KEYS = ("nextCursor", "next_cursor", "nextPageToken", "next_page_token", "next",
                "nextPage", "next_page")
_MORE_KEYS = ("hasMore", "has_more", "hasNext", "has_next", "more")
#: Query parameters of a next-page link that carry the cursor (or the page number).
_URL_PARAMS = ("cursor", "nextCursor", "next_cursor", "page_token", "pageToken", "after",
               "starting_after", "continuation", "token", "page")


def _tuple(items: Iterable[T]) -> tuple[T, ...]:
    return tuple(items)


@attrs.frozen
class Page(Generic[T]):
    """One page of a listing: its ``items`` and where the next page is (None: the last)."""

    items: Sequence[T] = attrs.field(converter=_tuple)
    next: Any = None


def paginate(
    fetch: Callable[[Any], Page[T]],
    *,
    start: Any = None,
    max_pages: int = 10_000,
    key: Callable[[T], Hashable] | None = None,
    provider: str | None = None,
) -> Iterator[T]:
    """Yield the items of every page, fetching each page only when the previous one is used.

    ``fetch(cursor)`` returns the :class:`Page` at ``cursor`` (``start`` first: None, a page
    number...). Paging ends on an empty page or a page whose ``next`` is None.

    Args:
        key: an item's identity (``lambda v: v.id``). Items already yielded are skipped,
            and a page made only of them means the vendor repeats itself.
        max_pages: more pages than this means the listing does not end.

    Raises:
        BadResponse: a cursor came back again (``A -> B -> A``), a page repeated, or the
            listing did not end within ``max_pages``.
    """
    if isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1:
        raise InvalidInput(f"max_pages must be an int >= 1, got {max_pages!r}",
                           field="max_pages", limit=">= 1")
    return _walk(fetch, start, max_pages, key, provider)


def _walk(fetch: Callable[[Any], Page[T]], cursor: Any, max_pages: int,
          key: Callable[[T], Hashable] | None, provider: str | None) -> Iterator[T]:
    who = provider or "the vendor"
    cursors = {_identity(cursor)}
    seen: set[Hashable] = set()
    previous: tuple[T, ...] | None = None
    for _ in range(max_pages):
        page = fetch(cursor)
        items = tuple(page.items)
        if not items:
            return
        if key is None:
            if items == previous:
                raise BadResponse(f"{who} paging repeated the same page (cursor {cursor!r}); "
                                  "listing stopped", provider=provider)
            previous = items
            yield from items
        else:
            fresh = [(k, item) for k, item in ((_key(key, i, who, provider), i) for i in items)
                     if k not in seen]
            if not fresh:
                raise BadResponse(f"{who} paging repeated items already listed (cursor "
                                  f"{cursor!r}); listing stopped", provider=provider)
            for k, item in fresh:
                if k in seen:  # the same item twice on one page
                    continue
                seen.add(k)
                yield item
        if page.next is None:
            return
        cursor = page.next
        ident = _identity(cursor)
        if ident in cursors:
            raise BadResponse(f"{who} paging repeated cursor {cursor!r}; listing stopped",
                              provider=provider)
        cursors.add(ident)
    raise BadResponse(f"{who} paging did not end after {max_pages} pages; listing stopped",
                      provider=provider)


def _identity(cursor: Any) -> Hashable:
    try:
        hash(cursor)
    except TypeError:
        return ("unhashable", repr(cursor))
    return (type(cursor).__name__, cursor)


def _key(key: Callable[[T], Hashable], item: T, who: str, provider: str | None) -> Hashable:
    try:
        value = key(item)
        hash(value)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise BadResponse(f"{who} listed an item without a usable id: {str(item)[:80]}",
                          provider=provider) from exc
    return value


# -- reading where the next page is --------------------------------------------------------


def _places(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [body] + [body[k] for k in _ENVELOPES if isinstance(body.get(k), Mapping)]


def _lookup(body: Mapping[str, Any], path: str) -> tuple[bool, Any]:
    """``(found, value)`` of a dotted ``path`` (``"meta.next"``) in ``body``."""
    value: Any = body
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False, None
        value = value[part]
    return True, value


def names_next(body: Any) -> bool:
    """Whether ``body`` says where paging goes on, even "nowhere" (a next-cursor field, also
    a null one, or ``hasMore``), at the top level or in a paging envelope. A vendor whose
    answer says nothing may still have more pages (see :func:`next_page_number`)."""
    if not isinstance(body, Mapping):
        return False
    return any(k in place for place in _places(body) for k in (*_CURSOR_KEYS, *_MORE_KEYS))


def next_cursor(body: Any, *keys: str, provider: str | None = None) -> str | None:
    """The cursor of the next page named in ``body``, or None when there is none.

    ``keys`` are where to look (dotted paths allowed: ``"meta.next"``); by default the usual
    names (``nextCursor``, ``next_cursor``, ``next``, ``nextPageToken``...) at the top level
    and in ``pagination``/``meta``/``links`` envelopes. ``hasMore: false`` ends paging. A
    next-page link gives its ``cursor`` (or ``page``, ``after``...) query parameter.

    Raises:
        BadResponse: the cursor is not text or a number, or a next link has no cursor.
    """
    if not isinstance(body, Mapping):
        return None
    if keys:
        found = [value for found, value in (_lookup(body, k) for k in keys) if found]
    else:
        found = []
        for place in _places(body):
            if any(place.get(k) is False for k in _MORE_KEYS):
                return None
            found += [place[k] for k in _CURSOR_KEYS if k in place]
    for value in found:
        cursor = _cursor_text(value, provider)
        if cursor is not None:
            return cursor
    return None


def _cursor_text(value: Any, provider: str | None) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, Mapping):  # a links object: {"href": "..."}
        value = value.get("href", value.get("url"))
        if value is None:
            return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadResponse(f"{provider or 'the vendor'} sent a next-page cursor that is not "
                          f"text: {str(value)[:80]}", provider=provider)
    text = str(value)
    if "://" not in text and not text.startswith(("/", "?")):
        return text
    try:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(text).query)
    except ValueError as exc:
        raise BadResponse(f"{provider or 'the vendor'} sent a malformed next-page link: "
                          f"{text[:120]}", provider=provider) from exc
    for name in _URL_PARAMS:
        if query.get(name) and query[name][0]:
            return query[name][0]
    raise BadResponse(f"{provider or 'the vendor'} sent a next-page link without a cursor: "
                      f"{text[:120]}", provider=provider)


def _whole(value: Any) -> int | None:
    """A non-negative whole number from a vendor field (``"3"``, ``3.0``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, (int, float)) and math.isfinite(value) and value >= 0:
        return int(value)
    return None


def next_page_number(body: Any, page: int, count: int, limit: int) -> int | None:
    """The number of the page after ``page`` (which held ``count`` of at most ``limit``
    items), or None when ``page`` was the last.

    Read from ``hasNext``/``hasMore``, else ``nextPage``, ``totalPages`` or ``total`` (at
    the top level or in a ``pagination``/``meta`` envelope), else "a full page means more".
    """
    if count <= 0:
        return None
    places = _places(body) if isinstance(body, Mapping) else []
    for place in places:
        for name in _MORE_KEYS:
            if isinstance(place.get(name), bool):
                return page + 1 if place[name] else None
    for place in places:
        for name in ("nextPage", "next_page"):
            if name in place and not isinstance(place[name], Mapping):
                following = _whole(place[name])
                if place[name] is None:
                    return None
                if following is not None:
                    return following
        for name in ("totalPages", "total_pages", "pages", "pageCount", "page_count"):
            pages = _whole(place.get(name))
            if pages is not None:
                return page + 1 if page < pages else None
        for name in ("total", "totalCount", "total_count", "totalItems", "total_items"):
            total = _whole(place.get(name))
            if total is not None and limit > 0:
                return page + 1 if page * limit < total else None
    return page + 1 if count >= limit else None
