"""Paths no file system can take (a lone surrogate, a name over 255 bytes) are InvalidInput
naming the path, before any request — never a raw UnicodeEncodeError or OSError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fakevendor import FakeEmulator

import voicekit_core as vk
from voicekit_core.audio import atomic_write, check_target
from voicekit_core.testing.media import tone_wav


def _bad_paths(folder: Path) -> list[Path]:
    return [folder / "a\ud800b.wav",  # a lone surrogate
            folder / ("x" * 300 + ".wav"),  # one name over 255 bytes
            folder / ("y" * 300) / "a.wav",  # a folder name over 255 bytes
            folder / ("é" * 130 + ".wav")]  # 260 bytes in UTF-8


@pytest.mark.parametrize("index", range(4))
def test_check_target_refuses_unwritable_names(tmp_path: Path, index: int) -> None:
    with pytest.raises(vk.InvalidInput) as caught:
        check_target(_bad_paths(tmp_path)[index], field="to")
    assert caught.value.field == "to"
    with pytest.raises(vk.InvalidInput):
        atomic_write(_bad_paths(tmp_path)[index], [b"data"])
    assert list(tmp_path.iterdir()) == []


def test_a_long_name_that_fits_is_written_without_a_too_long_temporary(tmp_path: Path) -> None:
    target = tmp_path / ("z" * 250 + ".wav")  # 254 bytes: fits, its ".part" temporary would not
    atomic_write(target, [b"data"])
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


@pytest.mark.parametrize("index", range(4))
def test_save_and_download_refuse_before_any_request(emulator: FakeEmulator, provider: Any,
                                                     tmp_path: Path, index: int) -> None:
    bad = _bad_paths(tmp_path)[index]
    with pytest.raises(vk.InvalidInput):
        vk.Audio(data=tone_wav(0.1), format="wav").save(bad)
    with pytest.raises(vk.InvalidInput) as caught:
        provider.synthesize("Hello", voice="v1", to=bad)
    assert caught.value.field == "to"
    with pytest.raises(vk.InvalidInput):
        provider.download("/media/tone.wav", bad)
    stream = provider.stream_synthesize("Hello", voice="v1")
    with pytest.raises(vk.InvalidInput):
        stream.save(bad)
    stream.close()
    assert emulator.requests("POST") == [] and emulator.requests("GET", "/media/*") == []
    assert list(tmp_path.iterdir()) == []
