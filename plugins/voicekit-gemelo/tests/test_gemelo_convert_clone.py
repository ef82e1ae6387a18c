"""convert_voice, clone_voice (a synchronous Job), rename_voice, delete_voice."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from voicekit_gemelo.emulator import GemeloEmulator
from voicekit_gemelo.provider import GemeloProvider

import voicekit_core as vk
from voicekit_core.audio import wav_header
from voicekit_core.testing.media import mp3_bytes, tone_wav


def _silent_wav(seconds: float, rate: int = 8000) -> bytes:
    size = int(seconds * rate) * 2
    return wav_header(sample_rate=rate, data_size=size) + b"\0" * size


# -- voice conversion ----------------------------------------------------------------


@pytest.mark.parametrize("how", ["path", "bytes", "file"])
def test_convert_voice_accepts_path_bytes_and_files(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator, tmp_path: Path,
        how: str) -> None:
    data = tone_wav(0.5, sample_rate=16000)
    path = tmp_path / "me.wav"
    path.write_bytes(data)
    audio_input = {"path": path, "bytes": data, "file": io.BytesIO(data)}[how]
    voice = next(gemelo.list_voices(kind="vc"))
    audio = gemelo.convert_voice(audio_input, voice=voice)  # type: ignore[arg-type]
    assert audio.format == "wav" and audio.sample_rate == 16000
    assert audio.duration == pytest.approx(0.5)
    request = gemelo_emulator.requests("POST", "/v1/vc/convert")[-1]
    assert request.query == "voiceId=133&voiceType=system"
    assert (request.header("content-type") or "").startswith("multipart/form-data")
    assert request.body_size > len(data)


def test_convert_into_a_cloned_voice(gemelo: GemeloProvider,
                                     gemelo_emulator: GemeloEmulator) -> None:
    clone = gemelo.clone_voice(tone_wav(1.0), name="Me").wait()
    assert gemelo.convert_voice(mp3_bytes(1.0), voice=clone).data
    assert gemelo_emulator.requests("POST", "/v1/vc/convert")[-1].query == \
        f"voiceId={clone.id}&voiceType=cloned"


def test_convert_unknown_voice_is_not_found(gemelo: GemeloProvider,
                                            gemelo_emulator: GemeloEmulator) -> None:
    with pytest.raises(vk.InvalidInput, match="not a conversion voice"):
        gemelo.convert_voice(tone_wav(0.2), voice=35)  # a TTS voice, not a VC one
    assert gemelo_emulator.requests("POST") == []  # said before sending the audio
    with pytest.raises(vk.NotFound):
        gemelo.convert_voice(tone_wav(0.2), voice=987654)


@pytest.mark.parametrize(("audio", "match"), [
    ("/no/such/file.wav", "file not found"),
    (b"this is not audio at all", "allowed formats"),
    (b"", "allowed formats|empty"),
])
def test_convert_validation(gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator,
                            audio: object, match: str) -> None:
    with pytest.raises(vk.InvalidInput, match=match):
        gemelo.convert_voice(audio, voice=133)  # type: ignore[arg-type]
    assert gemelo_emulator.log == []


# -- cloning -----------------------------------------------------------------------------


def test_clone_voice_is_a_finished_job(gemelo: GemeloProvider,
                                       gemelo_emulator: GemeloEmulator, tmp_path: Path) -> None:
    sample = tmp_path / "sample.wav"
    sample.write_bytes(tone_wav(3.0))
    job = gemelo.clone_voice(sample, name="  My voice ", description="recorded at home")
    assert job.done and job.state is vk.JobState.SUCCEEDED and job.progress == 1.0
    assert job.kind == "clone" and job.provider is gemelo
    voice = job.wait(timeout=0)
    assert voice.kind == "cloned" and voice.name == "My voice"
    assert voice.description == "recorded at home"
    assert voice.raw["createdAt"] and voice.raw["previewUrls"]
    assert job.id == voice.id and int(voice.id) in gemelo_emulator.cloned
    assert gemelo_emulator.requests("GET") == []  # nothing to poll
    listed = [v.id for v in gemelo.list_voices(kind="cloned")]
    assert voice.id in listed


def test_clone_job_resumes_from_its_ref(gemelo: GemeloProvider) -> None:
    job = gemelo.clone_voice(tone_wav(1.0), name="Resumable")
    resumed = gemelo.job(str(job.to_ref()))
    assert resumed.done and resumed.result().name == "Resumable"
    gemelo.delete_voice(job.result())
    with pytest.raises(vk.NotFound):
        gemelo.job(job.to_ref())


@pytest.mark.parametrize(("samples", "match"), [
    ("/no/such/sample.wav", "file not found"),
    (mp3_bytes(2.0), "allowed formats: wav"),
    (b"not audio", "allowed formats: wav"),
    ([tone_wav(1.0), tone_wav(1.0)], "exactly 1 audio input"),
    ([], "exactly 1 audio input"),
])
def test_clone_validation(gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator,
                          samples: object, match: str) -> None:
    with pytest.raises(vk.InvalidInput, match=match):
        gemelo.clone_voice(samples, name="x")  # type: ignore[arg-type]
    assert gemelo_emulator.log == []


def test_clone_sample_over_60_seconds(gemelo: GemeloProvider,
                                      gemelo_emulator: GemeloEmulator) -> None:
    with pytest.raises(vk.InvalidInput, match="60 s") as info:
        gemelo.clone_voice(_silent_wav(61.0), name="long")
    assert info.value.limit == "at most 60 s"
    assert gemelo.clone_voice(_silent_wav(59.0), name="ok").wait().id
    assert len(gemelo_emulator.log) == 1


def test_clone_sample_over_32_mb(gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator,
                                 tmp_path: Path) -> None:
    big = tmp_path / "big.wav"
    with big.open("wb") as f:
        f.write(wav_header(sample_rate=8000, data_size=0))
        f.truncate(32 * 1024 * 1024 + 1)  # sparse: cheap on disk
    with pytest.raises(vk.InvalidInput, match="32 MB"):
        gemelo.clone_voice(big, name="big")
    assert gemelo_emulator.log == []


def test_clone_needs_a_name(gemelo: GemeloProvider) -> None:
    with pytest.raises(vk.InvalidInput, match="name"):
        gemelo.clone_voice(tone_wav(1.0), name=" ")


# -- rename / delete -----------------------------------------------------------------------


def test_rename_voice(gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    voice = next(gemelo.list_voices(kind="cloned"))
    renamed = gemelo.rename_voice(voice, "Renamed clone")
    assert renamed.id == voice.id and renamed.name == "Renamed clone"
    assert renamed.kind == "cloned"
    assert gemelo_emulator.cloned[501]["name"] == "Renamed clone"
    assert gemelo.rename_voice(501, "By id").name == "By id"
    with pytest.raises(vk.NotFound):
        gemelo.rename_voice("777", "nobody")


def test_delete_voice(gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    gemelo.delete_voice("501")
    assert 501 not in gemelo_emulator.cloned
    assert list(gemelo.list_voices(kind="cloned")) == []
    with pytest.raises(vk.NotFound):
        gemelo.delete_voice(501)


def test_only_cloned_voices_can_be_renamed_or_deleted(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    system = next(gemelo.list_voices(kind="system"))
    before = len(gemelo_emulator.log)
    with pytest.raises(vk.InvalidInput, match="only cloned voices"):
        gemelo.delete_voice(system)
    with pytest.raises(vk.InvalidInput, match="only cloned voices"):
        gemelo.rename_voice("system:24", "x")
    with pytest.raises(vk.InvalidInput, match="name"):
        gemelo.rename_voice(501, "")
    assert len(gemelo_emulator.log) == before
