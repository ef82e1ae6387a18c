"""Credential resolution, the key file, and the Secret type."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from fakevendor import INFO

import voicekit_core as vk
from voicekit_core.credentials import key_file_path, load_keys, resolve_credentials, store_key


@pytest.fixture(autouse=True)
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "conf" / "keys.json"
    monkeypatch.setenv("VOICEKIT_KEY_FILE", str(path))
    monkeypatch.delenv("FAKEVENDOR_API_KEY", raising=False)
    return path


def test_argument_beats_environment_beats_key_file(monkeypatch: pytest.MonkeyPatch) -> None:
    store_key("fakevendor", "FAKEVENDOR_API_KEY", "from-file")
    assert resolve_credentials(INFO, {})["api_key"] == vk.Secret("from-file")
    monkeypatch.setenv("FAKEVENDOR_API_KEY", "from-env")
    assert resolve_credentials(INFO, {})["api_key"] == vk.Secret("from-env")
    assert resolve_credentials(INFO, {"api_key": "from-arg"})["api_key"] == vk.Secret("from-arg")


def test_key_file_is_private(key_file: Path) -> None:
    store_key("fakevendor", "FAKEVENDOR_API_KEY", "s3cr3t")
    assert key_file_path() == key_file
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert load_keys() == {"fakevendor": {"FAKEVENDOR_API_KEY": "s3cr3t"}}


def test_missing_credentials_name_the_variable_and_the_command() -> None:
    with pytest.raises(vk.MissingCredentials) as info:
        vk.connect("fakevendor", base_url="https://x.example")
    message = str(info.value)
    assert "FAKEVENDOR_API_KEY" in message and "voicekit keys set fakevendor" in message
    assert info.value.missing == ("FAKEVENDOR_API_KEY",)


def test_blank_credentials_count_as_missing() -> None:
    with pytest.raises(vk.MissingCredentials):
        vk.connect("fakevendor", base_url="https://x.example", api_key="   ")


def test_corrupt_key_file_is_a_clear_error(key_file: Path) -> None:
    key_file.parent.mkdir(parents=True)
    key_file.write_text("{not json")
    with pytest.raises(vk.ConfigurationError, match="not valid JSON"):
        vk.connect("fakevendor", base_url="https://x.example")


def test_secret_never_shows_its_value() -> None:
    secret = vk.Secret("sk_live_abcdef")
    for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}", f"{secret:>20}"):
        assert "abcdef" not in text
    assert secret.reveal() == "sk_live_abcdef"
    assert secret == vk.Secret("sk_live_abcdef") and secret != vk.Secret("other")
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(secret)


def test_provider_repr_hides_the_key() -> None:
    provider = vk.connect("fakevendor", base_url="https://x.example", api_key="sk_live_abcdef")
    assert "abcdef" not in repr(provider) and "abcdef" not in str(vars(provider))
