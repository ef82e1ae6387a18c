"""kit.listing: a listing's items whatever envelope wraps them; anything else is BadResponse."""

from __future__ import annotations

import functools
from typing import Any

import attrs
import cattrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import voicekit_core as vk
from voicekit_core import kit
from voicekit_core.envelopes import listing
from voicekit_core.schema import Reader, reader, vendor_converter

A, B = {"id": 1}, {"id": 2}


@pytest.mark.parametrize(("body", "keys", "expected"), [
    ([A, B], (), [A, B]),
    ({"voices": [A]}, ("voices",), [A]),
    ({"items": [A]}, (), [A]),
    ({"data": [A, B]}, ("voices",), [A, B]),
    ({"results": [B]}, ("models",), [B]),
    ({"voices": None}, ("voices",), []),                 # an empty account
    ({"voices": None, "data": [A]}, ("voices",), [A]),   # a list wins over a null
    ({"voices": [A], "data": [B]}, ("voices",), [A]),    # the named key first
    ({"models": [B], "items": [A]}, ("models",), [B]),
    ({"voices": "none", "data": [A]}, ("voices",), [A]),  # a key holding no list is skipped
    ([], (), []),
])
def test_listing_reads_every_envelope(body: Any, keys: tuple[str, ...],
                                      expected: list[Any]) -> None:
    assert listing(body, *keys, what="GET /voices answer", provider="acme") == expected


@pytest.mark.parametrize("body", [
    {}, {"voices": "x"}, {"total": 3}, "voices", 7, None, True, {"voice": [A]},
])
def test_anything_else_is_bad_response_naming_what_and_keys(body: Any) -> None:
    with pytest.raises(vk.BadResponse) as info:
        listing(body, "voices", what="GET /voices answer", provider="acme")
    assert "GET /voices answer" in info.value.message
    assert "voices, items, data, results" in info.value.message
    assert info.value.provider == "acme"


def test_missing_ok_reads_an_object_without_a_listing_as_empty() -> None:
    assert listing({"hasMore": False}, what="page", provider="acme", missing_ok=True) == []
    with pytest.raises(vk.BadResponse):
        listing("junk", what="page", provider="acme", missing_ok=True)


def test_items_must_be_objects_unless_told() -> None:
    with pytest.raises(vk.BadResponse, match="listing 'x' where an object belongs"):
        listing({"items": [A, "x"]}, what="page", provider="acme")
    assert listing(["en", "de"], what="languages", provider="acme", objects=False) == \
        ["en", "de"]


def test_the_list_returned_is_a_copy() -> None:
    body = {"items": [A]}
    listing(body, what="page", provider="acme").append(B)
    assert body == {"items": [A]}


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["voices", "items", "data", "results", "models", "next"])
        | st.text(max_size=4), inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(_json, st.lists(st.sampled_from(["voices", "models", "x", "data"]), max_size=3),
       st.booleans(), st.booleans())
def test_any_json_gives_a_list_or_bad_response(body: Any, keys: list[str], objects: bool,
                                               missing_ok: bool) -> None:
    try:
        items = listing(body, *keys, what="answer", provider="acme", objects=objects,
                        missing_ok=missing_ok)
    except vk.BadResponse as exc:
        assert exc.provider == "acme"
        return
    assert isinstance(items, list)
    assert not objects or all(isinstance(item, dict) for item in items)
    if isinstance(body, list):
        assert items == body


def test_deep_nesting_is_bad_response() -> None:
    body: Any = []
    for _ in range(100_000):
        body = [body]
    with pytest.raises(vk.BadResponse):
        listing({"items": body}, what="answer", provider="acme")


@attrs.frozen
class Voice:
    id: str
    name: str | None = None


@functools.cache
def _converter() -> cattrs.Converter:
    return vendor_converter(camel_case=True)


def test_reader_binds_converter_and_provider() -> None:
    read = reader(_converter, "acme")
    assert isinstance(read, Reader) and kit.reader is reader
    assert read({"id": "v1", "name": "Ann"}, Voice, "voice") == Voice("v1", "Ann")
    with pytest.raises(vk.BadResponse) as info:
        read({"name": "Ann"}, Voice, "GET /voices/v1 answer")
    assert info.value.provider == "acme"
    assert "acme sent a GET /voices/v1 answer" in info.value.message
    with pytest.raises(vk.BadResponse, match="acme sent a response"):
        read([], Voice)
