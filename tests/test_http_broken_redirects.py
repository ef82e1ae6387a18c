"""Redirect answers that requests itself chokes on (found by fuzzing gemelo): a Location that
is not a URL, a redirect whose gzip body breaks off. Only VoicekitError may leave."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rawserver import Answer, RawServer, raw_server

import voicekit_core as vk
from voicekit_core.http import HttpClient


@pytest.fixture
def client(voicekit_fast_retries: None) -> Iterator[tuple[RawServer, HttpClient]]:
    with raw_server() as server:
        c = HttpClient(server.url, provider="raw", max_retries=0, timeout=(2, 2))
        yield server, c
        c.close()


@pytest.mark.parametrize("answer", [
    Answer(307, [("Location", "http://[::1")], b"{}"),
    Answer(301, [("Location", "//"), ("Content-Encoding", "gzip"),
                 ("Content-Length", "600")], b"[" * 16, content_length=False),
])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_broken_redirect_is_a_bad_response(client: tuple[RawServer, HttpClient],
                                             answer: Answer, method: str) -> None:
    server, http = client
    server.answer(answer)
    with pytest.raises(vk.VoicekitError):
        http.request(method, "/v1/x")
