"""GET /voices: lazy paging, filters and their validation, kinds and languages."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from itertools import islice

import pytest
import requests
import voicekit_core as vk

from voicekit_beautyface.emulator import BeautyfaceEmulator
from voicekit_beautyface.provider import BeautyfaceProvider

VOICES = "/api/v1/voices"


def _queries(emulator: BeautyfaceEmulator) -> list[dict[str, str]]:
    return [dict(urllib.parse.parse_qsl(r.query)) for r in emulator.requests("GET", VOICES)]


def test_default_lists_completed_voices_in_pages_of_100(
    bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator
) -> None:
    bf_emulator.add_voice("Not yet", type="USER", status="PROCESSING")
    bf_emulator.add_voice("Broken", type="USER", status="FAILED")
    voices = list(bf.list_voices())
    assert {v.name for v in voices} == {"Aria", "Ben", "Mei", "Lucía", "Klaus",
                                        "My Voice Clone"}
    assert _queries(bf_emulator) == [{"page": "1", "limit": "100", "status": "COMPLETED"}]
    mine = next(v for v in voices if v.name == "My Voice Clone")
    assert mine.kind == "cloned" and mine.description == "A custom voice"
    assert mine.raw["usageCount"] == 0 and mine.provider == "beautyface"
    assert {v.kind for v in voices if v.name != "My Voice Clone"} == {"system"}
    everything = list(bf.list_voices(status=None))
    assert {"Not yet", "Broken"} <= {v.name for v in everything}


def test_pages_are_fetched_lazily(bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator
                                  ) -> None:
    for i in range(230):
        bf_emulator.add_voice(f"Extra {i:03d}", age=10.0 + i)
    voices: Iterator[vk.Voice] = bf.list_voices(limit=50)
    assert bf_emulator.requests("GET", VOICES) == []  # nothing until iterated
    first = list(islice(voices, 50))
    assert len(bf_emulator.requests("GET", VOICES)) == 1
    next(voices)
    assert len(bf_emulator.requests("GET", VOICES)) == 2
    rest = list(voices)
    ids = [v.id for v in first] + [v.id for v in rest]
    assert len(ids) + 1 == 236 and len(set(ids)) == len(ids)
    assert [q["page"] for q in _queries(bf_emulator)] == ["1", "2", "3", "4", "5"]
    # newest first (the default sort): the extra voices are younger than the seeded ones
    assert first[0].name == "Extra 000"


def test_filters_are_sent_as_documented(bf: BeautyfaceProvider,
                                        bf_emulator: BeautyfaceEmulator) -> None:
    list(bf.list_voices(kind="cloned", status="processing", sort_by="title",
                        sortOrder="ASC", page=2, limit=10))
    assert _queries(bf_emulator) == [{"page": "2", "limit": "10", "status": "PROCESSING",
                                      "type": "USER", "sortBy": "title", "sortOrder": "asc"}]


def test_sorting_and_type_filter(bf: BeautyfaceProvider) -> None:
    names = [v.name for v in bf.list_voices(type="SYSTEM", sortBy="popularity",
                                            sortOrder="desc")]
    assert names == ["Aria", "Mei", "Ben", "Lucía", "Klaus"]
    assert [v.name for v in bf.list_voices(kind="system", sortBy="title", sortOrder="asc")
            ] == ["Aria", "Ben", "Klaus", "Lucía", "Mei"]


def test_language_matches_tags_and_language_fields(bf: BeautyfaceProvider,
                                                   bf_emulator: BeautyfaceEmulator) -> None:
    assert sorted(v.name for v in bf.list_voices(language="en")) == ["Aria", "Ben"]
    assert [v.name for v in bf.list_voices(language="zh")] == ["Mei"]
    assert list(bf.list_voices(language="fr")) == []


@pytest.mark.parametrize(("filters", "field"), [
    ({"page": 0}, "page"),
    ({"page": "2"}, "page"),
    ({"limit": 0}, "limit"),
    ({"limit": 101}, "limit"),
    ({"limit": True}, "limit"),
    ({"status": "DONE"}, "status"),
    ({"type": "PUBLIC"}, "type"),
    ({"sortBy": "name"}, "sortBy"),
    ({"sort_by": "created_at"}, "sort_by"),  # the name the caller used
    ({"sortOrder": "up"}, "sortOrder"),
    ({"gender": "female"}, "gender"),
    ({"kind": "public"}, "kind"),
    ({"kind": "cloned", "type": "SYSTEM"}, "kind"),
    ({"sortBy": "title", "sort_by": "title"}, "sort_by"),
    ({"language": ""}, "language"),
])
def test_bad_filters_raise_before_any_request(
    bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator, filters: dict[str, object],
    field: str
) -> None:
    with pytest.raises(vk.InvalidInput) as info:
        bf.list_voices(**filters)  # type: ignore[arg-type]
    assert info.value.field == field
    assert bf_emulator.log == []


def test_paging_without_a_pagination_object_stops_at_a_short_page(
    bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator
) -> None:
    page1 = {"voices": [{"id": "a", "title": "A", "type": "SYSTEM"},
                        {"id": "b", "title": "B", "type": "SYSTEM"}]}
    page2 = {"voices": [{"id": "c", "title": "C", "isPublic": True}]}
    for body in (page1, page2):
        bf_emulator.faults.add("GET /api/v1/voices", "status", status=200,
                               body=json.dumps(body).encode())
    voices = list(bf.list_voices(limit=2))
    assert [v.id for v in voices] == ["a", "b", "c"]
    assert voices[2].kind == "system"  # no type: a public voice is a system one
    assert len(bf_emulator.requests("GET", VOICES)) == 2


def test_a_page_repeated_forever_is_a_bad_response(bf: BeautyfaceProvider,
                                                   bf_emulator: BeautyfaceEmulator) -> None:
    body = {"voices": [{"id": "a", "title": "A"}], "pagination": {"hasNext": True}}
    bf_emulator.faults.add("GET /api/v1/voices", "status", status=200, count=5,
                           body=json.dumps(body).encode())
    with pytest.raises(vk.BadResponse):
        list(bf.list_voices(limit=1))
    assert len(bf_emulator.requests("GET", VOICES)) == 2


@pytest.mark.parametrize("query", ["limit=500", "page=0", "status=DONE", "sortBy=name",
                                   "sortOrder=up", "type=ALL"])
def test_emulator_rejects_bad_filters_like_the_vendor(bf_emulator: BeautyfaceEmulator,
                                                      query: str) -> None:
    response = requests.get(f"{bf_emulator.url}/voices?{query}", timeout=10, headers={
        "Authorization": f"Bearer {bf_emulator.credentials['api_key']}"})
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_PARAMETERS"
