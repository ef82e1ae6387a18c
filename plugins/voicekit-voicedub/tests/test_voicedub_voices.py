"""The public catalogue, trained voices (clone flow), balance and error mapping."""

from __future__ import annotations

import io
import itertools
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from voicekit_voicedub.emulator import VoiceDubEmulator
from voicekit_voicedub.provider import OutOfOrder, VoiceDubProvider

import voicekit_core as vk
from voicekit_core.testing.emulator import RateLimit
from voicekit_core.testing.media import tone_wav


def _queries(emu: VoiceDubEmulator) -> list[list[tuple[str, str]]]:
    return [urllib.parse.parse_qsl(r.query) for r in emu.requests("GET", "/v1/voices")]


# -- catalogue ---------------------------------------------------------------------------


def test_catalogue_pages_lazily(emu: VoiceDubEmulator, vd: VoiceDubProvider) -> None:
    voices = vd.list_voices(limit=8)
    assert emu.log == []  # nothing fetched before the first next()
    first = next(voices)
    assert len(emu.requests("GET", "/v1/voices")) == 1
    assert first.kind == "public" and first.provider == "voicedub"
    rest = list(voices)
    assert len(rest) + 1 == len(emu.public_voices) == 60
    queries = _queries(emu)
    assert len(queries) == 8  # 60 voices, 8 per page
    assert ("cursor", "8_" + rest[6].id) in queries[1]
    assert all(("limit", "8") in q for q in queries)


def test_catalogue_filters_are_sent_repeated(emu: VoiceDubEmulator,
                                             vd: VoiceDubProvider) -> None:
    voices = list(vd.list_voices(genres=["pop", "rap"], languages=["english", "fr"],
                                 styles="singing", search="e"))
    (query,) = [r.query for r in emu.requests("GET", "/v1/voices")]
    assert "genres=pop&genres=rap" in query
    assert "languages=english&languages=french" in query
    assert "styles=singing" in query
    for voice in voices:
        raw = voice.raw
        assert {"pop", "rap"} & set(raw["genres"]) and "singing" in raw["styles"]
        assert {"en", "fr"} & set(voice.languages)
        assert "e" in voice.name.lower()


def test_language_codes_map_onto_catalogue_names(emu: VoiceDubEmulator,
                                                 vd: VoiceDubProvider) -> None:
    voices = list(vd.list_voices(language="ja-JP"))
    assert voices and all("ja" in v.languages for v in voices)
    assert _queries(emu)[0] == [("languages", "japanese")]


