"""The client against the documentation's own example bodies, and against the variants
an independent implementation of the same documentation may reasonably send."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import voicekit_core as vk
from voicekit_core.testing.media import tone_wav

from voicekit_beautyface.emulator import BeautyfaceEmulator
from voicekit_beautyface.provider import BeautyfaceProvider

VOICES = "/api/v1/voices"

# -- the documentation's example answers, verbatim ----------------------------------------

DOC_CLONE = {
    "success": True, "voiceId": "clxxxx",
    "voice": {"id": "clxxxx", "title": "My Voice Clone",
              "description": "A custom voice description",
              "coverImage": "https://example.com/cover.jpg",
              "audioUrl": "https://your-storage.com/voices/user123/1234567890-voice.mp3",
              "duration": 125.3, "tags": ["male", "young"],
              "createdAt": "2024-01-01T00:00:00.000Z"},
}
DOC_VOICES = {
    "success": True,
    "voices": [{"id": "clxxxx", "title": "My Voice Clone",
                "description": "A custom voice description",
                "coverImage": "https://example.com/cover.jpg",
                "audioUrl": "https://your-storage.com/voices/user123/voice.mp3",
                "duration": 125, "status": "COMPLETED", "type": "USER", "isPublic": False,
                "popularity": 0, "tags": ["male", "young"], "usageCount": 15,
                "createdAt": "2024-01-01T00:00:00.000Z",
                "updatedAt": "2024-01-01T00:00:00.000Z"}],
    "pagination": {"page": 1, "limit": 20, "total": 1, "totalPages": 1, "hasNext": False,
                   "hasPrev": False},
}
DOC_TTS = {
    "success": True, "speechId": "clxxxx", "creditsUsed": 29,
    "speech": {"id": "clxxxx", "text": "Hello, this is a test speech.", "format": "mp3",
               "status": "PROCESSING", "creditsUsed": 29,
               "createdAt": "2024-01-01T00:00:00.000Z"},
}
DOC_SPEECH = {
    "success": True,
    "speech": {"id": "clxxxx", "text": "Hello, this is a test speech.",
               "audioUrl": "https://your-storage.com/speeches/user123/speech.mp3",
               "format": "mp3", "duration": 3.5, "status": "COMPLETED", "creditsUsed": 29,
               "createdAt": "2024-01-01T00:00:00.000Z",
               "updatedAt": "2024-01-01T00:00:15.000Z",
               "voice": {"id": "clxxxx", "title": "My Voice",
                         "coverImage": "https://example.com/cover.jpg", "type": "USER"}},
}
DOC_CREDITS = {"success": True, "credits": 5000,
               "breakdown": {"regular": 3000, "permanent": 2000,
                             "resetAt": "2024-02-01T00:00:00.000Z"}}


def _answer(emulator: BeautyfaceEmulator, match: str, body: Any, status: int = 200,
            count: int = 1) -> None:
    emulator.faults.add(match, "status", status=status, count=count,
                        body=json.dumps(body).encode())


def test_doc_example_clone_answer(bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator
                                  ) -> None:
    _answer(bf_emulator, "POST /api/v1/voice-clone", DOC_CLONE)
    job = bf.clone_voice(tone_wav(1.0, sample_rate=8000), name="My Voice Clone")
    assert job.id == "clxxxx" and job.state is vk.JobState.PENDING
    assert job.to_ref().context == {"created_at": "2024-01-01T00:00:00.000Z"}
    _answer(bf_emulator, "GET /api/v1/voices", DOC_VOICES)
    job.refresh()
    voice = job.result()
    assert (voice.id, voice.name, voice.kind) == ("clxxxx", "My Voice Clone", "cloned")


def test_doc_example_voice_list(bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator
                                ) -> None:
    _answer(bf_emulator, "GET /api/v1/voices", DOC_VOICES)
    (voice,) = bf.list_voices()
    assert (voice.id, voice.name, voice.kind) == ("clxxxx", "My Voice Clone", "cloned")
    assert voice.description == "A custom voice description"
    assert voice.raw["usageCount"] == 15
    assert len(bf_emulator.requests("GET", VOICES)) == 1  # hasNext false: one page


def test_doc_example_tts_and_status_answers(bf: BeautyfaceProvider,
                                            bf_emulator: BeautyfaceEmulator) -> None:
    _answer(bf_emulator, "POST /api/v1/tts", DOC_TTS)
    job = bf.submit_speech("Hello, this is a test speech.", voice="clxxxx", format="mp3")
    assert job.id == "clxxxx" and job.vendor_status == "PROCESSING"
    assert job.state is vk.JobState.RUNNING
    _answer(bf_emulator, "GET /api/v1/tts/clxxxx", DOC_SPEECH)
    speech = bf.get_speech("clxxxx")
    assert speech.state is vk.JobState.SUCCEEDED and speech.duration == 3.5
    assert speech.audio_url == "https://your-storage.com/speeches/user123/speech.mp3"
    assert (speech.voice_id, speech.credits_used, speech.format) == ("clxxxx", 29, "mp3")
    assert speech.updated_at == dt.datetime(2024, 1, 1, 0, 0, 15, tzinfo=dt.timezone.utc)


def test_doc_example_credits(bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator) -> None:
    _answer(bf_emulator, "GET /api/v1/credits", DOC_CREDITS)
    balance = bf.balance()
    assert balance.credits == 5000 and dict(balance.breakdown) == {"regular": 3000,
                                                                    "permanent": 2000}
    assert balance.resets_at == dt.datetime(2024, 2, 1, tzinfo=dt.timezone.utc)


# -- variants -----------------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    [{"id": 7, "title": "Seven"}],  # a bare list, a numeric id
    {"data": [{"id": 7, "title": "Seven"}]},
    {"success": True, "voices": [{"id": "7"}], "pagination": {"totalPages": 1}},
])
def test_voice_list_variants(bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator,
                             body: Any) -> None:
    _answer(bf_emulator, "GET /api/v1/voices", body)
    (voice,) = bf.list_voices(limit=5)
    assert voice.id == "7" and voice.name in ("Seven", "7")


def test_unwrapped_tts_and_clone_answers(bf: BeautyfaceProvider,
                                        bf_emulator: BeautyfaceEmulator) -> None:
    _answer(bf_emulator, "POST /api/v1/tts",
            {"id": "sp1", "status": "QUEUED", "creditsUsed": 5})
    job = bf.submit_speech("Hello", voice="clvoice")
    assert job.id == "sp1" and job.state is vk.JobState.PENDING
    _answer(bf_emulator, "POST /api/v1/voice-clone",
            {"success": True, "id": 17, "status": "PROCESSING",
             "createdAt": "2024-01-01T00:00:00Z"})
    clone = bf.clone_voice(tone_wav(1.0, sample_rate=8000), name="Flat")
    assert clone.id == "17" and clone.vendor_status == "PROCESSING"
    assert clone.to_ref().context == {"created_at": "2024-01-01T00:00:00Z"}


def test_speech_without_a_status(bf: BeautyfaceProvider,
                                 bf_emulator: BeautyfaceEmulator) -> None:
    _answer(bf_emulator, "GET /api/v1/tts/s1", {"speech": {"id": "s1", "audioUrl": None}})
    assert bf.get_speech("s1").state is vk.JobState.RUNNING
    _answer(bf_emulator, "GET /api/v1/tts/s1",
            {"speech": {"id": "s1", "audioUrl": "https://files.example.com/s1.mp3"}})
    assert bf.get_speech("s1").state is vk.JobState.SUCCEEDED


def test_empty_account_with_voices_null(bf: BeautyfaceProvider,
                                        bf_emulator: BeautyfaceEmulator) -> None:
    _answer(bf_emulator, "GET /api/v1/voices",
            {"success": True, "voices": None, "pagination": {"total": 0, "hasNext": False}})
    assert list(bf.list_voices()) == []


def test_language_from_comma_separated_tags(bf: BeautyfaceProvider,
                                            bf_emulator: BeautyfaceEmulator) -> None:
    _answer(bf_emulator, "GET /api/v1/voices", {"voices": [
        {"id": "a", "title": "A", "tags": "female, fr"},
        {"id": "b", "title": "B", "tags": "male,de"}]})
    assert [v.id for v in bf.list_voices(language="fr")] == ["a"]


def test_clone_lookup_reads_on_when_the_listing_ignores_the_sort(
    bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator
) -> None:
    """A server that lists oldest first: an old voice first does not mean "gone"."""
    job = bf.clone_voice(tone_wav(1.0, sample_rate=8000), name="Mine")
    made = job.to_ref().context["created_at"]
    page1 = {"voices": [
        {"id": "old1", "title": "Old 1", "type": "USER", "status": "COMPLETED",
         "createdAt": "2020-01-01T00:00:00.000Z"},
        {"id": "old2", "title": "Old 2", "type": "USER", "status": "COMPLETED",
         "createdAt": "2021-01-01T00:00:00.000Z"}],
        "pagination": {"page": 1, "hasNext": True}}
    page2 = {"voices": [{"id": job.id, "title": "Mine", "type": "USER",
                         "status": "COMPLETED", "createdAt": made}],
             "pagination": {"page": 2, "hasNext": False}}
    _answer(bf_emulator, "GET /api/v1/voices", page1)
    _answer(bf_emulator, "GET /api/v1/voices", page2)
    job.refresh()
    assert job.done and job.result().name == "Mine"
    assert len(bf_emulator.requests("GET", VOICES)) == 2


def test_clone_lookup_stops_at_a_sorted_page_of_older_voices(
    bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator
) -> None:
    job = bf.clone_voice(tone_wav(1.0, sample_rate=8000), name="Mine")
    older = {"voices": [
        {"id": "old2", "title": "Old 2", "createdAt": "2021-01-01T00:00:00.000Z"},
        {"id": "old1", "title": "Old 1", "createdAt": "2020-01-01T00:00:00.000Z"}],
        "pagination": {"hasNext": True}}
    _answer(bf_emulator, "GET /api/v1/voices", older)
    with pytest.raises(vk.NotFound):
        job.refresh()
    assert len(bf_emulator.requests("GET", VOICES)) == 1


def test_balance_variants(bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator) -> None:
    _answer(bf_emulator, "GET /api/v1/credits",
            {"breakdown": {"regular": 30, "permanent": 12, "resetAt": None}})
    balance = bf.balance()
    assert balance.credits == 42 and balance.resets_at is None
    _answer(bf_emulator, "GET /api/v1/credits", {"credits": "17.5"})
    assert bf.balance().credits == 17.5
    _answer(bf_emulator, "GET /api/v1/credits", {"success": True})
    with pytest.raises(vk.BadResponse):
        bf.balance()


def test_a_429_saying_insufficient_credits_without_a_code_is_not_retried(
    bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator
) -> None:
    _answer(bf_emulator, "POST /api/v1/tts", {"error": "Insufficient credits"}, status=429,
            count=5)
    with pytest.raises(vk.InsufficientCredits) as info:
        bf.submit_speech("Hello", voice="clvoice")
    assert info.value.need is None and "Insufficient credits" in str(info.value)
    assert len(bf_emulator.requests("POST", "/api/v1/tts")) == 1


def test_a_429_without_a_code_or_credits_is_a_rate_limit(
    bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator
) -> None:
    _answer(bf_emulator, "GET /api/v1/credits", {"error": "Too many requests"}, status=429)
    assert bf.balance().credits == 100_000  # retried once the window allowed
    assert len(bf_emulator.requests("GET", "/api/v1/credits")) == 2


@pytest.mark.parametrize(("body", "error"), [
    ({"success": False, "code": "USAGE_LIMIT_EXCEEDED", "error": "Insufficient credits",
      "credits": 10, "needCredits": 29}, vk.InsufficientCredits),
    ({"success": False, "code": "NOT_FOUND", "error": "Voice not found or not available"},
     vk.NotFound),
    ({"success": False, "error": "Something odd"}, vk.ProviderError),
])
def test_a_2xx_saying_success_false_is_an_error(
    bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator, body: dict[str, Any],
    error: type[vk.ProviderError]
) -> None:
    _answer(bf_emulator, "POST /api/v1/tts", body)
    with pytest.raises(error) as info:
        bf.submit_speech("Hello, this is a test speech.", voice="clvoice")
    assert str(body["error"]) in str(info.value)
    if isinstance(info.value, vk.InsufficientCredits):
        assert (info.value.have, info.value.need) == (10, 29)


# -- audio served by the API host itself --------------------------------------------------


def _aria(bf: BeautyfaceProvider) -> vk.Voice:
    return next(v for v in bf.list_voices() if v.name == "Aria")


def test_audio_on_the_api_host_is_fetched_without_the_key(
    voicekit_emulator: Any, voicekit_connect: Any, voicekit_fast_retries: None
) -> None:
    emulator: BeautyfaceEmulator = voicekit_emulator(BeautyfaceEmulator, media_host="api")
    bf = voicekit_connect(emulator)
    audio = bf.synthesize("Served at home.", voice=_aria(bf), format="mp3")
    assert audio.format == "mp3" and audio.data
    (download,) = emulator.requests("GET", "/uploads/*")
    assert not download.has_credentials
    assert emulator.storage.log == []


def test_audio_behind_the_api_key_on_the_api_host_is_asked_again_with_it(
    voicekit_emulator: Any, voicekit_connect: Any, voicekit_fast_retries: None
) -> None:
    emulator: BeautyfaceEmulator = voicekit_emulator(BeautyfaceEmulator,
                                                     media_host="api-private")
    bf = voicekit_connect(emulator)
    audio = bf.synthesize("Private file.", voice=_aria(bf), format="wav")
    assert audio.format == "wav" and audio.duration
    anonymous, keyed = emulator.requests("GET", "/uploads/*")
    assert not anonymous.has_credentials and keyed.has_credentials


def test_the_key_is_never_sent_to_a_storage_host_that_refuses(
    bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator
) -> None:
    bf_emulator.storage.faults.add("GET /files/*", "error", error="unauthorized", count=5)
    with pytest.raises(vk.PermissionDenied):
        bf.synthesize("Refused.", voice=_aria(bf))
    assert bf_emulator.storage.log and bf_emulator.storage.violations == []


# -- rate limits: the documentation's client waits at least 1 s ---------------------------


@pytest.mark.parametrize("reset", ["now", "past", "unreadable"])
def test_a_rate_limit_whose_reset_is_due_waits_a_second(
    bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator, reset: str
) -> None:
    """A server that compares ``now > reset`` still refuses at the reset second itself:
    an immediate retry (a wait of 0) would be refused again and again."""
    wall = int(bf_emulator.clock.wall())
    value = {"now": str(wall), "past": str(wall - 5), "unreadable": "soon"}[reset]
    bf_emulator.faults.add("GET /api/v1/credits", "status", status=429,
                           headers={"X-RateLimit-Reset": value, "X-RateLimit-Remaining": "0"},
                           body=json.dumps({"code": "RATE_LIMITED",
                                            "error": "Rate limit exceeded"}).encode())
    assert bf.balance().credits == 100_000
    first, second = bf_emulator.requests("GET", "/api/v1/credits")
    assert second.time - first.time == pytest.approx(1.0)


def test_a_rate_limit_waits_until_its_reset(bf: BeautyfaceProvider,
                                            bf_emulator: BeautyfaceEmulator) -> None:
    reset = int(bf_emulator.clock.wall()) + 30
    bf_emulator.faults.add("GET /api/v1/credits", "status", status=429,
                           headers={"X-RateLimit-Reset": str(reset)},
                           body=json.dumps({"code": "RATE_LIMITED",
                                            "error": "Rate limit exceeded"}).encode())
    bf.balance()
    _, second = bf_emulator.requests("GET", "/api/v1/credits")
    assert bf_emulator.wall(second.time) == pytest.approx(reset, abs=1e-3)
