"""Speech: submit, poll on the 3 s rhythm, download from storage; validation and failures."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import voicekit_core as vk
from voicekit_core.audio import parse_wav_header

from voicekit_beautyface.emulator import BeautyfaceEmulator
from voicekit_beautyface.provider import BeautyfaceProvider, Speech

POST_TTS = "/api/v1/tts"
GET_TTS = "/api/v1/tts/*"


def _voice(bf: BeautyfaceProvider) -> vk.Voice:
    return next(v for v in bf.list_voices() if v.name == "Aria")


def test_synthesize_polls_early_then_every_3_s_and_downloads_without_credentials(
    bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator
) -> None:
    voice = _voice(bf)
    audio = bf.synthesize("Hello, this is a test speech.", voice=voice)
    assert audio.format == "wav"
    info = parse_wav_header(audio.data)
    assert info.sample_rate == 16000 and audio.duration and audio.duration > 0
    (post,) = bf_emulator.requests("POST", POST_TTS)
    polls = bf_emulator.requests("GET", GET_TTS)
    times = [p.time - post.time for p in polls]
    assert times[0] == pytest.approx(0.25)  # a first look at once, in case it is quick
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(later >= earlier for earlier, later in itertools.pairwise(gaps))  # backing off
    assert max(gaps) <= 3.0  # never slower than the vendor's rhythm
    assert 6.0 <= times[-1] <= 6.0 * 1.25  # collected within 1.25x the job's 6 s
    assert audio.metadata["speech_id"] == polls[0].path.rsplit("/", 1)[1]
    # the audio came from the storage origin, with no credentials at all
    (download,) = bf_emulator.storage.log
    assert download.method == "GET" and download.path.startswith("/files/speeches/")
    assert download.header("authorization") is None and not download.has_credentials
    assert bf_emulator.storage.violations == []
    assert post.header("authorization") == f"Bearer {bf_emulator.credentials['api_key']}"


@pytest.mark.parametrize(("fmt", "expected"), [("mp3", "mp3"), ("opus", "opus"),
                                               ("pcm", "pcm"), ("WAV", "wav")])
def test_every_format(bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator, fmt: str,
                      expected: str) -> None:
    audio = bf.synthesize("Format check.", voice=_voice(bf), format=fmt)
    assert audio.format == expected and len(audio.data) > 0
    assert audio.duration == pytest.approx(0.78)  # 13 characters x 0.06 s
    speech = next(iter(bf_emulator.speeches.values()))
    assert speech["format"] == expected


def test_submit_many_then_collect(bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator
                                  ) -> None:
    voice = _voice(bf)
    texts = [f"Sentence number {i}." for i in range(5)]
    jobs = [bf.submit_speech(t, voice=voice, format="mp3") for t in texts]
    assert all(j.kind == "speech" and j.state is vk.JobState.RUNNING for j in jobs)
    assert len(bf_emulator.requests("GET", GET_TTS)) == 0  # nothing polled yet
    audios = [j.wait() for j in jobs]
    assert [a.metadata["speech_id"] for a in audios] == [j.id for j in jobs]
    # the first job is polled until done; the others were done by then: one look each
    first = [r for r in bf_emulator.requests("GET", GET_TTS) if r.path.endswith(jobs[0].id)]
    assert len(bf_emulator.requests("GET", GET_TTS)) == len(first) + 4
    assert bf_emulator.ledger.spent == sum(len(t.encode()) for t in texts)


def test_speech_job_resumes_from_its_ref(bf: BeautyfaceProvider,
                                         bf_emulator: BeautyfaceEmulator) -> None:
    ref = str(bf.submit_speech("Resume me later.", voice=_voice(bf), format="opus").to_ref())
    assert ref.startswith("beautyface:speech:") and "format=opus" in ref
    other = vk.connect("beautyface", **bf_emulator.connect_options())
    job = other.job(ref)
    assert job.state is vk.JobState.RUNNING and job.vendor_status == "PROCESSING"
    audio = job.wait()
    assert audio.format == "opus" and audio.data.startswith(b"OggS")
    other.close()


def test_failed_speech_raises_job_failed(bf: BeautyfaceProvider,
                                         bf_emulator: BeautyfaceEmulator) -> None:
    bf_emulator.fail_next("speech")
    with pytest.raises(vk.JobFailed) as info:
        bf.synthesize("This one fails.", voice=_voice(bf))
    assert info.value.vendor_status == "FAILED" and info.value.provider == "beautyface"
    assert bf_emulator.storage.log == []


def test_wait_timeout_leaves_a_ref_to_resume(bf: BeautyfaceProvider,
                                             bf_emulator: BeautyfaceEmulator) -> None:
    with pytest.raises(vk.JobTimeout) as info:
        bf.synthesize("Slow.", voice=_voice(bf), wait_timeout=4)
    assert info.value.ref.startswith("beautyface:speech:")
    assert bf.job(info.value.ref).wait().format == "wav"


def test_get_speech(bf: BeautyfaceProvider) -> None:
    job = bf.submit_speech("Status please.", voice=_voice(bf), format="mp3")
    speech = bf.get_speech(job.id)
    assert isinstance(speech, Speech)
    assert speech.status == "PROCESSING" and speech.audio_url is None
    assert speech.credits_used == len("Status please.") and speech.format == "mp3"
    bf.clock.sleep(6)
    done = bf.get_speech(job.id)
    assert done.state is vk.JobState.SUCCEEDED and done.audio_url and done.duration
    assert bf.fetch_speech(done).format == "mp3"
    assert bf.fetch_speech(job.id).format == "mp3"  # an id is looked up
    with pytest.raises(vk.NotFound):
        bf.get_speech("cl-does-not-exist")


@pytest.mark.parametrize(("speech", "options", "field"), [
    (None, {}, "speech"), (5, {}, "speech"), ("abc/../x", {}, "speech_id"),
    ("abc", {"format": "flac"}, "format"), ("abc", {"format": 3}, "format")])
def test_fetch_speech_refuses_what_is_not_a_speech_before_any_request(
    bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator, speech: object,
    options: dict[str, object], field: str
) -> None:
    before = len(bf_emulator.log)
    with pytest.raises(vk.InvalidInput) as caught:
        bf.fetch_speech(speech, **options)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert len(bf_emulator.log) == before


# -- local validation: nothing is sent --------------------------------------------------


def test_cjk_text_over_5000_bytes_is_refused_locally(bf: BeautyfaceProvider,
                                                     bf_emulator: BeautyfaceEmulator) -> None:
    voice = _voice(bf)
    text = "語" * 1700  # 1700 characters, 5100 UTF-8 bytes
    assert len(text) < 5000 < len(text.encode())
    before = len(bf_emulator.log)
    with pytest.raises(vk.InvalidInput) as info:
        bf.synthesize(text, voice=voice)
    assert info.value.field == "text" and "5000" in (info.value.limit or "")
    assert "5100 UTF-8 bytes" in str(info.value)
    with pytest.raises(vk.InvalidInput):
        bf.submit_speech(text, voice=voice)
    assert len(bf_emulator.log) == before


def test_text_of_exactly_5000_bytes_is_accepted_and_costs_5000(
    bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator
) -> None:
    text = "語" * 1666 + "ab"
    assert len(text.encode()) == 5000
    assert bf.estimate("synthesize", text=text) == vk.Cost(5000.0, "credits", exact=True)
    bf.submit_speech(text, voice=_voice(bf)).wait()
    assert bf_emulator.ledger.spent == 5000


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"text": ""}, "text"),
    ({"text": "   "}, "text"),
    ({"text": "ok", "format": "flac"}, "format"),
    ({"text": "ok", "voice": ""}, "voice"),
    ({"text": "ok", "speed": 2}, "speed"),
    ({"text": "ok", "max_credits": 1}, "max_credits"),
])
def test_bad_input_is_refused_before_any_request(
    bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator, kwargs: dict[str, object],
    field: str
) -> None:
    args: dict[str, object] = {"voice": "clsomevoice", **kwargs}
    with pytest.raises(vk.InvalidInput) as info:
        bf.synthesize(**args)  # type: ignore[arg-type]
    assert info.value.field == field
    assert bf_emulator.log == []


def test_max_credits_refuses_before_any_request(bf: BeautyfaceProvider,
                                                bf_emulator: BeautyfaceEmulator) -> None:
    with pytest.raises(vk.CreditLimitExceeded) as info:
        bf.synthesize("你好, world", voice="clvoice", max_credits=12)  # 6 + 7 = 13 bytes
    assert info.value.need == 13 and info.value.max_credits == 12
    assert bf_emulator.log == []
    bf.submit_speech("你好, world", voice=_voice(bf), max_credits=13).wait()
    assert bf_emulator.ledger.spent == 13


def test_a_voice_still_processing_is_refused_locally(bf: BeautyfaceProvider,
                                                     bf_emulator: BeautyfaceEmulator) -> None:
    bf_emulator.add_voice("Half done", type="USER", status="PROCESSING")
    (voice,) = bf.list_voices(status="PROCESSING")
    with pytest.raises(vk.InvalidInput, match="PROCESSING"):
        bf.synthesize("Hi", voice=voice)
    assert bf_emulator.requests("POST", POST_TTS) == []


# -- vendor errors ------------------------------------------------------------------------


def test_usage_limit_exceeded_is_insufficient_credits_and_never_retried(
    voicekit_emulator: object, voicekit_connect: object, voicekit_fast_retries: None
) -> None:
    emulator = voicekit_emulator(BeautyfaceEmulator, credits=10)  # type: ignore[operator]
    bf = voicekit_connect(emulator)  # type: ignore[operator]
    text = "Hello, this is a test speech."  # 29 bytes
    with pytest.raises(vk.InsufficientCredits) as info:
        bf.synthesize(text, voice=_voice(bf))
    assert (info.value.have, info.value.need) == (10, 29)
    assert info.value.status == 429 and info.value.code == "USAGE_LIMIT_EXCEEDED"
    assert "needs 29 credits" in str(info.value)
    assert len(emulator.requests("POST", POST_TTS)) == 1
    assert emulator.ledger.spent == 0 and emulator.speeches == {}


def test_post_tts_answered_500_is_not_retried(bf: BeautyfaceProvider,
                                              bf_emulator: BeautyfaceEmulator) -> None:
    voice = _voice(bf)
    bf_emulator.faults.add("POST /api/v1/tts", "error", error="server_error", count=5)
    with pytest.raises(vk.ServerError) as info:
        bf.synthesize("Maybe spent.", voice=voice)
    assert info.value.may_have_been_processed
    assert "may have been processed" in str(info.value)
    assert info.value.code == "INTERNAL_ERROR" and info.value.status == 500
    assert len(bf_emulator.requests("POST", POST_TTS)) == 1


def test_post_tts_connection_reset_is_not_retried(bf: BeautyfaceProvider,
                                                  bf_emulator: BeautyfaceEmulator) -> None:
    voice = _voice(bf)
    bf_emulator.faults.add("POST /api/v1/tts", "reset", count=5)
    with pytest.raises(vk.TransportError) as info:
        bf.submit_speech("Maybe spent.", voice=voice)
    assert info.value.may_have_been_processed
    assert len(bf_emulator.requests("POST", POST_TTS)) == 1


def test_status_polls_and_downloads_are_retried(bf: BeautyfaceProvider,
                                                bf_emulator: BeautyfaceEmulator) -> None:
    voice = _voice(bf)
    bf_emulator.faults.add("GET /api/v1/tts/*", "error", error="server_error", count=2)
    bf_emulator.storage.faults.add("GET /files/*", "truncate", count=1)
    audio = bf.synthesize("Robust.", voice=voice, format="wav")
    assert parse_wav_header(audio.data).data_size == len(audio.data) - 44
    looks = bf_emulator.requests("GET", GET_TTS)
    assert [r.fault for r in looks[:2]] == ["error", "error"]  # the first look, retried twice
    assert all(r.fault is None for r in looks[2:])
    assert len(bf_emulator.storage.log) == 2  # a cut download, then a whole one
    assert bf_emulator.storage.violations == []


def test_unknown_voice_is_not_found_and_costs_nothing(bf: BeautyfaceProvider,
                                                      bf_emulator: BeautyfaceEmulator) -> None:
    with pytest.raises(vk.NotFound) as info:
        bf.synthesize("Hello", voice="clnosuchvoice")
    assert "Voice not found" in str(info.value) and info.value.code == "NOT_FOUND"
    assert bf_emulator.ledger.spent == 0


@pytest.mark.parametrize(("fmt", "suffix"), [("wav", "wav"), ("mp3", "mp3"), ("opus", "ogg")])
def test_to_path_downloads_the_speech_straight_into_the_file(
        bf: BeautyfaceProvider, bf_emulator: BeautyfaceEmulator, tmp_path: Path,
        fmt: str, suffix: str) -> None:
    in_memory = bf.synthesize("Format check.", voice=_voice(bf), format=fmt)
    saved = bf.synthesize("Format check.", voice=_voice(bf), format=fmt,
                          to=tmp_path / f"speech.{suffix}")
    assert isinstance(saved, vk.SavedAudio) and saved.path == tmp_path / f"speech.{suffix}"
    assert saved.data == in_memory.data and saved.format == in_memory.format
    assert (saved.duration, saved.sample_rate) == (in_memory.duration, in_memory.sample_rate)
    assert saved.metadata["speech_id"] != in_memory.metadata["speech_id"]
    assert [p.name for p in tmp_path.iterdir()] == [f"speech.{suffix}"]
