"""One batch per async vendor flavour, against the plugins' own emulators (skipped when
the plugin is not installed): Beautyface speech jobs (submit, then poll every 3 s) and
VoiceDub dubs (upload, preprocess, price check, generate, poll)."""

from __future__ import annotations

from pathlib import Path

import pytest

import voicekit_core as vk
from voicekit_core.batch import BatchItem, run
from voicekit_core.testing.media import mp3_bytes


def test_beautyface_speeches_are_submitted_together_and_settled_from_events(
        tmp_path: Path, voicekit_fast_retries: None) -> None:
    emulator_module = pytest.importorskip("voicekit_beautyface.emulator")
    with emulator_module.BeautyfaceEmulator(tts_seconds=6, rate_limit=8,
                                            rate_window=60) as emu, \
            vk.connect("beautyface", **emu.connect_options()) as bf:
        voice = next(v for v in bf.list_voices() if v.name == "Aria")
        texts = [f"Sentence number {i} of the chapter." for i in range(6)]
        items = [BatchItem(t, voice=voice.id, output=f"s{i}.wav") for i, t in enumerate(texts)]
        before = emu.ledger.balance if hasattr(emu.ledger, "balance") else None
        report = run(bf, "say", items, tmp_path, workers=2,
                     max_credits=sum(len(t) for t in texts))
        assert report.ok, report.failed
        posts = [i for i, r in enumerate(emu.log) if r.method == "POST"]
        polls = [i for i, r in enumerate(emu.log) if r.method == "GET" and "/tts/" in r.path]
        assert len(posts) == 6 and max(posts) < min(polls)  # all submitted, then polled
        assert report.spent == sum(len(t) for t in texts)  # from credits_spent events
        if before is not None:
            assert before - emu.ledger.balance == report.spent
        assert len(emu.throttled) <= 1  # 8 requests a minute: the batch paced itself
        assert all((tmp_path / f"s{i}.wav").read_bytes()[:4] == b"RIFF" for i in range(6))


def test_voicedub_dubs_run_as_jobs_and_download(tmp_path: Path,
                                                voicekit_fast_retries: None) -> None:
    emulator_module = pytest.importorskip("voicekit_voicedub.emulator")
    songs = []
    for i in range(3):
        song = tmp_path / f"song{i}.mp3"
        song.write_bytes(mp3_bytes(30.0 + 30 * i))
        songs.append(song)
    out = tmp_path / "out"
    with emulator_module.VoiceDubEmulator() as emu, \
            vk.connect("voicedub", **emu.connect_options()) as vd:
        voice = emu.public_voices[0]["id"]
        items = [BatchItem(str(s), voice=voice, options={"pitch_shift": 2}) for s in songs]
        dry = run(vd, "dub", items, out, dry_run=True)
        assert dry.estimate == pytest.approx(5 + 10 + 15, abs=0.5)  # 10 credits a minute
        report = run(vd, "dub", items, out, workers=3, max_credits=31)
        assert report.ok, report.failed
        assert sorted(p.read_bytes() for p in out.glob("*.mp3")) == sorted(
            s.read_bytes() for s in songs)  # the emulator echoes the input
        assert len(emu.requests("POST", "/v1/me/dubs")) == 3
        assert report.spent == 30 and len(emu.dubs) == 3
        again = run(vd, "dub", items, out)
        assert again.count("skipped") == 3 and len(emu.requests("POST", "/v1/me/dubs")) == 3
