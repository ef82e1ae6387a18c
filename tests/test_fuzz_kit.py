"""The fuzz kit: raw answers on the wire, hostile strategies, run_fuzz's findings."""

from __future__ import annotations

import json
import re
import socket
import threading
from typing import Any

import pytest
import requests
from fakevendor import FakeEmulator
from hypothesis import given, settings
from hypothesis import strategies as st

import voicekit_core as vk
from voicekit_core.errors import InvalidInput
from voicekit_core.testing.fuzz import (
    BASE,
    FuzzResponse,
    FuzzServer,
    assert_no_escapes,
    fuzz_connect,
    record_samples,
    run_fuzz,
)
from voicekit_core.testing.fuzz_strategies import hostile_inputs, hostile_json, mutated, responses


@pytest.fixture
def server() -> Any:
    with FuzzServer() as fuzz:
        yield fuzz


def _raw(server: FuzzServer) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n")
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    return b"".join(chunks)


def test_the_server_answers_queued_responses_in_order_then_the_fallback(server: FuzzServer
                                                                         ) -> None:
    server.reset([FuzzResponse(201, (("Content-Type", "application/json"),), b'{"a": 1}'),
                  FuzzResponse(599, (), b"odd")])
    first = requests.post(server.url + "/one", data=b"x" * 100_000, timeout=5)
    assert (first.status_code, first.json()) == (201, {"a": 1})
    second = requests.get(server.url + "/two", timeout=5)
    assert (second.status_code, second.content) == (599, b"odd")
    assert requests.get(server.url, timeout=5).status_code == 404
    assert server.hits == 3
    assert list(server.paths) == [("POST", "/one"), ("GET", "/two"), ("GET", "/")]