def test_voice_fields(vd: VoiceDubProvider, emu: VoiceDubEmulator) -> None:
    voice = next(vd.list_voices(search="Velvet Echo"))
    raw = emu.public_voices[0]
    assert (voice.id, voice.name) == (raw["id"], raw["name"])
    assert voice.languages == ("en", "ja")
    assert voice.description == "singing; pop"
    assert voice.raw["avatarUrl"] == raw["avatarUrl"]
    assert vd.catalogue_filters()["styles"] == ("singing", "rapping", "speaking",
                                                "character", "other")


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"search": ""}, "search"),
    ({"search": "x" * 51}, "search"),
    ({"limit": 7}, "limit"),
    ({"limit": 51}, "limit"),
    ({"limit": "20"}, "limit"),
    ({"genres": ["polka"]}, "genres"),
    ({"languages": ["klingon"]}, "languages"),
    ({"styles": ["yodel"]}, "styles"),
    ({"language": "de"}, "language"),
    ({"language": 0}, "language"),
    ({"language": None, "languages": 0}, "languages"),
    ({"genres": 5}, "genres"),
    ({"language": "en", "languages": ["french"]}, "language"),
    ({"mood": "happy"}, "mood"),
    ({"kind": "system"}, "kind"),
    ({"kind": "cloned"}, "ids"),
])
def test_catalogue_arguments_are_validated_before_any_request(
    emu: VoiceDubEmulator, vd: VoiceDubProvider, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(vk.InvalidInput) as info:
        vd.list_voices(**kwargs)
    assert info.value.field == field and info.value.limit
    assert emu.log == []


def test_emulator_rejects_what_the_spec_forbids(emu: VoiceDubEmulator,
                                                vd: VoiceDubProvider) -> None:
    with pytest.raises(vk.InvalidRequest) as info:
        vd.http.json("GET", "/v1/voices", params={"limit": 5})
    assert info.value.code == "invalid_arguments"
    with pytest.raises(vk.InvalidRequest):
        vd.http.json("POST", "/v1/me/voices", json={"name": "x", "numberOfFiles": 9})
    with pytest.raises(vk.InvalidRequest):
        vd.http.json("POST", "/v1/me/dubs", json={"voiceId": emu.public_voices[0]["id"],
                                                  "pitchShift": 30})


# -- trained voices ----------------------------------------------------------------------


def test_clone_a_voice_end_to_end(emu: VoiceDubEmulator, vd: VoiceDubProvider,
                                  tmp_path: Path) -> None:
    path = tmp_path / "take1.wav"
    path.write_bytes(tone_wav(2.0))
    samples: list[Any] = [path, tone_wav(1.0), io.BytesIO(tone_wav(0.5))]
    before = emu.ledger.balance
    job = vd.clone_voice(samples, name="My Voice", max_minutes=20, separate=False)
    assert job.kind == "clone" and job.vendor_status == "queued"
    updates: list[str | None] = []
    voice = job.wait(timeout=600, on_update=lambda j: updates.append(j.vendor_status))
    assert updates[-1] == "done" and "processing" in updates
    times = [r.time for r in emu.requests("GET", f"/v1/me/voices/{voice.id}")]
    assert len(times) >= 3 and min(b - a for a, b in itertools.pairwise(times)) >= 3.0
    assert isinstance(voice, vk.Voice)
    assert (voice.name, voice.kind, voice.provider) == ("My Voice", "cloned", "voicedub")
    record = emu.voices[voice.id]
    assert (record["maxMinutes"], record["separate"]) == (20, False)
    assert before - emu.ledger.balance == 200
    uploads = [emu.storage.uploads[k] for k in record["upload_keys"]]
    assert uploads == [tone_wav(2.0), tone_wav(1.0), tone_wav(0.5)]
    for request in emu.storage.log:
        assert not request.has_credentials and "content-type" not in request.headers
    info = vd.get_voice(voice.id)
    assert info.status.value == "done" and info.api_credits_used == 200
    assert [v.id for v in vd.list_voices(kind="cloned", ids=[voice.id])] == [voice.id]
    padded = f" {voice.id}\n"  # pasted with spaces: every id-taking call drops them alike
    assert vd.get_voice(padded).status.value == "done"
    assert [v.id for v in vd.list_voices(kind="cloned", ids=[padded])] == [voice.id]


def test_clone_job_resumes_in_a_new_provider(emu: VoiceDubEmulator,
                                             vd: VoiceDubProvider) -> None:
    ref = str(vd.clone_voice(tone_wav(1.0), name="Later").to_ref())
    vd.close()
    fresh = vk.connect("voicedub", **emu.connect_options())
    assert fresh.job(ref).wait(timeout=600).name == "Later"
    fresh.close()


def test_clone_max_credits_refused_before_any_request(emu: VoiceDubEmulator,
                                                      vd: VoiceDubProvider) -> None:
    with pytest.raises(vk.CreditLimitExceeded) as info:
        vd.clone_voice(tone_wav(1.0), name="Pricey", max_minutes=30, max_credits=100)
    assert info.value.need == 300
    assert emu.log == [] and emu.ledger.entries == []


def test_training_twice_is_out_of_order(emu: VoiceDubEmulator, vd: VoiceDubProvider) -> None:
    job = vd.clone_voice(tone_wav(1.0), name="Once")
    with pytest.raises(OutOfOrder) as info:
        vd.train_voice(job.id)
    assert info.value.code == "voice_is_not_new" and "started once" in info.value.message
    assert len(emu.ledger.entries) == 1


def test_failed_training_raises_job_failed(emu: VoiceDubEmulator, vd: VoiceDubProvider) -> None:
    emu.fail_voices = True
    with pytest.raises(vk.JobFailed) as info:
        vd.clone_voice(tone_wav(1.0), name="Broken").wait(timeout=600)
    assert info.value.code == "training_failed"


def test_training_without_credits(emu_factory: Any, voicekit_fast_retries: None) -> None:
    emu = emu_factory(credits=50)
    vd = vk.connect("voicedub", **emu.connect_options())
    with pytest.raises(vk.InsufficientCredits):
        vd.clone_voice(tone_wav(1.0), name="Poor")
    assert emu.ledger.balance == 50


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"samples": []}, "samples"),
    ({"samples": [tone_wav(0.1)] * 6}, "samples"),
    ({"samples": ["/nonexistent.wav"]}, "samples"),
    ({"samples": [tone_wav(0.1), b""]}, "samples[1]"),
    ({"samples": "https://example.com/a.wav"}, "samples"),
    ({"name": ""}, "name"),
    ({"name": "n" * 51}, "name"),
    ({"max_minutes": 4}, "max_minutes"),
    ({"max_minutes": 61}, "max_minutes"),
    ({"description": "deep voice"}, "description"),
    ({"separate": 1}, "separate"),
    ({"epochs": 3}, "epochs"),
])
def test_clone_validates_locally_before_any_request(
    emu: VoiceDubEmulator, vd: VoiceDubProvider, kwargs: dict[str, Any], field: str
) -> None:
    call = {"samples": tone_wav(0.5), "name": "Valid", **kwargs}
    with pytest.raises(vk.InvalidInput) as info:
        vd.clone_voice(**call)
    # the field names the argument; the message names the item of a list
    assert info.value.field == field.split("[")[0] and info.value.limit
    assert field in info.value.message
    assert emu.log == []


