"""Hostile answers and bad settings: every one ends as a specific VoicekitError.

Answers are scripted byte for byte by a loopback server (tests/rawserver.py).
"""

from __future__ import annotations

import gzip
import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakevendor import FakeEmulator
from rawserver import Answer, RawServer, raw_server

import voicekit_core as vk
from voicekit_core.credentials import Secret
from voicekit_core.http import HttpClient
from voicekit_core.retry import RateLimitInfo, RetryPolicy, parse_delay

KEY = "hard-key-0123456789abcdef"


@pytest.fixture
def server() -> Iterator[RawServer]:
    with raw_server() as s:
        yield s


def make_client(server: RawServer, **kwargs: Any) -> HttpClient:
    kwargs.setdefault("max_retries", 0)
    return HttpClient(server.url, provider="raw", secrets=[Secret(KEY)], timeout=(2, 2),
                      **kwargs)


@pytest.fixture
def client(server: RawServer, voicekit_fast_retries: None) -> Iterator[HttpClient]:
    c = make_client(server)
    yield c
    c.close()


def json_answer(body: bytes, status: int = 200, **headers: str) -> Answer:
    return Answer(status, [("Content-Type", "application/json"), *headers.items()], body)


# -- bodies -----------------------------------------------------------------------------


def test_deeply_nested_json_is_a_bad_response(server: RawServer, client: HttpClient) -> None:
    server.answer(json_answer(b"[" * 200_000 + b"]" * 200_000))
    with pytest.raises(vk.BadResponse, match="nested too deeply"):
        client.json("GET", "/x")


def test_deeply_nested_error_body_still_maps_the_status(server: RawServer,
                                                        client: HttpClient) -> None:
    server.answer(json_answer(b'{"error": ' * 100_000 + b"1" + b"}" * 100_000, 404))
    with pytest.raises(vk.NotFound):
        client.json("GET", "/x")


def test_malformed_json_echoing_the_key_is_scrubbed(server: RawServer,
                                                    client: HttpClient) -> None:
    server.answer(json_answer(f'{{"token": "{KEY}", '.encode()))
    with pytest.raises(vk.BadResponse) as info:
        client.json("GET", "/x")
    assert KEY not in str(info.value) and "***" in info.value.message


@pytest.mark.parametrize("charset", ["bogus-8", "base64", "utf-99", "rot13", ""])
def test_unknown_charsets_fall_back_to_utf8(server: RawServer, client: HttpClient,
                                            charset: str) -> None:
    server.answer(Answer(500, [("Content-Type", f"text/plain; charset={charset}")],
                         "Dienst überlastet".encode()))
    with pytest.raises(vk.ServerError) as info:
        client.json("GET", "/x")
    assert info.value.message == "Dienst überlastet"


def test_a_body_that_cannot_be_decoded_is_a_bad_response(server: RawServer,
                                                         client: HttpClient) -> None:
    server.answer(Answer(200, [("Content-Encoding", "gzip")], b"not gzip at all"))
    with pytest.raises(vk.BadResponse, match="cannot be decoded"):
        client.json("GET", "/x")
    server.answer(Answer(200, [("Content-Encoding", "gzip")], gzip.compress(b'{"a": 1}')))
    assert client.json("GET", "/x") == {"a": 1}


def test_a_truncated_body_is_stream_interrupted(server: RawServer,
                                                client: HttpClient) -> None:
    body = b'{"voices": [' + b'{"id": "v"},' * 500 + b"{}]}"
    server.answer(Answer(200, [("Content-Length", str(len(body)))], body, cut_after=100))
    with pytest.raises(vk.StreamInterrupted):
        client.json("GET", "/x")
    with pytest.raises(vk.StreamInterrupted) as info:
        client.json("POST", "/x", json={})
    assert info.value.may_have_been_processed and not info.value.never_sent


