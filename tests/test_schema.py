"""The core schema helper: vendor JSON into attrs models, and only BadResponse on failure."""

from __future__ import annotations

import datetime as dt
import enum
import json
from typing import Any

import attrs
import cattrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import voicekit_core as vk
from voicekit_core.schema import (
    duration_seconds,
    make_converter,
    structure,
    unstructure,
    vendor_converter,
)


class Status(str, enum.Enum):
    NEW = "new"
    DONE = "done"


class Genre(str, enum.Enum):
    POP = "pop"
    JAZZ = "jazz"


class Tier(enum.Enum):
    FREE = 1
    PRO = 2


@attrs.frozen(kw_only=True)
class Item:
    item_id: str
    play_count: int
    price_per_minute: float | None = None
    is_public: bool = False
    status: Status | str = Status.NEW
    genres: tuple[Genre, ...] = ()
    tier: Tier | None = None
    created_at: dt.datetime | None = None


@attrs.frozen
class Listing:
    items: tuple[Item, ...]
    next_cursor: str | None = None
    tags: tuple[str, ...] = ()
    extra: dict[str, Any] = attrs.field(factory=dict)


@pytest.fixture(scope="module")
def conv() -> cattrs.Converter:
    return vendor_converter(camel_case=True, open_enums=(Status,), vocabularies=(Genre,))


def read(conv: cattrs.Converter, body: Any, model: type[Any] = Item) -> Any:
    return structure(conv, body, model, what="GET /items answer", provider="acme")


def test_camel_case_fields_and_unknown_fields(conv: cattrs.Converter) -> None:
    item = read(conv, {"itemId": "a1", "playCount": 3, "isPublic": True, "color": "red"})
    assert item == Item(item_id="a1", play_count=3, is_public=True)
    assert unstructure(conv, Item(item_id="a1", play_count=3))["itemId"] == "a1"
    assert "pricePerMinute" not in unstructure(conv, Item(item_id="a1", play_count=3))


@pytest.mark.parametrize(("sent", "read_as"), [
    (3, 3), (3.0, 3), ("3", 3), (" 4 ", 4), (2.5, 2.5),
])
def test_lenient_numbers(conv: cattrs.Converter, sent: Any, read_as: Any) -> None:
    item = read(conv, {"itemId": 7, "playCount": sent, "pricePerMinute": "0.25"})
    assert item.play_count == read_as and type(item.play_count) is type(read_as)
    assert item.item_id == "7" and item.price_per_minute == 0.25


@pytest.mark.parametrize(("field", "value"), [
    ("playCount", True), ("playCount", "three"), ("playCount", float("nan")),
    ("playCount", float("inf")), ("playCount", "1e999"), ("playCount", None),
    ("isPublic", "false"), ("isPublic", 1), ("itemId", 1.5), ("itemId", {"a": 1}),
    ("itemId", None), ("pricePerMinute", 10**400), ("status", 5), ("tier", 3),
    ("createdAt", "yesterday"), ("createdAt", 10**30), ("createdAt", True),
])
def test_wrong_types_are_bad_responses_naming_what(conv: cattrs.Converter, field: str,
                                                   value: Any) -> None:
    body = {"itemId": "a", "playCount": 1, field: value}
    with pytest.raises(vk.BadResponse, match=r"acme sent a GET /items answer .*\(Item\)") as info:
        read(conv, body)
    assert info.value.provider == "acme"


def test_strict_numbers_refuse_strings_and_fractions() -> None:
    strict = vendor_converter(lenient_numbers=False)
    assert structure(strict, {"item_id": "a", "play_count": 3}, Item, what="x",
                     provider="acme").play_count == 3
    for value in ("3", 3.5):
        with pytest.raises(vk.BadResponse):
            structure(strict, {"item_id": "a", "play_count": value}, Item, what="x",
                      provider="acme")


def test_enums_open_and_closed(conv: cattrs.Converter) -> None:
    assert read(conv, {"itemId": "a", "playCount": 1, "status": "done"}).status is Status.DONE
    assert read(conv, {"itemId": "a", "playCount": 1, "status": "archived"}).status == \
        "archived"
    assert read(conv, {"itemId": "a", "playCount": 1, "tier": 2}).tier is Tier.PRO


def test_vocabularies_skip_values_they_do_not_know(conv: cattrs.Converter) -> None:
    item = read(conv, {"itemId": "a", "playCount": 1, "genres": ["pop", "polka", 7, "jazz"]})
    assert item.genres == (Genre.POP, Genre.JAZZ)
    with pytest.raises(vk.BadResponse):
        read(conv, {"itemId": "a", "playCount": 1, "genres": "pop"})


