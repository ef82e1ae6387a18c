"""Downloads, uploads, redirects, credentials and URL hygiene of the core transport."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from fakevendor import FakeEmulator

import voicekit_core as vk
from voicekit_core.audio import AudioSource
from voicekit_core.testing.media import tone_wav
from voicekit_core.urls import check_base_url, redact_url

SECRET = FakeEmulator.credentials["api_key"]


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_download_streams_to_the_target(emulator: FakeEmulator, provider: Any,
                                        tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    path = provider.download("/media/tone.wav", tmp_path / "tone.wav",
                             on_progress=lambda done, total: seen.append((done, total)))
    assert path.read_bytes() == tone_wav(1.0)
    assert seen[-1] == (len(tone_wav(1.0)), len(tone_wav(1.0)))
    assert _leftovers(tmp_path) == ["tone.wav"]


def test_download_cut_mid_body_leaves_no_file(emulator: FakeEmulator, provider: Any,
                                              tmp_path: Path) -> None:
    emulator.faults.add("GET /media/*", "truncate", count=20)
    with pytest.raises(vk.StreamInterrupted) as info:
        provider.download("/media/tone.wav", tmp_path / "tone.wav")
    assert 0 < info.value.received_bytes < len(tone_wav(1.0))
    assert _leftovers(tmp_path) == []


def test_download_cut_once_is_retried_from_scratch(emulator: FakeEmulator, provider: Any,
                                                   tmp_path: Path) -> None:
    emulator.faults.add("GET /media/*", "truncate", count=1)
    path = provider.download("/media/tone.wav", tmp_path / "tone.wav")
    assert path.read_bytes() == tone_wav(1.0)
    assert len(emulator.requests("GET", "/media/*")) == 2


def test_download_existing_target_is_untouched_on_failure(emulator: FakeEmulator,
                                                          provider: Any, tmp_path: Path) -> None:
    target = tmp_path / "keep.wav"
    target.write_bytes(b"previous")
    emulator.faults.add("GET /media/*", "truncate", count=20)
    with pytest.raises(vk.StreamInterrupted):
        provider.download("/media/x", target)
    assert target.read_bytes() == b"previous"
    assert _leftovers(tmp_path) == ["keep.wav"]


def test_storage_download_carries_no_credentials(emulator: FakeEmulator, provider: Any,
                                                 tmp_path: Path) -> None:
    url = emulator.storage.publish("a.wav", tone_wav(0.3), "audio/wav")
    provider.download(url, tmp_path / "a.wav")
    assert (tmp_path / "a.wav").read_bytes() == tone_wav(0.3)
    assert not emulator.storage.violations
    assert not any(r.has_credentials for r in emulator.storage.log)


def test_redirect_to_another_host_drops_credentials(emulator: FakeEmulator, provider: Any,
                                                    tmp_path: Path) -> None:
    provider.download("/redirect-out", tmp_path / "out.wav")
    assert (tmp_path / "out.wav").read_bytes() == tone_wav(0.1)
    assert emulator.requests("GET", "/redirect-out")[0].header("x-api-key") == SECRET
    assert not emulator.storage.violations
    assert len(emulator.storage.log) == 1


def test_presigned_upload_streams_without_credentials(emulator: FakeEmulator, provider: Any,
                                                      tmp_path: Path) -> None:
    data = tone_wav(2.0)
    sample = tmp_path / "sample.wav"
    sample.write_bytes(data)
    url = emulator.storage.presign_upload("up/1")
    progress: list[int] = []
    provider.http.upload(url, AudioSource.from_input(sample),
                         on_progress=lambda done, total: progress.append(done))
    assert emulator.storage.uploads["up/1"] == data
    assert not emulator.storage.violations
    assert progress[-1] == len(data)


def test_presigned_upload_is_retried_from_the_start(emulator: FakeEmulator, provider: Any,
                                                    tmp_path: Path) -> None:
    data = tone_wav(1.0)
    url = emulator.storage.presign_upload("up/2")
    emulator.storage.faults.add("PUT /upload/*", "error", error="server_error", count=1)
    with open(tmp_path / "s.wav", "wb") as f:
        f.write(data)
    with open(tmp_path / "s.wav", "rb") as f:
        provider.http.upload(url, AudioSource.from_input(f))
    assert emulator.storage.uploads["up/2"] == data
    assert len([r for r in emulator.storage.log if r.method == "PUT"]) == 2


def test_storage_refuses_credentials_it_is_sent(emulator: FakeEmulator) -> None:
    import requests

    url = emulator.storage.publish("b.wav", b"RIFF", "audio/wav")
    answer = requests.get(url, headers={"Authorization": "Bearer x"}, timeout=5)
    assert answer.status_code == 403
    assert len(emulator.storage.violations) == 1


@pytest.mark.parametrize("url", ["http://api.example.com", "http://10.1.2.3:8080/v1"])
def test_plain_http_off_loopback_is_refused(url: str) -> None:
    with pytest.raises(vk.ConfigurationError, match="allow_http"):
        vk.connect("fakevendor", base_url=url, api_key="k")
    assert check_base_url(url, allow_http=True) == url.rstrip("/")


@pytest.mark.parametrize("url", ["https://api.example.com", "http://127.0.0.1:9",
                                 "http://localhost:8000", "http://[::1]:80"])
def test_https_and_loopback_are_accepted(url: str) -> None:
    assert vk.connect("fakevendor", base_url=url, api_key="k").base_url == url


def test_base_url_with_userinfo_is_refused() -> None:
    with pytest.raises(vk.ConfigurationError):
        vk.connect("fakevendor", base_url="https://user:pw@api.example.com", api_key="k")


def test_redact_url_hides_signatures() -> None:
    url = "https://bucket.example/x?X-Amz-Signature=abc&X-Amz-Credential=k&part=2"
    assert "abc" not in redact_url(url)
    assert "part=2" in redact_url(url)
    assert redact_url(url, trusted_origin=("https", "api.example", 443)).endswith("?<redacted>")


def test_debug_logs_and_errors_never_show_the_key(emulator: FakeEmulator, provider: Any,
                                                  caplog: pytest.LogCaptureFixture,
                                                  tmp_path: Path) -> None:
    url = emulator.storage.publish("c.wav", tone_wav(0.1), "audio/wav")
    emulator.faults.add("POST /tts", "status", status=400, count=1,
                        body=f'{{"message": "key {SECRET} is bad"}}'.encode())
    with caplog.at_level(logging.DEBUG):
        provider.balance()
        provider.download(url, tmp_path / "c.wav")
        with pytest.raises(vk.InvalidRequest) as info:
            provider.synthesize("hi", voice="v1")
    assert SECRET not in str(info.value)
    assert "***" in str(info.value)
    assert SECRET not in caplog.text
    assert "X-Amz-Signature=" not in caplog.text or "<redacted>" in caplog.text
    token = url.split("X-Amz-Signature=")[1]
    assert token not in caplog.text
    assert SECRET not in repr(provider) and SECRET not in repr(provider.http)


def test_signed_links_on_the_api_origin_get_no_credentials(emulator: FakeEmulator,
                                                           provider: Any,
                                                           tmp_path: Path) -> None:
    # a vendor may hand out signed links on its own host: uploads never carry the key,
    # downloads only when the provider says its result links need it
    with pytest.raises(vk.ProviderError):
        provider.http.upload(f"{emulator.url}/signed-put?sig=1",
                             AudioSource.from_input(b"RIFF0000WAVE"))
    provider.http.download("/media/a.wav", tmp_path / "a.wav", authenticated=False)
    put, get = emulator.log[-2:]
    assert (put.method, get.method) == ("PUT", "GET")
    assert not put.has_credentials and not get.has_credentials
