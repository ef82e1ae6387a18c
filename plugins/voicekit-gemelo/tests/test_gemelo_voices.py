"""list_voices: the three kinds, filters, lazy fetching, cursor paging; voice references."""

from __future__ import annotations

import pytest
from voicekit_gemelo.emulator import GemeloEmulator
from voicekit_gemelo.provider import GemeloProvider

import voicekit_core as vk


def test_lists_tts_vc_and_cloned_voices_each_with_its_kind(gemelo: GemeloProvider) -> None:
    voices = list(gemelo.list_voices())
    kinds = {(v.id, v.kind) for v in voices}
    assert {("24", "system"), ("35", "system"), ("133", "vc"), ("134", "vc"),
            ("501", "cloned")} <= kinds
    assert [v.kind for v in voices] == sorted((v.kind for v in voices),
                                              key=("system", "vc", "cloned").index)
    jane = next(v for v in voices if v.id == "35")
    assert jane.name == "Jane Doe" and jane.provider == "gemelo"
    assert jane.description == "Warm and friendly female voice."
    assert jane.languages == ("en",)
    assert jane.raw["voiceTier"] == "standard" and jane.raw["id"] == 35


@pytest.mark.parametrize("kind", ["system", "vc", "cloned"])
def test_kind_filter_selects_one_source(gemelo: GemeloProvider,
                                        gemelo_emulator: GemeloEmulator, kind: str) -> None:
    voices = list(gemelo.list_voices(kind=kind))
    assert voices and {v.kind for v in voices} == {kind}
    paths = {r.path for r in gemelo_emulator.requests("GET")}
    assert paths == {{"system": "/v1/tts/voices", "vc": "/v1/vc/voices",
                      "cloned": "/v1/cloned-voices"}[kind]}


def test_voices_are_fetched_lazily(gemelo: GemeloProvider,
                                   gemelo_emulator: GemeloEmulator) -> None:
    voices = gemelo.list_voices()
    assert gemelo_emulator.log == []
    next(voices)
    assert [r.path for r in gemelo_emulator.log] == ["/v1/tts/voices"]


def test_language_label_and_disabled_filters(gemelo: GemeloProvider) -> None:
    assert [v.id for v in gemelo.list_voices(language="en")] == ["24", "35"]
    assert [v.id for v in gemelo.list_voices(language="English")] == ["24", "35"]
    assert [v.id for v in gemelo.list_voices(language="es-ES")] == ["41"]
    assert [v.id for v in gemelo.list_voices(kind="system", disabled=True)] == ["52"]
    assert "52" not in [v.id for v in gemelo.list_voices(kind="system", disabled=False)]
    assert [v.id for v in gemelo.list_voices(label="Female")] == ["35", "41"]


def test_bad_filters_raise_before_any_request(gemelo: GemeloProvider,
                                              gemelo_emulator: GemeloEmulator) -> None:
    with pytest.raises(vk.InvalidInput, match="gender"):
        gemelo.list_voices(gender="male")
    with pytest.raises(vk.InvalidInput, match="system, vc, cloned"):
        gemelo.list_voices(kind="public")
    with pytest.raises(vk.InvalidInput):
        gemelo.list_voices(disabled="yes")
    assert gemelo_emulator.log == []


def test_cloned_voices_are_paged_with_a_cursor(gemelo: GemeloProvider,
                                               gemelo_emulator: GemeloEmulator) -> None:
    for i in range(600, 720):
        gemelo_emulator.cloned[i] = {"id": i, "name": f"Clone {i}", "createdAt": None,
                                     "imageUrl": None, "previewUrls": []}
    ids = [v.id for v in gemelo.list_voices(kind="cloned")]
    assert ids == ["501"] + [str(i) for i in range(600, 720)]
    pages = gemelo_emulator.requests("GET", "/v1/cloned-voices")
    assert len(pages) == 3
    assert "cursor" not in pages[0].query and "limit=50" in pages[0].query
    assert "cursor=c_648" in pages[1].query


def test_paging_goes_on_when_the_vendor_sends_no_cursor(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    gemelo_emulator.send_cursor = False  # a bare {"items": [...]} answer
    for i in range(600, 660):
        gemelo_emulator.cloned[i] = {"id": i, "name": f"Clone {i}"}
    ids = [v.id for v in gemelo.list_voices(kind="cloned")]
    assert ids == ["501"] + [str(i) for i in range(600, 660)]
    pages = gemelo_emulator.requests("GET", "/v1/cloned-voices")
    assert len(pages) == 2 and "cursor=648" in pages[1].query


def test_voice_references(gemelo: GemeloProvider) -> None:
    cloned = vk.Voice(id="501", name="c", provider="gemelo", kind="cloned")
    vc = vk.Voice(id="133", name="v", provider="gemelo", kind="vc")
    assert gemelo.voice_ref(35) == (35, "system")
    assert gemelo.voice_ref(" 35 ") == (35, "system")
    assert gemelo.voice_ref(cloned) == (501, "cloned")
    assert gemelo.voice_ref(vc) == (133, "system")
    assert gemelo.voice_ref("cloned:501") == (501, "cloned")
    assert gemelo.voice_ref("35", voice_type="cloned") == (35, "cloned")
    assert gemelo.voice_ref(cloned, voice_type="system") == (501, "system")


@pytest.mark.parametrize("voice", ["abc", "", "3.5", "-4", "twelve", None, True, 2.0,
                                   "public:35", "٣٥"])
def test_voice_ids_must_be_integers(gemelo: GemeloProvider,
                                    gemelo_emulator: GemeloEmulator, voice: object) -> None:
    with pytest.raises(vk.InvalidInput, match="integer"):
        gemelo.synthesize("hello", voice=voice)  # type: ignore[arg-type]
    assert gemelo_emulator.log == []


def test_voice_type_option_is_checked(gemelo: GemeloProvider) -> None:
    with pytest.raises(vk.InvalidInput, match="voice_type"):
        gemelo.synthesize("hello", voice=35, voice_type="premium")