def test_a_truncated_get_is_retried(server: RawServer, voicekit_fast_retries: None) -> None:
    client = make_client(server, max_retries=2)
    body = b'{"ok": true}'
    server.answer(Answer(200, [("Content-Length", "50")], body, content_length=False),
                  Answer(200, [], body))
    assert client.json("GET", "/x") == {"ok": True}
    assert len(server.requests) == 2


# -- headers ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["inf", "-inf", "NaN", "1e400", "-5", "9" * 400, "1e300",
                                   "", "junk", "Thu, 99 Foo 99999 99:99:99 GMT"])
def test_junk_rate_limit_headers_are_ignored(value: str) -> None:
    info = RateLimitInfo.from_headers({"X-RateLimit-Limit": value,
                                       "X-RateLimit-Remaining": value,
                                       "X-RateLimit-Reset": value, "Retry-After": value})
    assert info == RateLimitInfo()
    assert parse_delay(value) is None


def test_a_429_with_junk_headers_is_rate_limited_without_numbers(server: RawServer,
                                                                 client: HttpClient) -> None:
    server.answer(json_answer(b'{"message": "slow"}', 429, **{
        "Retry-After": "1e999", "X-RateLimit-Limit": "NaN", "X-RateLimit-Remaining": "-1"}))
    with pytest.raises(vk.RateLimited) as info:
        client.json("GET", "/x")
    assert (info.value.retry_after, info.value.limit, info.value.remaining) == (None,) * 3


@pytest.mark.parametrize("location", ["http://[::1", "javascript:alert(1)", "http://a b/c",
                                      "file:///etc/passwd", "http://host:99999/x"])
def test_a_malformed_location_is_a_bad_response(server: RawServer, client: HttpClient,
                                                location: str) -> None:
    server.answer(Answer(302, [("Location", location)]))
    with pytest.raises(vk.BadResponse, match=r"malformed location|broken answer"):
        client.json("GET", "/x")


@pytest.mark.parametrize("link", ["http://[::1/x", "https://", "ftp://files/x.wav",
                                  "https://host/x\r\nX-Injected: 1", "http://h:port/x"])
def test_a_malformed_vendor_link_is_a_bad_response(client: HttpClient, link: str,
                                                   tmp_path: Path) -> None:
    with pytest.raises(vk.BadResponse, match="malformed link"):
        client.download(link, tmp_path / "x.wav")
    assert list(tmp_path.iterdir()) == []


# -- the network ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_a_refused_connection_names_host_port_and_cause(voicekit_fast_retries: None) -> None:
    port = free_port()
    client = HttpClient(f"http://127.0.0.1:{port}", provider="raw", max_retries=2)
    retries: list[str] = []
    client._emit = lambda kind, **data: retries.append(kind)
    with pytest.raises(vk.ConnectionFailed) as info:
        client.json("POST", "/tts", json={})  # a spending POST: never sent, so retried
    assert f"127.0.0.1:{port}" in info.value.message and "refused" in info.value.message
    assert info.value.never_sent and not info.value.may_have_been_processed
    assert retries.count("retry") == 2


def test_a_connect_timeout_on_a_post_is_retried_like_a_refusal(
        voicekit_fast_retries: None) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)  # never accepted: once the backlog is full, connects hang
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(8):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    try:
        client = HttpClient(f"http://127.0.0.1:{port}", provider="raw", max_retries=1,
                            timeout=(0.2, 1))
        retries: list[str] = []
        client._emit = lambda kind, **data: retries.append(kind)
        with pytest.raises(vk.Timeout) as info:
            client.json("POST", "/tts", json={})
        assert info.value.never_sent and not info.value.may_have_been_processed
        assert "timed out connecting" in info.value.message
        assert retries.count("retry") == 1
    finally:
        for s in (*fillers, listener):
            s.close()


def test_retry_policy_rules() -> None:
    policy = RetryPolicy()
    cut = vk.StreamInterrupted("cut", received_bytes=3)
    assert policy.should_retry(cut, idempotent=True)
    assert not policy.should_retry(cut, idempotent=False)
    never = vk.Timeout("t", never_sent=True)
    assert policy.should_retry(never, idempotent=False)
    assert not policy.should_retry(vk.Timeout("t"), idempotent=False)
    assert vk.TransportError("x").never_sent is False


