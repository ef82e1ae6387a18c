"""User callbacks: a non-callable is InvalidInput before any request; one that raises is
CallbackFailed naming it (original as __cause__); KeyboardInterrupt passes through."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fakevendor import FakeEmulator

import voicekit_core as vk
from voicekit_core.audio import AudioSource
from voicekit_core.testing.media import tone_wav


def _boom(*args: object) -> None:
    raise ValueError("progress bar broke")


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_a_non_callable_progress_is_refused_before_any_request(
        emulator: FakeEmulator, provider: Any, tmp_path: Path) -> None:
    sample = tmp_path / "s.wav"
    sample.write_bytes(tone_wav(0.2))
    url = emulator.storage.presign_upload("up/1")
    calls = [lambda: provider.download("/media/tone.wav", tmp_path / "a.wav", on_progress=5),
             lambda: provider.http.upload(url, AudioSource.from_input(sample), on_progress=5),
             lambda: vk.DubResult(url=provider.http.url("/media/tone.wav"),
                                  fetch=provider.download).download(tmp_path / "b.wav",
                                                                    on_progress=5)]
    for call in calls:
        with pytest.raises(vk.InvalidInput) as caught:
            call()
        assert caught.value.field == "on_progress"
    assert emulator.requests("GET", "/media/*") == [] and "up/1" not in emulator.storage.uploads
    assert _leftovers(tmp_path) == ["s.wav"]


def test_a_raising_download_callback_is_callback_failed(emulator: FakeEmulator, provider: Any,
                                                        tmp_path: Path) -> None:
    with pytest.raises(vk.CallbackFailed) as caught:
        provider.download("/media/tone.wav", tmp_path / "a.wav", on_progress=_boom)
    assert caught.value.callback == "on_progress" and "progress bar broke" in str(caught.value)
    assert isinstance(caught.value.__cause__, ValueError)
    assert len(emulator.requests("GET", "/media/*")) == 1  # not retried
    assert _leftovers(tmp_path) == []


def test_a_raising_upload_callback_is_callback_failed(emulator: FakeEmulator, provider: Any,
                                                      tmp_path: Path) -> None:
    sample = tmp_path / "s.wav"
    sample.write_bytes(tone_wav(0.2))
    url = emulator.storage.presign_upload("up/1")
    with pytest.raises(vk.CallbackFailed) as caught:
        provider.http.upload(url, AudioSource.from_input(sample), on_progress=_boom)
    assert caught.value.callback == "on_progress"
    assert isinstance(caught.value.__cause__, ValueError)
    with pytest.raises(vk.CallbackFailed) as multipart:
        provider.http.request("POST", "/clones", on_upload_progress=_boom, multipart={
            "name": "me", "audio": AudioSource.from_input(sample)})
    assert multipart.value.callback == "on_upload_progress"
    assert isinstance(multipart.value.__cause__, ValueError)


def test_a_raising_on_update_is_callback_failed_and_ctrl_c_passes(
        emulator: FakeEmulator, provider: Any) -> None:
    job = provider.clone_voice(tone_wav(0.2), name="me")
    with pytest.raises(vk.CallbackFailed) as caught:
        job.wait(on_update=_boom)
    assert caught.value.callback == "on_update" and caught.value.provider == "fakevendor"

    def interrupt(job: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        job.wait(on_update=interrupt)
