"""``voicekit say`` with --split, --stream to a converted format, --sample-rate, --cache."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from voicekit_core.audio import parse_wav_header, sniff_format
from voicekit_core.cli import main

pytest.importorskip("voicekit_espeak")

LONG = "This is the first sentence. " * 30 + "And the end."


def test_say_split_writes_one_wav(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "long.wav"
    assert main(["say", LONG, "--split", "-o", str(out)]) == 0, capsys.readouterr().err
    data = out.read_bytes()
    assert data.count(b"RIFF") == 1 and parse_wav_header(data).data_size == len(data) - 44


def test_say_stream_to_mp3_writes_mp3(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("soundfile")
    out = tmp_path / "hi.mp3"
    assert main(["say", "Hello there.", "--stream", "-o", str(out)]) == 0
    assert sniff_format(out.read_bytes()[:64]) == "mp3"
    assert "converting" in capsys.readouterr().err


def test_say_stream_to_mp3_refuses_without_the_extra(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "soundfile", None)
    out = tmp_path / "hi.mp3"
    assert main(["say", "Hello there.", "--stream", "-o", str(out)]) == 1
    assert "voicekit-core[convert]" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_say_sample_rate_resamples(tmp_path: Path) -> None:
    pytest.importorskip("soxr")
    out = tmp_path / "low.wav"
    assert main(["say", "Hello.", "--sample-rate", "16000", "-o", str(out)]) == 0
    assert parse_wav_header(out.read_bytes()).sample_rate == 16000


def test_say_cache_stores_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("VOICEKIT_CACHE_DIR", str(tmp_path / "cache"))
    for _ in range(2):
        assert main(["say", "Cached words.", "--cache", "-o", str(tmp_path / "c.wav")]) == 0
    capsys.readouterr()
    assert main(["cache", "info"]) == 0
    assert "1 entries" in capsys.readouterr().out


def test_say_stream_to_mp3_with_a_vendor_refuses_before_any_request(
        emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake vendor streams WAV and declares no format for streams: converting would be
    needed, so without the extra nothing is sent."""
    monkeypatch.setitem(sys.modules, "soundfile", None)
    monkeypatch.setenv("FAKEVENDOR_BASE_URL", emulator.url)
    monkeypatch.setenv("FAKEVENDOR_API_KEY", emulator.credentials["api_key"])
    out = tmp_path / "hi.mp3"
    code = main(["say", "Hello.", "-p", "fakevendor", "-v", "v1", "--stream", "-o", str(out)])
    assert code == 1 and "voicekit-core[convert]" in capsys.readouterr().err
    assert emulator.requests() == [] and list(tmp_path.iterdir()) == []
