"""paginate() and the next-page readers: lazy walking, and every way a vendor can loop."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import voicekit_core as vk
from voicekit_core.paging import Page, names_next, next_cursor, next_page_number, paginate


def pages(book: Mapping[Any, Page[Any]]) -> tuple[Callable[[Any], Page[Any]], list[Any]]:
    """A fetch over ``book`` (cursor -> page) that records the cursors asked for."""
    asked: list[Any] = []

    def fetch(cursor: Any) -> Page[Any]:
        asked.append(cursor)
        return book[cursor]

    return fetch, asked


def test_walks_cursor_pages_until_next_is_none() -> None:
    fetch, asked = pages({None: Page([1, 2], "b"), "b": Page([3], "c"), "c": Page([4], None)})
    assert list(paginate(fetch)) == [1, 2, 3, 4]
    assert asked == [None, "b", "c"]


def test_is_lazy_and_fetches_a_page_only_when_its_items_are_needed() -> None:
    fetch, asked = pages({None: Page([1, 2], "b"), "b": Page([3], None)})
    items = paginate(fetch)
    assert asked == []
    assert list(itertools.islice(items, 2)) == [1, 2]
    assert asked == [None]


def test_an_empty_page_ends_the_listing_even_with_a_next_cursor() -> None:
    fetch, asked = pages({1: Page(["a"], 2), 2: Page([], 3)})
    assert list(paginate(fetch, start=1)) == ["a"]
    assert asked == [1, 2]


def test_page_numbers_with_next_page_number() -> None:
    data = list(range(7))

    def fetch(page: int) -> Page[int]:
        items = data[(page - 1) * 3: page * 3]
        return Page(items, next_page_number({}, page, len(items), 3))

    assert list(paginate(fetch, start=1)) == data


@pytest.mark.parametrize("book", [
    {None: Page([1], "a"), "a": Page([2], "a")},                       # same cursor again
    {None: Page([1], "a"), "a": Page([2], "b"), "b": Page([3], "a")},  # A -> B -> A
    {"a": Page([1], "b"), "b": Page([2], "a")},                        # back to the start
])
def test_a_repeated_cursor_is_a_bad_response(book: dict[Any, Page[int]]) -> None:
    fetch, _ = pages(book)
    start = None if None in book else "a"
    with pytest.raises(vk.BadResponse, match="paging repeated cursor") as info:
        list(paginate(fetch, start=start, provider="acme"))
    assert info.value.provider == "acme"


def test_a_page_of_items_already_listed_is_a_bad_response() -> None:
    # page numbers never repeat, but the vendor ignores them and serves page 1 forever
    def fetch(page: int) -> Page[dict[str, str]]:
        return Page([{"id": "x"}, {"id": "y"}], page + 1)

    with pytest.raises(vk.BadResponse, match="repeated items"):
        list(paginate(fetch, start=1, key=lambda item: item["id"]))


def test_without_a_key_the_same_page_twice_is_a_bad_response() -> None:
    with pytest.raises(vk.BadResponse, match="same page"):
        list(paginate(lambda page: Page(["x"], page + 1), start=1))


def test_items_seen_on_an_earlier_page_are_not_yielded_twice() -> None:
    fetch, _ = pages({None: Page(["a", "b"], 2), 2: Page(["b", "c", "c"], None)})
    assert list(paginate(fetch, key=str)) == ["a", "b", "c"]


def test_an_item_without_a_usable_key_is_a_bad_response() -> None:
    fetch, _ = pages({None: Page([{"id": "a"}, {"name": "no id"}], None)})
    with pytest.raises(vk.BadResponse, match="without a usable id"):
        list(paginate(fetch, key=lambda item: item["id"]))


def test_a_listing_that_never_ends_stops_at_max_pages() -> None:
    with pytest.raises(vk.BadResponse, match="did not end after 5 pages"):
        list(paginate(lambda n: Page([n], n + 1), start=0, max_pages=5))


@pytest.mark.parametrize("bad", [0, -1, True, 2.5, "10"])
def test_max_pages_is_checked_before_any_fetch(bad: Any) -> None:
    asked: list[Any] = []
    with pytest.raises(vk.InvalidInput, match="max_pages"):
        paginate(lambda c: asked.append(c) or Page([], None), max_pages=bad)
    assert asked == []


def test_unhashable_cursors_are_compared_by_value() -> None:
    asked: list[Any] = []

    def fetch(cursor: Any) -> Page[int]:
        asked.append(cursor)
        return Page([len(asked)], {"after": 1})  # the same dict cursor every time

    with pytest.raises(vk.BadResponse, match="repeated cursor"):
        list(paginate(fetch))
    assert asked == [None, {"after": 1}]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 5)), min_size=1, max_size=30),
       st.lists(st.lists(st.integers(0, 8), max_size=4), min_size=1, max_size=30))
def test_any_vendor_paging_ends_or_fails_typed(links: list[int | None],
                                                contents: list[list[int]]) -> None:
    """Whatever cursors and items a vendor serves, paging ends within its page budget and
    only a BadResponse can escape."""
    fetched = 0

    def fetch(cursor: int | None) -> Page[int]:
        nonlocal fetched
        fetched += 1
        index = 0 if cursor is None else cursor
        return Page(contents[index % len(contents)], links[index % len(links)])

    try:
        items = list(paginate(fetch, key=lambda item: item, max_pages=50))
    except vk.BadResponse:
        pass
    else:
        assert len(items) == len(set(items))
    assert fetched <= 7  # six distinct cursors and the start: a repeat is caught at once


# -- next_cursor ------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "expected"), [
    ({"nextCursor": "abc"}, "abc"),
    ({"next_cursor": 42}, "42"),
    ({"next": "https://api.example/v1/voices?limit=50&cursor=xyz"}, "xyz"),
    ({"next": "/v1/voices?page=3"}, "3"),
    ({"pagination": {"nextCursor": "p2"}}, "p2"),
    ({"meta": {"next": {"href": "?after=v9"}}}, "v9"),
    ({"links": {"next": "https://x.example/v?starting_after=z"}}, "z"),
    ({"nextCursor": None}, None),
    ({"nextCursor": ""}, None),
    ({"nextCursor": "abc", "hasMore": False}, None),
    ({"voices": []}, None),
    ([1, 2, 3], None),
    ("not a mapping", None),
])
def test_next_cursor_reads_tokens_and_links(body: Any, expected: str | None) -> None:
    assert next_cursor(body) == expected


def test_next_cursor_with_named_and_dotted_keys() -> None:
    body = {"cursor": "sent", "paging": {"after": "p2"}}
    assert next_cursor(body, "paging.after") == "p2"
    assert next_cursor(body, "missing", "paging.after") == "p2"
    assert next_cursor(body, "missing") is None


@pytest.mark.parametrize("body", [
    {"nextCursor": ["a"]},
    {"nextCursor": True},
    {"nextCursor": 1.5},
    {"next": "https://api.example/v1/voices?limit=50"},
    {"next": "http://[::1/v?cursor=a"},
])
def test_unreadable_cursors_and_links_are_bad_responses(body: Any) -> None:
    with pytest.raises(vk.BadResponse) as info:
        next_cursor(body, provider="acme")
    assert info.value.provider == "acme"


# -- next_page_number -----------------------------------------------------------------


@pytest.mark.parametrize(("body", "page", "count", "expected"), [
    ({}, 1, 20, 2),                                          # a full page: more may follow
    ({}, 2, 7, None),                                        # a short page is the last
    ({}, 1, 0, None),
    ({"pagination": {"hasNext": False}}, 1, 20, None),
    ({"pagination": {"hasNext": True}}, 1, 5, 2),
    ({"pagination": {"totalPages": 3}}, 3, 20, None),
    ({"pagination": {"totalPages": "4"}}, 3, 20, 4),
    ({"meta": {"total": 45}}, 2, 20, 3),
    ({"meta": {"total": 40}}, 2, 20, None),
    ({"nextPage": 5}, 4, 20, 5),
    ({"nextPage": None}, 4, 20, None),
    ({"pagination": {"totalPages": float("nan"), "total": "junk"}}, 1, 20, 2),
    ({"pagination": {"totalPages": 1e300}}, 1, 20, 2),
    ({"pagination": "garbage"}, 1, 3, None),
])
def test_next_page_number(body: Any, page: int, count: int, expected: int | None) -> None:
    assert next_page_number(body, page, count, 20 if count != 3 else 5) == expected


@pytest.mark.parametrize(("body", "expected"), [
    ({"items": []}, False),                      # says nothing: more may follow
    ({"nextCursor": None}, True),                # an explicit "no next page"
    ({"hasMore": False}, True),
    ({"pagination": {"next": "c2"}}, True),
    ({"pagination": "junk", "cursor": "c1"}, False),  # "cursor" may echo the one sent
    ([], False),
])
def test_names_next(body: Any, expected: bool) -> None:
    assert names_next(body) is expected


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
    | st.sampled_from(["https://x.example/v?cursor=", "?page=2", "/v?after=%ZZ", "http://[::1"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["next", "nextCursor", "hasMore", "pagination", "meta", "links",
                         "totalPages", "total", "nextPage", "href", "page"]) | st.text(max_size=4),
        inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_json, st.integers(-3, 10**6), st.integers(-3, 100), st.integers(-3, 100))
def test_next_page_readers_take_any_json(body: Any, page: int, count: int, limit: int) -> None:
    try:
        cursor = next_cursor(body, provider="acme")
    except vk.BadResponse:
        cursor = None
    assert cursor is None or isinstance(cursor, str)
    following = next_page_number(body, page, count, limit)
    assert following is None or isinstance(following, int)
