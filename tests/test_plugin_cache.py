"""The plugin listing cache behind ``voicekit providers`` (issue 14 item 18)."""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from voicekit_core import plugin_cache
from voicekit_core.registry import Registry

# the cache lists installed plugins: voicekit-core installed alone (nox) has none to list
pytestmark = pytest.mark.skipif(not entry_points(group="voicekit"),
                                reason="no voicekit plugin is installed")


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VOICEKIT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("VOICEKIT_NO_CACHE", raising=False)
    return tmp_path


def test_second_listing_comes_from_the_cache_without_loading_plugins(cache_dir: Path) -> None:
    first = Registry().listing()
    assert (cache_dir / "plugins.json").exists()
    fresh = Registry()
    second = fresh.listing()
    assert second == first and first[0]  # the same providers, in the same order
    assert not fresh._loaded and fresh._pm is None  # no plugin imported, no pluggy


def test_a_changed_installation_or_plugin_file_invalidates_it(
        cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Registry().listing()
    key = plugin_cache.installed_key()
    assert plugin_cache.read(key) is not None
    monkeypatch.setenv("VOICEKIT_LOAD_PLUGINS", "espeak")  # a different selection: new key
    assert plugin_cache.read(plugin_cache.installed_key()) is None
    monkeypatch.delenv("VOICEKIT_LOAD_PLUGINS")
    entries = json.loads((cache_dir / "plugins.json").read_text())
    for files in (e["files"] for e in entries):
        for name in files:
            files[name] += 1  # as if a plugin's registration module had been edited
    (cache_dir / "plugins.json").write_text(json.dumps(entries))
    assert plugin_cache.read(key) is None
    fresh = Registry()
    fresh.listing()
    assert fresh._loaded  # loaded for real, and cached again
    assert plugin_cache.read(key) is not None


def test_a_broken_cache_file_is_ignored(cache_dir: Path) -> None:
    (cache_dir / "plugins.json").write_text("{not json")
    infos, _errors = Registry().listing()
    assert infos and plugin_cache.read(plugin_cache.installed_key()) is not None