def test_a_string_is_never_split_into_a_tuple(conv: cattrs.Converter) -> None:
    with pytest.raises(vk.BadResponse, match="expected a list"):
        read(conv, {"items": [], "tags": "abc"}, Listing)
    with pytest.raises(vk.BadResponse, match="expected a list"):
        read(conv, {"items": {"itemId": "a"}}, Listing)


def test_missing_fields_are_named_by_their_wire_name(conv: cattrs.Converter) -> None:
    with pytest.raises(vk.BadResponse, match="playCount"):
        read(conv, {"items": [{"itemId": "a"}]}, Listing)


def test_dates_from_text_and_epochs(conv: cattrs.Converter) -> None:
    for sent in ("2026-01-02T03:04:05Z", 1767323045, 1767323045000):
        item = read(conv, {"itemId": "a", "playCount": 1, "createdAt": sent})
        assert item.created_at == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def test_deep_nesting_is_a_bad_response(conv: cattrs.Converter) -> None:
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(vk.BadResponse):
        read(conv, {"items": deep}, Listing)


def test_make_converter_keeps_the_base_rules() -> None:
    base = make_converter()
    assert base.structure("2026-01-02T03:04:05", dt.datetime).tzinfo is dt.timezone.utc


def test_each_converter_is_independent_and_extensible() -> None:
    mine, other = vendor_converter(camel_case=True), vendor_converter(camel_case=True)
    base = mine.get_structure_hook(Listing)
    mine.register_structure_hook(  # a plugin's own rule: a bare list is a one-page listing
        Listing, lambda v, t: base({"items": v} if isinstance(v, list) else v, t))
    assert read(mine, [{"itemId": "a", "playCount": 1}], Listing).items[0].item_id == "a"
    with pytest.raises(vk.BadResponse):
        read(other, [{"itemId": "a", "playCount": 1}], Listing)
    with pytest.raises(TypeError):
        vendor_converter(open_enums=(str,))  # type: ignore[arg-type]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["itemId", "playCount", "pricePerMinute", "isPublic",
                                       "status", "genres", "tier", "createdAt", "items",
                                       "nextCursor", "tags", "extra", "x"]) | st.text(max_size=5),
                      inner, max_size=6),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_values, st.sampled_from([Item, Listing]))
def test_any_json_structures_or_is_a_bad_response(body: Any, model: type[Any]) -> None:
    conv = _fuzz_converter()
    try:
        value = read(conv, body, model)
    except vk.BadResponse as exc:
        assert "acme sent a GET /items answer" in str(exc)
    else:
        assert isinstance(value, model)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_any_text_decoded_as_json_structures_or_is_a_bad_response(text: str) -> None:
    try:
        body = json.loads(text)
    except ValueError:
        return
    try:
        value = read(_fuzz_converter(), body, Listing)
    except vk.BadResponse as exc:
        assert exc.provider == "acme"
    else:
        assert isinstance(value, Listing)


_CONVERTERS: dict[str, cattrs.Converter] = {}


def _fuzz_converter() -> cattrs.Converter:
    if "c" not in _CONVERTERS:
        _CONVERTERS["c"] = vendor_converter(camel_case=True, open_enums=(Status,),
                                            vocabularies=(Genre,))
    return _CONVERTERS["c"]


@pytest.mark.parametrize("body", [[], [["x"]], "text", 3, None])
def test_a_model_is_read_only_from_an_object(body: object) -> None:
    @attrs.frozen
    class Answer:
        voice_id: str | None = None

    with pytest.raises(vk.BadResponse, match="expected an object"):
        structure(vendor_converter(camel_case=True), body, Answer, what="answer",
                  provider="acme")


@pytest.mark.parametrize(("value", "seconds"), [
    (60, 60.0), ("60", 60.0), ("1.5s", 1.5), ("60 seconds", 60.0), ("1 minute", 60.0),
    ("250 ms", 0.25), ("~60", 60.0), (" 2.5 S ", 2.5),
    ("soon", None), ("-1", None), (-1, None), (float("nan"), None), (float("inf"), None),
    (True, None), ("1e400", None), (10**400, None), ("", None), (None, None), ([60], None),
    ("5 parsecs", None),
])
def test_duration_seconds(value: Any, seconds: float | None) -> None:
    assert duration_seconds(value) == seconds


@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(), st.booleans(), st.none()))
@settings(max_examples=200)
def test_duration_seconds_never_raises(value: Any) -> None:
    found = duration_seconds(value)
    assert found is None or found >= 0
