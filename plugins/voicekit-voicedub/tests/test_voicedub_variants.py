"""Answers a faithful but different VoiceDub server may give, which the emulator itself does
not: fields with ``default: null`` left out, statuses or formats outside the spec's enums,
numbers in another spelling, a bare list for the catalogue, other 403 bodies. Each is
injected (fault ``status``) and the client must read it, or fail with a voicekit error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from voicekit_voicedub import schema
from voicekit_voicedub.emulator import VoiceDubEmulator
from voicekit_voicedub.provider import OutOfOrder, VoiceDubProvider

import voicekit_core as vk
from voicekit_core.jobs import JobState
from voicekit_core.testing.media import tone_wav

LINK = "https://media.example.com/song.mp3"


def _answer(emu: VoiceDubEmulator, match: str, body: Any, *, status: int = 200,
            count: int = 1) -> None:
    emu.faults.add(match, "status", status=status, body=json.dumps(body).encode(),
                   count=count)


def _dub(vd: VoiceDubProvider, dub_id: str) -> dict[str, Any]:
    body: dict[str, Any] = vd.http.json("GET", f"/v1/me/dubs/{dub_id}")["dub"]
    return body


# -- fields the spec gives ``default: null`` ------------------------------------------------


def test_dub_without_its_null_default_fields(emu: VoiceDubEmulator, vd: VoiceDubProvider,
                                            public_voice: str) -> None:
    job = vd.dub(LINK, voice=public_voice)
    dub = _dub(vd, job.id)
    for key in ("dubUrl", "requiredCredits", "completedAt", "errorCode", "errorMessage",
                "apiCreditsLeft", "inputDuration", "voiceId"):
        dub.pop(key)
    _answer(emu, "GET /v1/me/dubs/*", {"dub": dub})
    got = vd.get_dub(job.id)
    assert (got.dub_url, got.required_credits, got.input_duration) == (None, None, None)
    assert job.wait(timeout=600).url  # and the flow still finishes


def test_create_dub_answer_without_upload_url_for_a_link(
    emu: VoiceDubEmulator, vd: VoiceDubProvider, public_voice: str
) -> None:
    created = vd.http.json("POST", "/v1/me/dubs", json={"voiceId": public_voice,
                                                        "link": LINK})
    del created["uploadUrl"]
    _answer(emu, "POST /v1/me/dubs", created)
    job = vd.dub(LINK, voice=public_voice)
    assert job.id == created["dub"]["id"]
    assert job.wait(timeout=600).url


def test_catalogue_page_without_next_cursor(emu: VoiceDubEmulator,
                                            vd: VoiceDubProvider) -> None:
    _answer(emu, "GET /v1/voices", {"voices": emu.public_voices[:3]})
    assert [v.id for v in vd.list_voices()] == [v["id"] for v in emu.public_voices[:3]]


# -- enums and numbers ---------------------------------------------------------------------


def test_unknown_dub_status_counts_as_running(emu: VoiceDubEmulator, vd: VoiceDubProvider,
                                              public_voice: str) -> None:
    job = vd.dub(LINK, voice=public_voice)
    dub = _dub(vd, job.id)
    dub["status"] = "separating"
    _answer(emu, "GET /v1/me/dubs/*", {"dub": dub})
    update = job.refresh()
    assert update.state is JobState.RUNNING and update.vendor_status == "separating"
    assert vd.get_dub(job.id).status == "preprocessing"
    assert job.wait(timeout=600).url


def test_unknown_voice_status_counts_as_running(emu: VoiceDubEmulator,
                                                vd: VoiceDubProvider) -> None:
    job = vd.clone_voice(tone_wav(1.0), name="Variant")
    voice = vd.http.json("GET", f"/v1/me/voices/{job.id}")["voice"]
    voice["status"] = "validating"
    _answer(emu, "GET /v1/me/voices/*", {"voice": voice})
    assert job.refresh().vendor_status == "validating"
    assert job.wait(timeout=600).kind == "cloned"


def test_catalogue_values_outside_the_spec(emu: VoiceDubEmulator,
                                           vd: VoiceDubProvider) -> None:
    item = dict(emu.public_voices[0], avatarFormat="png", id=42,
                languages=["english", "klingon"], genres=["pop", "polka"])
    _answer(emu, "GET /v1/voices", {"voices": [item], "nextCursor": None})
    (voice,) = list(vd.list_voices())
    assert voice.id == "42" and voice.languages == ("en",)
    assert voice.raw["avatarFormat"] == "png"


def test_numbers_in_other_spellings(emu: VoiceDubEmulator, vd: VoiceDubProvider,
                                    public_voice: str) -> None:
    job = vd.dub(LINK, voice=public_voice)
    dub = _dub(vd, job.id)
    dub.update(status="preprocessed", inputDuration=200000.0, requiredCredits="33.4",
               apiCreditsUsed=0.0, pitchShift="0")
    _answer(emu, "GET /v1/me/dubs/*", {"dub": dub})
    got = vd.get_dub(job.id)
    assert (got.input_duration, got.required_credits, got.api_credits_used) == (200000, 33.4,
                                                                                 0)
    _answer(emu, "GET /v1/me", {"user": {"apiCredits": 12.5}})
    assert vd.balance().credits == 12.5


def test_booleans_and_numbers_are_not_confused() -> None:
    base = {"id": "v", "name": "n", "status": "new", "separate": True, "maxMinutes": 10,
            "apiCreditsUsed": 0, "createdAt": "t", "updatedAt": "t", "requiredCredits": 100}
    for bad in ({"separate": "true"}, {"maxMinutes": True}, {"maxMinutes": "ten"},
                {"status": 3}, {"requiredCredits": float("nan")}):
        with pytest.raises(vk.BadResponse):
            schema.structure({"voice": {**base, **bad}}, schema.VoiceEnvelope)


def test_catalogue_as_a_bare_list(emu: VoiceDubEmulator, vd: VoiceDubProvider) -> None:
    _answer(emu, "GET /v1/voices", emu.public_voices[:2])
    assert len(list(vd.list_voices())) == 2
    assert len(emu.requests("GET", "/v1/voices")) == 1


def test_a_repeated_cursor_is_a_bad_response(emu: VoiceDubEmulator, vd: VoiceDubProvider
                                             ) -> None:
    page = {"voices": emu.public_voices[:2], "nextCursor": "2_x"}
    _answer(emu, "GET /v1/voices", page, count=5)
    voices = vd.list_voices()
    assert len([next(voices), next(voices)]) == 2  # the first page is listed
    with pytest.raises(vk.BadResponse, match="repeated"):  # never the same voices twice
        next(voices)
    assert len(emu.requests("GET", "/v1/voices")) == 2


# -- the credit guard when the price is missing ----------------------------------------------


def test_budget_guard_falls_back_to_input_duration(emu: VoiceDubEmulator,
                                                   vd: VoiceDubProvider,
                                                   public_voice: str) -> None:
    job = vd.dub(LINK, voice=public_voice, max_credits=20)
    dub = _dub(vd, job.id)
    dub.update(status="preprocessed", inputDuration=180000, requiredCredits=None)
    _answer(emu, "GET /v1/me/dubs/*", {"dub": dub})
    with pytest.raises(vk.CreditLimitExceeded) as info:
        job.refresh()
    assert (info.value.need, info.value.max_credits) == (30, 20)
    dub.update(inputDuration=None)
    _answer(emu, "GET /v1/me/dubs/*", {"dub": dub})
    with pytest.raises(vk.CreditLimitExceeded, match="cannot be checked"):
        job.refresh()
    assert not emu.requests("POST", "*/generate") and emu.ledger.entries == []


def test_voice_budget_guard_without_required_credits(emu: VoiceDubEmulator,
                                                     vd: VoiceDubProvider) -> None:
    created = vd.http.json("POST", "/v1/me/voices", json={"name": "v", "numberOfFiles": 1,
                                                          "maxMinutes": 20})
    del created["voice"]["requiredCredits"]
    _answer(emu, "POST /v1/me/voices", created)
    with pytest.raises(vk.CreditLimitExceeded) as info:
        vd.clone_voice(tone_wav(1.0), name="v", max_minutes=10, max_credits=150)
    assert info.value.need == 200  # 10 per maxMinute of the voice the server made
    assert not emu.requests("POST", "*/clone") and emu.ledger.entries == []


# -- error bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    {"code": "not_enough_credits", "message": "Top up: 4 credits left"},
    {"code": "insufficient_credits", "message": "Top up: 4 credits left"},
    {"message": "Top up: 4 credits left"},
    {"error": {"code": "insufficient_credits", "message": "Top up: 4 credits left"}},
])
def test_every_403_is_insufficient_credits(emu: VoiceDubEmulator, vd: VoiceDubProvider,
                                           body: dict[str, Any]) -> None:
    _answer(emu, "GET /v1/me", body, status=403)
    with pytest.raises(vk.InsufficientCredits, match="Top up: 4 credits left"):
        vd.balance()


def test_nested_error_envelope_keeps_its_code(emu: VoiceDubEmulator, vd: VoiceDubProvider,
                                              public_voice: str) -> None:
    job = vd.dub(LINK, voice=public_voice)
    _answer(emu, "POST /v1/me/dubs/*/preprocess",
            {"error": {"code": "dub_is_not_new", "message": "Dub is not new"}}, status=400)
    with pytest.raises(OutOfOrder) as info:
        vd.preprocess_dub(job.id)
    assert info.value.code == "dub_is_not_new" and "Dub is not new" in str(info.value)


def test_a_server_that_preprocesses_by_itself(emu: VoiceDubEmulator, vd: VoiceDubProvider,
                                              public_voice: str) -> None:
    _answer(emu, "POST /v1/me/dubs/*/preprocess",
            {"code": "dub_is_not_new", "message": "Dub is not new"}, status=400)
    job = vd.dub(LINK, voice=public_voice)  # not an error: the dub is read and followed
    assert job.wait(timeout=600).url


# -- what the client sends ---------------------------------------------------------------------


def test_request_bodies_keep_the_spec(emu: VoiceDubEmulator, vd: VoiceDubProvider,
                                      public_voice: str, spec_contract: Any) -> None:
    vd.dub(LINK, voice=public_voice, pitch_shift=-24, separate=False).wait(timeout=600)
    vd.dub(tone_wav(1.0), voice=public_voice, pitch_shift=24)
    vd.clone_voice([tone_wav(1.0)] * 5, name="x" * 50, max_minutes=60, separate=False)
    vd.clone_voice(tone_wav(1.0), name="y", max_minutes=5)
    sent = [e for e in emu.exchanges if e.method == "POST" and e.path in
            ("/v1/me/dubs", "/v1/me/voices")]
    assert len(sent) == 4
    for exchange in sent:
        template = spec_contract.template(exchange.path)
        assert json.loads(exchange.request_body)
        assert spec_contract.request_errors(exchange, template, exchange.path) == []
    bodies = [json.loads(e.request_body) for e in sent]
    assert bodies[0] == {"voiceId": public_voice, "link": LINK, "pitchShift": -24,
                         "separate": False}
    assert bodies[1] == {"voiceId": public_voice, "pitchShift": 24, "separate": True}
    assert bodies[2] == {"name": "x" * 50, "numberOfFiles": 5, "maxMinutes": 60,
                         "separate": False}