@pytest.mark.parametrize(("framing", "expected"), [
    ("length", b"Content-Length: 5\r\nConnection: close\r\n\r\nhello"),
    ("close", b"Connection: close\r\n\r\nhello"),
    ("short", b"Content-Length: 20\r\nConnection: close\r\n\r\nhello"),
    ("long", b"Content-Length: 2\r\nConnection: close\r\n\r\nhello"),
    ("chunked", b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
    ("chunked-bad", b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nczz\r\nhello\r\n"),
])
def test_framings_are_written_byte_for_byte(server: FuzzServer, framing: str,
                                            expected: bytes) -> None:
    server.reset([FuzzResponse(200, (), b"hello", framing)])
    assert _raw(server) == b"HTTP/1.1 200 OK\r\n" + expected


def test_junk_headers_and_odd_statuses_go_out_as_given(server: FuzzServer) -> None:
    server.reset([FuzzResponse(777, (("Retry-After", "inf"), ("Location", "http://\ud800/"),
                                     ("Content-Length", "abc")), b"x")])
    raw = _raw(server)
    assert raw.startswith(b"HTTP/1.1 777 Odd\r\nRetry-After: inf\r\nLocation: http://")
    assert b"Content-Length: abc\r\n" in raw and b"Content-Length: 1" not in raw
    summary = FuzzResponse(200, (("A", "b"),), b"z" * 500).summary(10)
    assert "(+490 bytes)" in summary and "A: 'b'" in summary


@settings(max_examples=60, deadline=None)
@given(responses(base="http://127.0.0.1:1"))
def test_every_generated_answer_can_be_written(answer: FuzzResponse) -> None:
    raw = answer.to_bytes()
    assert raw.startswith(f"HTTP/1.1 {answer.status} ".encode())
    assert 100 <= answer.status <= 999


@settings(max_examples=60, deadline=None)
@given(hostile_json(), hostile_inputs())
def test_hostile_values_never_name_another_host(value: Any, user_value: Any) -> None:
    text = json.dumps(value) + repr(user_value)
    for marker in ("http://", "https://"):
        for part in text.split(marker)[1:]:
            host = re.split(r"[/'\"?\s]", part)[0].split("@")[-1]
            assert host == "" or host.startswith(("127.0.0.1", "[::1", "\\ud800")), host


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_mutations_keep_the_shape_mostly_and_break_it_sometimes(data: st.DataObject) -> None:
    real = {"voices": [{"id": "v1", "name": "One"}], "next": None}
    value = data.draw(mutated(real))
    json.dumps(value)  # still JSON-encodable (NaN aside, which json writes as a literal)


# -- run_fuzz ---------------------------------------------------------------------------------


def _sloppy_balance(provider: Any) -> float:
    """Reads the answer the way a careless plugin would: indexing unchecked JSON."""
    return float(provider.http.json("GET", "/balance")["credits"])


def _fake_ops() -> dict[str, Any]:
    return {"list_voices": lambda p: p.list_voices(), "balance": _sloppy_balance,
            "synthesize": lambda p: p.synthesize("hi", voice="v1")}


def test_run_fuzz_reports_what_escapes_a_sloppy_provider() -> None:
    report = run_fuzz(fuzz_connect("fakevendor", api_key="k"), _fake_ops(), examples=150,
                      seed=3)
    assert not report.ok
    assert report.examples == 150 and report.requests >= 150
    errors = {(e.operation, e.error) for e in report.escapes}
    assert ("balance", "TypeError") in errors or ("balance", "KeyError") in errors
    escape = report.escapes[0]
    assert escape.where.startswith("tests/test_fuzz_kit.py") and escape.responses
    assert escape.operation in report.text()
    assert {e.operation for e in report.escapes} == {"balance"}  # the kit-built calls hold


def test_run_fuzz_passes_voicekit_errors_and_hostile_inputs() -> None:
    def check_name(provider: Any, value: Any) -> None:
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput("bad name", field="name")

    report = run_fuzz(fuzz_connect("fakevendor", api_key="k"),
                      {"checked": check_name, "ok": lambda p: None}, examples=50, seed=1)
    assert report.ok, report.text()
    assert set(report.calls) == {"checked", "ok"}


def test_a_call_over_the_time_limit_is_reported_as_a_hang() -> None:
    release = threading.Event()
    report = run_fuzz(fuzz_connect("fakevendor", api_key="k"),
                      {"stuck": lambda p: release.wait(2.0)}, examples=2, seed=0,
                      time_limit=0.05)
    release.set()
    assert [e.hang for e in report.escapes] == [True]


def test_stop_on_first_fails_with_a_shrunk_example() -> None:
    with pytest.raises(AssertionError, match="balance"):
        assert_no_escapes(fuzz_connect("fakevendor", api_key="k"),
                          {"balance": _sloppy_balance}, examples=50, seed=2)


def test_samples_are_recorded_from_the_emulator_with_its_origins_replaced(
        voicekit_fast_retries: None) -> None:
    samples, failed = record_samples(
        FakeEmulator, lambda emu: vk.connect("fakevendor", **emu.connect_options()),
        {"list_voices": lambda p: p.list_voices(), "broken": lambda p: p.nothing(),
         "hostile": lambda p, value: None})
    assert samples["list_voices"][0].status == 200
    assert json.loads(samples["list_voices"][0].body)["voices"][0]["id"] == "v1"
    assert "AttributeError" in failed["broken"] and "hostile" not in samples
    assert BASE.startswith("http://") and BASE.endswith(".invalid")
    report = run_fuzz(fuzz_connect("fakevendor", api_key="k"),
                      {"list_voices": lambda p: p.list_voices()}, examples=30, seed=0,
                      samples=samples)
    assert report.examples == 30


def test_a_websocket_upgrade_gets_the_queued_frames(server: FuzzServer) -> None:
    import websocket

    from voicekit_core.testing.fuzz_server import ws_frame

    server.reset([FuzzResponse(ws=(ws_frame(2, b"audio"), ws_frame(1, b'{"a": 1}'),
                                   ws_frame(8, (4402).to_bytes(2, "big") + b"no credits")))])
    ws = websocket.create_connection(server.url.replace("http", "ws") + "/stream", timeout=5)
    assert ws.recv() == b"audio"
    assert ws.recv() == '{"a": 1}'
    opcode, data = ws.recv_data(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    assert (int.from_bytes(data[:2], "big"), data[2:]) == (4402, b"no credits")
    # a plain HTTP request meeting a response with frames gets the HTTP part
    server.reset([FuzzResponse(418, (), b"tea", ws=())])
    assert requests.get(server.url, timeout=5).status_code == 418


def test_minimise_keeps_the_failure_with_smaller_answers() -> None:
    from voicekit_core.testing.fuzz import Escape, Runner
    from voicekit_core.testing.fuzz_minimise import minimise

    noisy = FuzzResponse(200, (("Content-Type", "application/json"), ("X-Junk", "1"),
                               ("Retry-After", "nan")),
                         json.dumps({"credit": 1, "voices": list(range(50))}).encode(),
                         "chunked", ws=())
    extra = FuzzResponse(500, (), b"later")
    with Runner(fuzz_connect("fakevendor", api_key="k"), {"balance": _sloppy_balance}
                ) as runner:
        found = runner.run("balance", [noisy, extra])
        assert isinstance(found, Escape) and found.error == "KeyError"
        small = minimise(runner, found)
    assert (small.error, small.where) == (found.error, found.where)
    assert len(small.responses) == 1
    assert small.responses[0].headers == () and small.responses[0].ws is None
    assert small.responses[0].body in (b"{}", b"null", b"[]", b"", b"0", b'""')


def test_fuzzing_and_conformance_walk_one_table_of_capability_calls() -> None:
    from voicekit_core.testing import conformance_safety, fuzz_plugin

    assert conformance_safety.CALLS is fuzz_plugin.CALLS
    assert {hook for _cap, _method, hook in fuzz_plugin.CALLS} >= {"synthesize_args",
                                                                    "video_args"}
