"""The synthesis cache: paid once, LRU-bounded, atomic, and its CLI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fakevendor import FakeEmulator, FakeProvider
from gated import GatedProvider

import voicekit_core as vk
from voicekit_core.cache import SynthesisCache
from voicekit_core.cli import main
from voicekit_core.longtext import SplitSynthesisFailed
from voicekit_core.metrics import MetricsCollector


def test_a_repeated_request_is_not_paid_twice(provider: FakeProvider, emulator: FakeEmulator,
                                              tmp_path: Path) -> None:
    tts = vk.adapters.cached(provider, tmp_path)
    first = tts.synthesize("Hello.", voice="v1")
    again = tts.synthesize("Hello.", voice="v1", max_credits=5)  # the budget is not a key
    assert again == first and len(emulator.requests("POST", "/tts")) == 1
    tts.synthesize("Hello.", voice="v2")  # another voice
    tts.synthesize("Hello!", voice="v1")  # another text
    tts.synthesize("Hello.", voice="v1", format="wav")  # another option
    assert len(emulator.requests("POST", "/tts")) == 4
    # a new process (a new cache object on the same folder) reads the same entries
    vk.adapters.cached(provider, tmp_path).synthesize("Hello.", voice="v1")
    assert len(emulator.requests("POST", "/tts")) == 4


def test_the_key_tells_providers_apart(tmp_path: Path) -> None:
    a = SynthesisCache.key(GatedProvider(), "Hi.", "v", {"format": "wav"})
    b = SynthesisCache.key(GatedProvider(), "Hi.", "v", {"format": "mp3"})
    c = SynthesisCache.key(GatedProvider(), "Hi.", vk.Voice(id="v", name="V", provider="g"),
                           {"format": "wav", "max_credits": 3})
    assert a != b and a == c


def test_least_recently_used_entries_are_evicted(tmp_path: Path) -> None:
    inner = GatedProvider()
    size = len(inner.synthesize("x").data) + 200  # one entry with its header, roughly
    tts = vk.adapters.cached(inner, tmp_path, max_bytes=2 * size)
    tts.synthesize("One.")
    tts.synthesize("Two.")
    old = tmp_path.stat().st_mtime - 100
    for path in tmp_path.rglob("*.vkc"):
        os.utime(path, (old, old))  # both were used long ago...
    tts.synthesize("One.")  # ...then One is used again (a hit refreshes it)
    tts.synthesize("Three.")  # over the limit: Two, the least recently used, goes
    assert tts.cache.info().entries == 2
    calls = len(inner.calls)
    tts.synthesize("One.")
    assert len(inner.calls) == calls  # still cached
    tts.synthesize("Two.")
    assert len(inner.calls) == calls + 1  # evicted, paid again


def test_no_partial_or_damaged_entry_is_ever_read(tmp_path: Path) -> None:
    inner = GatedProvider()
    tts = vk.adapters.cached(inner, tmp_path)
    tts.synthesize("One.")
    [entry] = list(tmp_path.rglob("*.vkc"))
    assert not list(tmp_path.rglob("*.part"))
    entry.write_bytes(entry.read_bytes()[:-10])  # damaged by something else
    tts.synthesize("One.")
    assert len(inner.calls) == 2  # not served from the damaged entry, which was replaced
    tts.synthesize("One.")
    assert len(inner.calls) == 2


def test_split_caches_each_piece_so_a_rerun_pays_only_the_rest(tmp_path: Path) -> None:
    text = "First piece. Second piece. Third piece."
    inner = GatedProvider(fail_on={"Third piece.": vk.ServerError("down")})
    tts = vk.adapters.cached(inner, tmp_path)
    with pytest.raises(SplitSynthesisFailed):
        tts.synthesize(text, split=True, max_chars=14)
    inner.fail_on.clear()
    tts.synthesize(text, split=True, max_chars=14)
    assert inner.texts == ["First piece.", "Second piece.", "Third piece.", "Third piece."]


def test_cache_hits_are_metrics_with_nothing_billed(tmp_path: Path) -> None:
    tts = vk.adapters.cached(GatedProvider(), tmp_path)
    with MetricsCollector() as metrics:
        tts.synthesize("Hello.")
        tts.synthesize("Hello.")
    summary = metrics.summary()
    assert summary["requests"] == 1 and summary["cache_hits"] == 1
    assert [e.data["action"] for e in metrics.of_kind("cache")] == ["store", "hit"]


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(vk.InvalidInput):
        SynthesisCache(tmp_path, max_bytes=0)
    (tmp_path / "file").write_text("x")
    with pytest.raises(vk.InvalidInput):
        SynthesisCache(tmp_path / "file")


def test_cli_cache_info_and_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICEKIT_CACHE_DIR", str(tmp_path))
    vk.adapters.cached(GatedProvider()).synthesize("Hello.")  # the default folder: the env's
    assert main(["cache", "info", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"entries": 1' in out and str(tmp_path) in out
    assert main(["cache", "clear"]) == 0
    assert "removed 1" in capsys.readouterr().err
    assert main(["cache", "info", "--dir", str(tmp_path)]) == 0
    assert "0 entries" in capsys.readouterr().out