def test_no_stamina_lines_at_default_levels(server: RawServer, voicekit_fast_retries: None,
                                            caplog: pytest.LogCaptureFixture) -> None:
    client = make_client(server, max_retries=3)
    server.answer(json_answer(b"{}", 503), json_answer(b"{}", 503), json_answer(b'{"a": 1}'))
    with caplog.at_level(logging.INFO):
        assert client.json("GET", "/x") == {"a": 1}
    assert [r for r in caplog.records if r.name.startswith(("stamina", "voicekit"))] == []
    server.answer(json_answer(b"{}", 503), json_answer(b'{"a": 1}'))
    with caplog.at_level(logging.DEBUG, logger="voicekit"):
        client.json("GET", "/x")
    assert any("retrying GET" in r.getMessage() for r in caplog.records)
    logging.getLogger("stamina").warning("the application's own stamina line")
    assert "the application's own stamina line" in caplog.text


# -- connect() settings ---------------------------------------------------------------------


@pytest.mark.parametrize(("base_url", "says"), [
    ("https://api.example.com/v1?key=x", "query or fragment"),
    ("https://api.example.com/v1#frag", "query or fragment"),
    ("https://api.example.com/v1?", "query or fragment"),
    ("https://api.example.com/v1/../admin", "'..' path segments"),
    ("https://api.example.com/%2e%2e/x", "'..' path segments"),
    ("https://api.example.com:99999", "not a valid URL"),
    ("https://api.example.com/ v1", "whitespace"),
    ("ftp://api.example.com", "http(s) URL"),
    ("https://user:pw@api.example.com", "credentials"),
    ("https://", "http(s) URL"),
    (42, "must be a string"),
    ("http://api.example.com", "plain http"),
])
def test_bad_base_urls_are_configuration_errors(base_url: Any, says: str) -> None:
    with pytest.raises(vk.ConfigurationError) as info:
        vk.connect("fakevendor", base_url=base_url, api_key="k")
    assert says in info.value.message
    assert "pw" not in info.value.message


@pytest.mark.parametrize("pool_size", [0, -1, True, "8", 1.5, float("nan"), 10**6])
def test_bad_pool_sizes_are_configuration_errors(pool_size: Any) -> None:
    with pytest.raises(vk.ConfigurationError, match="pool_size"):
        vk.connect("fakevendor", base_url="https://api.example.com", api_key="k",
                   pool_size=pool_size)


def test_the_pool_size_reaches_the_connection_pool(emulator: FakeEmulator) -> None:
    provider = vk.connect("fakevendor", **emulator.connect_options(pool_size=3))
    adapter = provider.http.session.get_adapter(emulator.url)
    assert adapter._pool_maxsize == 3  # type: ignore[attr-defined]
    assert vk.connect("fakevendor", **emulator.connect_options()).pool_size == 16


