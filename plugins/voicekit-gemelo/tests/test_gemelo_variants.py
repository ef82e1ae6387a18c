"""Answers a faithful Gemelo may give that differ from this plugin's emulator defaults.

The vendor doc leaves shapes open (paging cursor, clone answer, error bodies, content
types); these tests serve the doc's examples and the reasonable variants through fault
injection or emulator options, and check the client takes every one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from voicekit_gemelo.emulator import GemeloEmulator
from voicekit_gemelo.provider import GemeloProvider

import voicekit_core as vk
from voicekit_core.audio import parse_wav_header
from voicekit_core.testing.media import tone_wav

DOC_VOICES = [
    {"id": 24, "name": "John Doe", "description": "Hoarse voice of an elderly man."},
    {"id": 35, "name": "Jane Doe", "description": "Warm and friendly female voice."},
]


def _json(body: object) -> bytes:
    return json.dumps(body).encode()


# -- headers -----------------------------------------------------------------------------


def test_requests_carry_the_client_key_under_both_documented_names(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    list(gemelo.list_voices(kind="system"))
    request = gemelo_emulator.requests("GET", "/v1/tts/voices")[-1]
    keys = gemelo_emulator.credentials
    assert request.header("x-client-key") == keys["client_key"]  # examples, API reference
    assert request.header("x-client-id") == keys["client_key"]  # the doc's prose
    assert request.header("x-api-key") == keys["api_key"]


# -- voices ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/tts/voices", "/v1/vc/voices"])
def test_the_docs_voice_list_example_is_read_as_is(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator, path: str) -> None:
    gemelo_emulator.faults.add(f"GET {path}", "status", status=200, body=_json(DOC_VOICES))
    kind = "system" if "tts" in path else "vc"
    voices = list(gemelo.list_voices(kind=kind))
    assert [(v.id, v.name, v.kind) for v in voices] == [
        ("24", "John Doe", kind), ("35", "Jane Doe", kind)]
    assert voices[0].description == "Hoarse voice of an elderly man."
    assert voices[0].languages == ()


@pytest.mark.parametrize("body", [
    {"voices": [{"id": "24", "name": "John Doe"}]},
    {"items": [{"id": 24, "name": "John Doe", "labels": None, "previewUrls": None}]},
    [{"id": 24, "name": "John Doe", "labels": [{"category": None, "label": None}, "x"]}],
])
def test_voice_list_variants(gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator,
                             body: object) -> None:
    gemelo_emulator.faults.add("GET /v1/tts/voices", "status", status=200, body=_json(body))
    voices = list(gemelo.list_voices(kind="system"))
    assert [(v.id, v.name) for v in voices] == [("24", "John Doe")]
    assert gemelo.voice_ref(voices[0]) == (24, "system")


# -- speech ------------------------------------------------------------------------------


def test_audio_with_a_generic_content_type_and_no_audio_headers(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    wav = tone_wav(0.5, sample_rate=22050)
    gemelo_emulator.faults.add("POST /v1/tts/convert", "status", status=200, body=wav,
                               headers={"Content-Type": "application/octet-stream"})
    audio = gemelo.synthesize("Hello world!", voice=35)
    assert audio.format == "wav" and audio.data == wav
    assert audio.duration == pytest.approx(0.5, abs=0.01)


def test_audio_size_header_counting_only_the_samples_is_not_an_error(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    wav = tone_wav(0.5, sample_rate=22050)
    pcm_size = len(wav) - parse_wav_header(wav).data_offset
    gemelo_emulator.faults.add("POST /v1/tts/convert", "status", status=200, body=wav,
                               headers={"Content-Type": "audio/wav",
                                        "Audio-Size-Bytes": str(pcm_size),
                                        "Audio-Duration-Ms": "500"})
    audio = gemelo.synthesize("Hello world!", voice=35)
    assert audio.data == wav and audio.metadata["audio_size_bytes"] == pcm_size


def test_mp3_audio_sent_with_a_wav_content_type_is_named_by_its_bytes(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    body = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\xc4" + b"\x00" * 400
    gemelo_emulator.faults.add("POST /v1/tts/convert", "status", status=200, body=body,
                               headers={"Content-Type": "audio/wav"})
    assert gemelo.synthesize("Hello", voice=35).format == "mp3"


# -- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "body", "error", "message"), [
    (400, {"message": "voiceId is required"}, vk.InvalidRequest, "voiceId is required"),
    (404, {"text": "Not Found", "code": 404, "message": "Voice not found"}, vk.NotFound,
     "Not Found: Voice not found"),
    (401, {"message": "Invalid API key"}, vk.AuthenticationError, "Invalid API key"),
    (403, {"detail": "Not authenticated"}, vk.AuthenticationError, "Not authenticated"),
    (403, {"message": "This voice is not available on your plan"}, vk.PermissionDenied,
     "not available on your plan"),
    (422, {"detail": [{"loc": ["body", "text"], "msg": "field required"}]},
     vk.InvalidRequest, "body.text: field required"),
    (400, {"error": {"message": "Text too long", "code": "TEXT_TOO_LONG"}},
     vk.InvalidRequest, "Text too long"),
    (429, {"message": "Too many requests"}, vk.RateLimited, "Too many requests"),
    (402, {"message": "Payment required"}, vk.InsufficientCredits, "Payment required"),
    (503, {"text": "Service Unavailable", "code": "UNAVAILABLE", "message": "Try later"},
     vk.ServerError, "Try later"),
])
def test_error_envelopes_map_to_voicekit_errors(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator, voicekit_fast_retries: None,
        status: int, body: object, error: type[vk.VoicekitError], message: str) -> None:
    gemelo_emulator.faults.add("POST /v1/tts/convert", "status", status=status,
                               body=_json(body), count=10)
    with pytest.raises(error, match=message):
        gemelo.synthesize("Hello", voice=35)


def test_a_plain_text_error_body_keeps_its_text(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    gemelo_emulator.faults.add("GET /v1/tts/voices", "status", status=404,
                               body=b"Cannot GET /v1/tts/voices",
                               headers={"Content-Type": "text/plain"})
    with pytest.raises(vk.NotFound, match="Cannot GET"):
        list(gemelo.list_voices(kind="system"))


# -- cloned voices: paging -----------------------------------------------------------------


def _add_clones(emulator: GemeloEmulator, count: int) -> list[str]:
    for i in range(600, 600 + count):
        emulator.cloned[i] = {"id": i, "name": f"Clone {i}"}
    return ["501"] + [str(i) for i in range(600, 600 + count)]


def test_a_server_cap_below_the_limit_is_paged_through(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    gemelo_emulator.send_cursor = False  # a bare {"items": [...]}
    gemelo_emulator.page_cap = 20  # and ``limit=50`` silently taken as 20
    ids = _add_clones(gemelo_emulator, 44)
    assert [v.id for v in gemelo.list_voices(kind="cloned")] == ids
    pages = gemelo_emulator.requests("GET", "/v1/cloned-voices")
    assert len(pages) == 3 and "cursor=618" in pages[1].query


def test_an_explicit_null_cursor_ends_the_listing(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    ids = _add_clones(gemelo_emulator, 49)  # exactly one full page of 50
    assert [v.id for v in gemelo.list_voices(kind="cloned")] == ids
    assert len(gemelo_emulator.requests("GET", "/v1/cloned-voices")) == 1


@pytest.mark.parametrize("first", [
    {"items": [{"id": 1, "name": "a"}], "next": "/v1/cloned-voices?limit=50&cursor=tok2"},
    {"items": [{"id": 1, "name": "a"}],
     "next": "https://api.gemelo.ai/v1/cloned-voices?cursor=tok2"},
    {"items": [{"id": 1, "name": "a"}], "pagination": {"nextCursor": "tok2"}},
    {"items": [{"id": 1, "name": "a"}], "cursor": "tok2"},
])
def test_next_cursor_variants(gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator,
                              first: dict[str, object]) -> None:
    last = {"items": [{"id": 2, "name": "b"}], "nextCursor": None, "hasMore": False}
    gemelo_emulator.faults.add("GET /v1/cloned-voices", "status", status=200,
                               body=_json(first))
    gemelo_emulator.faults.add("GET /v1/cloned-voices", "status", status=200,
                               body=_json(last))
    assert [v.id for v in gemelo.list_voices(kind="cloned")] == ["1", "2"]
    pages = gemelo_emulator.requests("GET", "/v1/cloned-voices")
    assert len(pages) == 2 and "cursor=tok2" in pages[1].query


def test_has_more_false_ends_the_listing(gemelo: GemeloProvider,
                                         gemelo_emulator: GemeloEmulator) -> None:
    items = [{"id": i, "name": str(i)} for i in range(50)]
    gemelo_emulator.faults.add("GET /v1/cloned-voices", "status", status=200,
                               body=_json({"items": items, "hasMore": False}))
    assert len(list(gemelo.list_voices(kind="cloned"))) == 50
    assert len(gemelo_emulator.requests("GET", "/v1/cloned-voices")) == 1


# -- cloned voices: create, rename, delete ----------------------------------------------------


@pytest.mark.parametrize(("status", "body"), [
    (200, {"id": 777, "name": "Mine", "createdAt": "2026-01-05T10:00:00",
           "imageUrl": None, "previewUrls": None}),
    (201, {"voice": {"id": "777", "name": "Mine"}}),
    (200, {"data": {"id": 777, "name": "Mine", "extra": {"x": 1}}}),
])
def test_clone_answer_variants(gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator,
                               status: int, body: object) -> None:
    gemelo_emulator.faults.add("POST /v1/cloned-voices", "status", status=status,
                               body=_json(body))
    voice = gemelo.clone_voice(tone_wav(1.0), name="Mine").wait(timeout=5)
    assert (voice.id, voice.name, voice.kind) == ("777", "Mine", "cloned")
    assert gemelo.voice_ref(voice) == (777, "cloned")


@pytest.mark.parametrize(("status", "body"), [
    (204, b""), (200, b"OK"), (200, b'{"success": true}'),
    (200, b'{"voice": {"id": 501, "name": "Renamed"}}'),
])
def test_rename_answer_variants(gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator,
                                status: int, body: bytes) -> None:
    gemelo_emulator.faults.add("PATCH /v1/cloned-voices/*", "status", status=status,
                               body=body, headers={"Content-Type": "text/plain"}
                               if body == b"OK" else {})
    voice = gemelo.rename_voice("501", "Renamed")
    assert (voice.id, voice.name, voice.kind) == ("501", "Renamed", "cloned")


@pytest.mark.parametrize("status", [200, 202, 204])
def test_delete_takes_any_success_status(gemelo: GemeloProvider,
                                         gemelo_emulator: GemeloEmulator, status: int) -> None:
    gemelo_emulator.faults.add("DELETE /v1/cloned-voices/*", "status", status=status,
                               body=b'{"deleted": true}' if status != 204 else b"")
    assert gemelo.delete_voice(501) is None


def test_a_refused_limit_is_dropped(gemelo: GemeloProvider,
                                    gemelo_emulator: GemeloEmulator) -> None:
    gemelo_emulator.faults.add("GET /v1/cloned-voices", "status", status=400,
                               body=b'{"message": "limit must not be greater than 20"}')
    assert [v.id for v in gemelo.list_voices(kind="cloned")] == ["501"]
    pages = gemelo_emulator.requests("GET", "/v1/cloned-voices")
    assert [p.query for p in pages] == ["limit=50", ""]


def test_nestjs_style_message_lists_are_kept(gemelo: GemeloProvider,
                                            gemelo_emulator: GemeloEmulator) -> None:
    gemelo_emulator.faults.add("POST /v1/tts/convert", "status", status=400, body=_json(
        {"statusCode": 400, "message": ["text should not be empty", "voiceId must be a number"],
         "error": "Bad Request"}))
    with pytest.raises(vk.InvalidRequest, match="text should not be empty; voiceId must"):
        gemelo.synthesize("Hello", voice=35)


def test_preview_urls_given_as_objects(gemelo: GemeloProvider,
                                       gemelo_emulator: GemeloEmulator, tmp_path: Path) -> None:
    url = gemelo_emulator.storage.publish("previews/x.wav", tone_wav(0.2), "audio/wav")
    gemelo_emulator.faults.add("GET /v1/tts/voices", "status", status=200, body=_json(
        [{"id": 24, "name": "John Doe", "previewUrls": [{"url": url, "language": "en"}]}]))
    voice = next(gemelo.list_voices(kind="system"))
    path = gemelo.download_preview(voice, tmp_path / "p.wav")
    assert path.read_bytes() == tone_wav(0.2)
    assert not gemelo_emulator.storage.log[-1].has_credentials
    assert gemelo_emulator.storage.log[-1].header("x-client-id") is None


def test_json_instead_of_audio_is_a_bad_response(gemelo: GemeloProvider,
                                                 gemelo_emulator: GemeloEmulator) -> None:
    gemelo_emulator.faults.add("POST /v1/tts/convert", "status", status=200,
                               body=b'{"message": "Voice is still processing"}')
    with pytest.raises(vk.BadResponse, match="Voice is still processing"):
        gemelo.synthesize("Hello", voice=35)


def test_a_guessed_cursor_the_vendor_ignores_ends_the_listing(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    page = _json({"items": [{"id": i, "name": str(i)} for i in range(1, 51)]})  # no cursor
    gemelo_emulator.faults.add("GET /v1/cloned-voices", "status", status=200, body=page,
                               count=5)
    assert len(list(gemelo.list_voices(kind="cloned"))) == 50
    pages = gemelo_emulator.requests("GET", "/v1/cloned-voices")
    assert len(pages) == 2 and "cursor=50" in pages[1].query


def test_a_cursor_cycle_is_a_bad_response(gemelo: GemeloProvider,
                                          gemelo_emulator: GemeloEmulator) -> None:
    for cursor, ids in (("b", [1]), ("a", [2]), ("b", [3])):  # a -> b -> a
        gemelo_emulator.faults.add("GET /v1/cloned-voices", "status", status=200, body=_json(
            {"items": [{"id": i, "name": str(i)} for i in ids], "nextCursor": cursor}))
    with pytest.raises(vk.BadResponse, match="repeated cursor"):
        list(gemelo.list_voices(kind="cloned"))
