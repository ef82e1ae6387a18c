"""CloneVoice: the model job, its 5 s polling, failures, resuming, and sample validation."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
import voicekit_core as vk
from voicekit_core.audio import wav_header
from voicekit_core.errors import InvalidInput, JobFailed, JobTimeout
from voicekit_core.jobs import JobState
from voicekit_core.testing.media import CountingFile, mp3_bytes, ogg_bytes, tone_wav

from voicekit_speechgen.emulator import SpeechgenEmulator
from voicekit_speechgen.provider import CLONE_MAX_BYTES, SpeechgenProvider

CLONE = "/v1/voice-clone"


def sample(seconds: float = 12.0) -> bytes:
    return tone_wav(seconds, sample_rate=8000)


def test_clone_polls_every_5_s_until_ready(speechgen: SpeechgenProvider,
                                           speechgen_emulator: SpeechgenEmulator) -> None:
    job = speechgen.clone_voice(sample(), name="Narrator", description="calm")
    assert job.kind == "clone" and job.id.startswith("vm_")
    assert (job.state, job.vendor_status) == (JobState.RUNNING, "processing")
    seen: list[str | None] = []
    voice = job.wait(timeout=600, on_update=lambda j: seen.append(j.vendor_status))
    assert isinstance(voice, vk.Voice)
    assert voice.id.startswith("custom-") and voice.kind == "cloned"
    assert (voice.name, voice.description) == ("Narrator", "calm")
    assert voice.raw["model_id"] == job.id
    polls = speechgen_emulator.requests("GET", f"/v1/models/{job.id}")
    times = [r.time for r in polls]
    assert all(b - a == pytest.approx(5.0) for a, b in itertools.pairwise(times))
    assert times[0] - speechgen_emulator.requests("POST", CLONE)[0].time == pytest.approx(5.0)
    assert seen[-1] == "ready" and seen[:-1] == ["processing"] * (len(seen) - 1)
    assert len(polls) == 9  # ready after 45 s of processing
    assert job.progress == 1.0


def test_multipart_fields(speechgen: SpeechgenProvider, speechgen_emulator: SpeechgenEmulator,
                          tmp_path: Path) -> None:
    path = tmp_path / "my take.bin"  # the name says nothing: the content is MP3
    path.write_bytes(mp3_bytes(20.0))
    speechgen.clone_voice(path, name=" Me ", description="desc", enhance_quality=True)
    speechgen.clone_voice([sample()], name="Two", enhance_quality=False)
    first, second = speechgen_emulator.clone_uploads
    assert first == {"name": "Me", "filename": "my take.mp3", "content_type": "audio/mpeg",
                     "size": path.stat().st_size, "description": "desc",
                     "enhance_quality": "true"}
    assert (second["content_type"], second["description"], second["enhance_quality"]) == (
        "audio/wav", None, "false")


def test_estimated_completion_and_estimated_time(voicekit_fast_retries: None) -> None:
    for field in ("estimated_completion", "estimated_time"):
        with SpeechgenEmulator(eta_field=field, ready_after=60) as emu:
            provider = vk.connect("speechgen", **emu.connect_options())
            job = provider.clone_voice(sample(), name="Eta")
            assert job.raw[field]
            assert dt.datetime.fromisoformat(job.context["estimated_completion"]) == \
                dt.datetime(2024, 1, 15, 10, 31, tzinfo=dt.timezone.utc)
            assert job.wait(timeout=600).id.startswith("custom-")


def test_failed_model_raises_job_failed(voicekit_fast_retries: None) -> None:
    with SpeechgenEmulator(fail_models=True, failure_message="Two speakers detected") as emu:
        provider = vk.connect("speechgen", **emu.connect_options())
        job = provider.clone_voice(sample(), name="Doomed")
        with pytest.raises(JobFailed) as info:
            job.wait(timeout=600)
        assert "Two speakers detected" in str(info.value)
        assert info.value.job_id == job.id and info.value.vendor_status == "failed"
        assert info.value.code == "clone_failed"
        assert job.state is JobState.FAILED


def test_fail_next_clones_only_fails_those(speechgen: SpeechgenProvider,
                                           speechgen_emulator: SpeechgenEmulator) -> None:
    speechgen_emulator.fail_next_clones(1, message="Too much background noise")
    bad = speechgen.clone_voice(sample(), name="Noisy")
    good = speechgen.clone_voice(sample(), name="Clean")
    with pytest.raises(JobFailed, match="Too much background noise"):
        bad.wait(timeout=600)
    assert good.wait(timeout=600).name == "Clean"


def test_resume_from_ref(speechgen: SpeechgenProvider,
                         speechgen_emulator: SpeechgenEmulator) -> None:
    job = speechgen.clone_voice(sample(), name="Later")
    ref = str(job.to_ref())
    assert ref.startswith(f"speechgen:clone:{job.id}")
    speechgen_emulator.clock.advance(60)
    again = speechgen.job(ref)
    assert again.state is JobState.SUCCEEDED
    assert again.result().id.startswith("custom-")


def test_wait_timeout_says_how_to_resume(speechgen: SpeechgenProvider) -> None:
    job = speechgen.clone_voice(sample(), name="Slow")
    with pytest.raises(JobTimeout) as info:
        job.wait(timeout=12)
    assert info.value.last_status == "processing" and job.id in info.value.ref


def test_instant_models(voicekit_fast_retries: None) -> None:
    with SpeechgenEmulator(ready_after=0) as emu:
        provider = vk.connect("speechgen", **emu.connect_options())
        job = provider.clone_voice(sample(), name="Now")
        assert job.done
        assert job.wait().id.startswith("custom-")
        assert emu.requests("GET", "/v1/models/*") == []


# -- local validation --------------------------------------------------------------------


def _sparse_wav(path: Path, size: int) -> Path:
    """A WAV of ``size`` bytes whose data is a hole (nothing written but the header)."""
    with path.open("wb") as f:
        f.write(wav_header(sample_rate=8000, data_size=size - 44))
        f.truncate(size)
    return path


def test_size_over_10_mb_without_reading_the_file(speechgen: SpeechgenProvider,
                                                  speechgen_emulator: SpeechgenEmulator,
                                                  tmp_path: Path) -> None:
    big = _sparse_wav(tmp_path / "big.wav", CLONE_MAX_BYTES + 1)
    with pytest.raises(InvalidInput, match="10 MB") as info:
        speechgen.clone_voice(big, name="Big")
    assert info.value.field == "samples"
    counting = CountingFile(big)
    with pytest.raises(InvalidInput, match="10 MB"):
        speechgen.clone_voice(counting, name="Big")  # type: ignore[arg-type]
    assert counting.bytes_read <= 4096
    counting.close()
    # a file of exactly 10 MB within the duration limit (44.1 kHz stereo: 59 s) passes,
    # validated from its metadata and header alone
    ok = tmp_path / "ok.wav"
    with ok.open("wb") as f:
        f.write(wav_header(sample_rate=44100, channels=2, data_size=CLONE_MAX_BYTES - 44))
        f.truncate(CLONE_MAX_BYTES)
    counting = CountingFile(ok)
    source = speechgen.check_clone_sample(counting)  # type: ignore[arg-type]
    assert source.size == CLONE_MAX_BYTES and counting.bytes_read <= 8192
    counting.close()
    assert speechgen_emulator.requests() == []


@pytest.mark.parametrize(("data", "match"), [
    (b"just some text, not audio at all" * 10, "allowed formats"),
    (b"\x1a\x45\xdf\xa3" + b"\0" * 100, "webm"),
    (b"", "empty"),
])
def test_format_by_content(speechgen: SpeechgenProvider, speechgen_emulator: SpeechgenEmulator,
                           tmp_path: Path, data: bytes, match: str) -> None:
    path = tmp_path / "sample.mp3"  # the name says mp3; the bytes decide
    path.write_bytes(data)
    with pytest.raises(InvalidInput, match=match):
        speechgen.clone_voice(path, name="Bad")
    assert speechgen_emulator.requests() == []


@pytest.mark.parametrize(("data", "seconds"), [
    (tone_wav(9.5, sample_rate=8000), "9.5"),
    (mp3_bytes(9.0), "9.0"),
    (ogg_bytes(5.0), "5.0"),
    (mp3_bytes(302.0), r"30[12]\.\d"),
])
def test_duration_limits(speechgen: SpeechgenProvider, speechgen_emulator: SpeechgenEmulator,
                         data: bytes, seconds: str) -> None:
    with pytest.raises(InvalidInput, match=rf"lasts {seconds} s; the (minimum|maximum) is") \
            as info:
        speechgen.clone_voice(data, name="Wrong length")
    assert info.value.limit in ("at least 10 s", "at most 300 s")
    assert speechgen_emulator.requests() == []


def test_long_wav_header_is_refused(speechgen: SpeechgenProvider, tmp_path: Path) -> None:
    # 8 kHz 16-bit mono: 6 MB lasts 393 s, over 5 minutes
    path = _sparse_wav(tmp_path / "long.wav", 6 * 1024 * 1024)
    with pytest.raises(InvalidInput, match="the maximum is 300 s"):
        speechgen.clone_voice(path, name="Long")


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"samples": []}, "samples"),
    ({"samples": [b"a", b"b"]}, "samples"),
    ({"samples": "missing-file.wav"}, "samples"),
    ({"samples": "https://example.com/a.mp3"}, "samples"),
    ({"name": ""}, "name"),
    ({"name": "  "}, "name"),
    ({"description": 5}, "description"),
    ({"enhance_quality": "yes"}, "enhance_quality"),
    ({"language": "en"}, "language"),
])
def test_clone_arguments(speechgen: SpeechgenProvider, speechgen_emulator: SpeechgenEmulator,
                         kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"samples": sample(), "name": "Me", **kwargs}
    with pytest.raises(InvalidInput) as info:
        speechgen.clone_voice(**args)  # type: ignore[arg-type]
    assert info.value.field == field
    assert speechgen_emulator.requests() == []


def test_emulator_checks_samples_too(speechgen_emulator: SpeechgenEmulator) -> None:
    import requests

    headers = {"Authorization": f"Bearer {speechgen_emulator.credentials['api_key']}"}
    for data, code in ((b"plain text" * 20, "invalid_audio_format"),
                       (tone_wav(3.0, sample_rate=8000), "invalid_audio_duration")):
        response = requests.post(f"{speechgen_emulator.url}/voice-clone", headers=headers,
                                 files={"audio": ("a.wav", data)}, data={"name": "x"},
                                 timeout=10)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == code
        assert response.json()["error"]["param"] == "audio"
    big = wav_header(sample_rate=8000, data_size=CLONE_MAX_BYTES) + bytes(CLONE_MAX_BYTES)
    response = requests.post(f"{speechgen_emulator.url}/voice-clone", headers=headers,
                             files={"audio": ("a.wav", big)}, data={"name": "x"}, timeout=10)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"


def test_upload_progress(speechgen: SpeechgenProvider,
                         speechgen_emulator: SpeechgenEmulator) -> None:
    seen: list[tuple[int, int | None]] = []
    data = sample(15.0)
    speechgen.clone_voice(data, name="Progress",
                          on_upload_progress=lambda sent, total: seen.append((sent, total)))
    assert seen and seen[-1][0] == seen[-1][1]
    assert seen[-1][1] is not None and seen[-1][1] > len(data)  # the whole multipart body
    assert speechgen_emulator.clone_uploads[0]["size"] == len(data)


def test_a_raising_upload_progress_is_callback_failed(
        speechgen: SpeechgenProvider, speechgen_emulator: SpeechgenEmulator) -> None:
    def broken(sent: int, total: int | None) -> None:
        raise RuntimeError("the progress bar broke")

    with pytest.raises(vk.CallbackFailed) as caught:
        speechgen.clone_voice(sample(15.0), name="Progress", on_upload_progress=broken)
    assert caught.value.callback == "on_upload_progress" and caught.value.provider == "speechgen"
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert speechgen_emulator.clone_uploads == []