def test_threads_share_one_client(emulator: FakeEmulator) -> None:
    provider = vk.connect("fakevendor", **emulator.connect_options())
    barrier = threading.Barrier(12)
    seen: list[object] = []

    def grab() -> None:
        barrier.wait(timeout=10)
        seen.append(provider.http)

    threads = [threading.Thread(target=grab) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(seen) == 12 and all(c is seen[0] for c in seen)
    provider.close()
    assert provider.http is not seen[0]  # a closed provider makes a fresh client on use


def test_any_error_naming_a_long_key_in_use_hides_it() -> None:
    key = "sk_live_" + "x7" * 12
    Secret(key)  # a credential in use anywhere in the process
    error = vk.BadResponse(f"paging repeated cursor '{key}'", code=key)
    assert key not in str(error) and error.message == "paging repeated cursor '***'"
    assert error.code == "***"
    short = Secret("password")  # short values are ordinary words: only the client scrubs them
    assert vk.InvalidInput("password too short").message == "password too short"
    assert short.reveal() == "password"


def test_an_unknown_host_says_dns(voicekit_fast_retries: None) -> None:
    client = HttpClient("https://voicekit-no-such-host.invalid", provider="raw",
                        max_retries=0, timeout=(2, 2))  # .invalid never resolves (RFC 6761)
    with pytest.raises(vk.ConnectionFailed) as info:
        client.json("POST", "/tts", json={})
    assert "voicekit-no-such-host.invalid:443" in info.value.message
    assert "DNS" in info.value.message and info.value.never_sent


class Verbatim(Answer):
    """An answer sent exactly as given (not even a valid status line)."""

    def __init__(self, raw: bytes) -> None:
        super().__init__()
        self.verbatim = raw

    def raw(self) -> bytes:
        return self.verbatim


ODD_ANSWERS = {
    "negative length": Answer(200, [("Content-Length", "-1")], b"{}", content_length=False),
    "junk length": Answer(200, [("Content-Length", "abc")], b"{}", content_length=False),
    "huge length": Answer(200, [("Content-Length", "9" * 30)], b"{}", content_length=False),
    "two lengths": Answer(200, [("Content-Length", "2"), ("Content-Length", "5")], b"{}",
                          content_length=False),
    "junk chunk": Verbatim(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"zz\r\nabc\r\n0\r\n\r\n"),
    "status 999": Answer(999, [], b"{}"),
    "status 000": Verbatim(b"HTTP/1.1 000 X\r\nContent-Length: 2\r\n\r\n{}"),
    "no status line": Verbatim(b"garbage\r\n\r\n"),
    "nothing": Verbatim(b""),
    "bare body": Verbatim(b"{}"),
    "junk deflate": Answer(200, [("Content-Encoding", "deflate")], b"junkjunk"),
    "unknown encoding": Answer(200, [("Content-Encoding", "x-weird")], b"{}"),
    "non-latin headers": Verbatim(b"HTTP/1.1 200 OK\r\nX-A: \xff\xfe\r\nContent-Type: "
                                  b"application/json; charset=\xff\r\nContent-Length: 2"
                                  b"\r\n\r\n{}"),
    "redirect to itself": Answer(303, [("Location", "/x")]),
    "empty location": Answer(302, [("Location", "")]),
    "redirect with a huge length": Answer(301, [("Location", "/files/a.wav"), (
        "Content-Length", "9" * 26), ("Content-Encoding", "gzip")], b"{}"),  # found by fuzzing
    "non-ascii location": Verbatim(b"HTTP/1.1 302 F\r\nLocation: http://\xc3\xa9x.com/\xff"
                                   b"\r\nContent-Length: 0\r\n\r\n"),
    "huge retry-after": Answer(429, [("Retry-After", "9" * 500)], b"{}"),
    "year 10000 reset": Answer(429, [("X-RateLimit-Reset", "Mon, 01 Jan 10000 00:00:00 GMT")],
                               b"{}"),
    "5000-digit number": Answer(200, [], b"1" * 5000),
    "UTF-16 JSON": Answer(200, [("Content-Type", "application/json")],
                          '{"a": 1}'.encode("utf-16")),
}


@pytest.mark.parametrize("name", sorted(ODD_ANSWERS))
def test_odd_answers_end_as_voicekit_errors_or_values(server: RawServer, name: str,
                                                      voicekit_fast_retries: None,
                                                      tmp_path: Path) -> None:
    from voicekit_core.transfers import read_audio

    client = make_client(server, max_retries=1)
    calls = {"get": lambda: client.json("GET", "/x"),
             "post": lambda: client.json("POST", "/x", json={}),
             "audio": lambda: read_audio(client.request("GET", "/x")),
             "download": lambda: client.download("/x", tmp_path / "f")}
    outcomes = []
    for call in calls.values():
        server.answer(ODD_ANSWERS[name])
        try:
            outcomes.append(type(call()).__name__)
        except vk.VoicekitError as exc:
            outcomes.append(type(exc).__name__)
    assert len(outcomes) == 4  # every call ended, and only with a VoicekitError if it failed
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
