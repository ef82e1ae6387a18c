"""Finding voices: folders (voices_dir=, the environment variable, the user folder), voice
packages (entry points), lookups by id, path and language, and the missing-voice error."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import build_voice
from voicekit_piper.provider import PiperProvider

import voicekit_core as vk
from voicekit_core.errors import InvalidInput, NotFound


def test_lists_the_voices_of_a_folder(piper: PiperProvider) -> None:
    voices = list(piper.list_voices())
    assert [v.id for v in voices] == ["en_US-tiny-low", "fr_FR-petit-low"]
    tiny = voices[0]
    assert tiny.provider == "piper" and tiny.kind == "local"
    assert tiny.languages == ("en-US", "en")
    assert tiny.name == "tiny (low, en_US)"
    assert tiny.raw["sample_rate"] == 16000 and tiny.raw["espeak_voice"] == "en-us"
    assert tiny.raw["source"] == "folder"


@pytest.mark.parametrize(("language", "ids"), [
    ("en", ["en_US-tiny-low"]),
    ("EN-us", ["en_US-tiny-low"]),
    ("en_US", ["en_US-tiny-low"]),
    ("fr", ["fr_FR-petit-low"]),
    ("de", []),
])
def test_language_filter(piper: PiperProvider, language: str, ids: list[str]) -> None:
    assert [v.id for v in piper.list_voices(language=language)] == ids


def test_kind_filter_and_unknown_filters(piper: PiperProvider) -> None:
    assert len(list(piper.list_voices(kind="local"))) == 2
    assert list(piper.list_voices(kind="cloned")) == []
    with pytest.raises(InvalidInput) as info:
        piper.list_voices(gender="female")
    assert info.value.field == "gender"


def test_environment_variable_folders(voices_dir: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "more"
    build_voice(other, "de_DE-klein-low", language="de_DE", espeak_voice="de")
    monkeypatch.setenv("VOICEKIT_PIPER_VOICES", f"{voices_dir}:{other}")
    provider = vk.connect("piper", voice_packages=False)
    assert [v.id for v in provider.list_voices()] == [
        "de_DE-klein-low", "en_US-tiny-low", "fr_FR-petit-low"]


def test_voices_dir_wins_over_the_environment(voices_dir: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICEKIT_PIPER_VOICES", str(voices_dir))
    other = tmp_path / "mine"
    build_voice(other, "de_DE-klein-low", language="de_DE", espeak_voice="de")
    provider = vk.connect("piper", voices_dir=[other], voice_packages=False)
    assert [v.id for v in provider.list_voices()] == ["de_DE-klein-low"]


def test_user_data_folder_is_the_default(voices_dir: Path, tmp_path: Path) -> None:
    # conftest points XDG_DATA_HOME at tmp_path / "xdg-data"
    user = tmp_path / "xdg-data" / "voicekit" / "piper"
    user.mkdir(parents=True)
    for name in ("en_US-tiny-low.onnx", "en_US-tiny-low.onnx.json"):
        shutil.copy(voices_dir / name, user / name)
    provider = vk.connect("piper", voice_packages=False)
    assert isinstance(provider, PiperProvider)
    assert provider.voices_dirs == [user]
    assert [v.id for v in provider.list_voices()] == ["en_US-tiny-low"]


def test_voice_packages_are_found_through_entry_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An installed distribution declaring a ``voicekit_piper.voices`` entry point."""
    site = tmp_path / "site"
    package = site / "tiny_voice_pkg"
    build_voice(package / "data", "it_IT-piccolo-low", language="it_IT", espeak_voice="it")
    (package / "__init__.py").write_text(textwrap.dedent("""
        from pathlib import Path

        def voices():
            return [Path(__file__).parent / "data"]

        def broken():
            raise RuntimeError("boom")
    """), encoding="utf-8")
    info = site / "tiny_voice_pkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tiny-voice-pkg\n"
                                   "Version: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        "[voicekit_piper.voices]\npiccolo = tiny_voice_pkg:voices\n"
        "broken = tiny_voice_pkg:broken\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    provider = vk.connect("piper", voices_dir=tmp_path / "empty")
    assert isinstance(provider, PiperProvider)
    voices = {v.id: v for v in provider.list_voices()}
    assert "it_IT-piccolo-low" in voices
    assert voices["it_IT-piccolo-low"].raw["source"] == "piccolo"
    assert any("broken" in p and "boom" in p for p in provider.problems())
    # and voice_packages=False leaves them out
    alone = vk.connect("piper", voices_dir=tmp_path / "empty", voice_packages=False)
    assert list(alone.list_voices()) == []