# -- account and errors ------------------------------------------------------------------


def test_balance(emu: VoiceDubEmulator, vd: VoiceDubProvider) -> None:
    balance = vd.balance()
    assert balance.credits == emu.ledger.balance == 10_000
    assert balance.raw == {"user": {"apiCredits": 10_000}}


def test_unknown_ids_are_not_found(vd: VoiceDubProvider) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(vk.NotFound) as info:
        vd.get_dub(missing)
    assert info.value.status == 404 and info.value.code == "not_found"
    with pytest.raises(vk.NotFound):
        vd.get_voice(missing)


def test_the_emulators_own_rate_limit_is_retried(emu: VoiceDubEmulator,
                                                 vd: VoiceDubProvider) -> None:
    emu.rate_limits["read"] = RateLimit(2, 60)
    vd.balance()
    vd.balance()
    before = emu.clock.now()
    assert vd.balance().credits == 10_000  # 429, wait for the next minute, retry
    assert emu.clock.now() - before >= 1
    assert [r.path for r in emu.log].count("/v1/me") == 4


def test_bad_key_is_an_authentication_error(emu: VoiceDubEmulator,
                                            voicekit_fast_retries: None) -> None:
    vd = vk.connect("voicedub", **emu.connect_options(api_key="vd-wrong"))
    with pytest.raises(vk.AuthenticationError) as info:
        vd.balance()
    assert info.value.code == "unauthorized"


def test_responses_that_break_the_spec_are_bad_responses(emu: VoiceDubEmulator,
                                                         vd: VoiceDubProvider) -> None:
    emu.faults.add("GET /v1/me", "status", status=200, body=b'{"user": {}}')
    with pytest.raises(vk.BadResponse) as info:
        vd.balance()
    assert "apiCredits" in str(info.value)
    emu.faults.add("GET /v1/voices", "status", status=200,
                   body=b'{"voices": [{"id": "x"}], "nextCursor": null}')
    with pytest.raises(vk.BadResponse):
        next(vd.list_voices())


def test_extra_fields_are_tolerated(emu: VoiceDubEmulator, vd: VoiceDubProvider) -> None:
    emu.faults.add("GET /v1/me", "status", status=200,
                   body=b'{"user": {"apiCredits": 7, "plan": "pro"}, "trace": 1}')
    assert vd.balance().credits == 7


def test_provider_metadata() -> None:
    info = vk.registry.get_registry().info("voicedub")
    assert info.default_base_url == "https://api.voicedub.ai"
    assert info.credentials == ("VOICEDUB_API_KEY",)
    # "poll this a maximum of once every 3 seconds"
    assert {kind.name: kind.poll.interval for kind in VoiceDubProvider.jobs} == {
        "dub": 3.0, "clone": 3.0}