def test_broken_voice_files_are_skipped_and_reported(voices_dir: Path, tmp_path: Path
                                                     ) -> None:
    folder = tmp_path / "mixed"
    build_voice(folder, "en_US-tiny-low")
    (folder / "bad-json.onnx").write_bytes(b"x")
    (folder / "bad-json.onnx.json").write_text("{not json", encoding="utf-8")
    (folder / "no-map.onnx").write_bytes(b"x")
    (folder / "no-map.onnx.json").write_text('{"audio": {"sample_rate": 16000}}',
                                             encoding="utf-8")
    (folder / "lonely.onnx").write_bytes(b"x")  # no config beside it: not a voice
    provider = vk.connect("piper", voices_dir=folder, voice_packages=False)
    assert isinstance(provider, PiperProvider)
    assert [v.id for v in provider.list_voices()] == ["en_US-tiny-low"]
    problems = provider.problems()
    assert len(problems) == 2
    assert any("bad-json.onnx.json" in p and "unreadable" in p for p in problems)
    assert any("no-map.onnx.json" in p and "phoneme_id_map" in p for p in problems)


@pytest.mark.parametrize("voice", ["en_US-tiny-low", "EN_us-TINY-low", "en-us", "en_US"])
def test_resolve_by_id_or_language(piper: PiperProvider, voice: str) -> None:
    assert piper.resolve_voice(voice).id == "en_US-tiny-low"


def test_resolve_by_path_and_voice(piper: PiperProvider, voices_dir: Path) -> None:
    path = voices_dir / "fr_FR-petit-low.onnx"
    assert piper.resolve_voice(str(path)).model == path
    voice = next(piper.list_voices(language="fr"))
    assert piper.resolve_voice(voice).id == "fr_FR-petit-low"
    assert piper.resolve_voice(None).id == "en_US-tiny-low"  # the first one


def test_a_missing_voice_lists_installed_voices_and_how_to_add(piper: PiperProvider,
                                                               voices_dir: Path) -> None:
    with pytest.raises(NotFound) as info:
        piper.synthesize("Hello.", voice="en_GB-nobody-high")
    message = str(info.value)
    assert info.value.code == "voice_not_found"
    assert "'en_GB-nobody-high'" in message
    assert "installed: en_US-tiny-low, fr_FR-petit-low" in message
    assert "pip install 'voicekit-piper[voice-en]'" in message
    assert str(voices_dir) in message and "VOICEKIT_PIPER_VOICES" in message


def test_no_voice_installed(tmp_path: Path) -> None:
    provider = vk.connect("piper", voice_packages=False)
    with pytest.raises(NotFound) as info:
        provider.synthesize("Hello.")  # type: ignore[attr-defined]
    assert info.value.code == "no_voice"
    assert str(tmp_path / "xdg-data" / "voicekit" / "piper") in str(info.value)
    assert "voice-en" in str(info.value)


def test_a_voice_added_later_is_found_without_reconnecting(piper: PiperProvider,
                                                           tmp_path: Path) -> None:
    folder = tmp_path / "later"
    folder.mkdir()
    provider = vk.connect("piper", voices_dir=folder, voice_packages=False)
    with pytest.raises(NotFound):
        provider.resolve_voice("en_US-tiny-low")  # type: ignore[attr-defined]
    build_voice(folder, "en_US-tiny-low")
    assert provider.resolve_voice("en_US-tiny-low").id == "en_US-tiny-low"  # type: ignore[attr-defined]


def test_a_bad_voice_path_is_not_found(piper: PiperProvider, tmp_path: Path) -> None:
    with pytest.raises(NotFound) as info:
        piper.resolve_voice(str(tmp_path / "nowhere.onnx"))
    assert "nowhere.onnx" in str(info.value)


def test_a_voice_of_another_kind_of_value_is_invalid(piper: PiperProvider) -> None:
    with pytest.raises(InvalidInput):
        piper.synthesize("Hello.", voice=3.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [3, [3], [""], {"a": 1}])
def test_bad_voices_dir(bad: object) -> None:
    with pytest.raises(vk.ConfigurationError, match="voices_dir must be a folder") as info:
        vk.connect("piper", voices_dir=bad)
    assert info.value.provider == "piper"


def test_a_voice_of_another_provider_is_refused(piper: PiperProvider) -> None:
    from voicekit_core.models import Voice

    other = Voice(id="en_US-tiny-low", name="x", provider="espeak")
    with pytest.raises(InvalidInput) as info:
        piper.synthesize("Hello.", voice=other)
    assert info.value.field == "voice"
