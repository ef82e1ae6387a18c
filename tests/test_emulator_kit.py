"""The emulator kit: rate limits, timed statuses, fail_next, iso, exchanges, ws, contract."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
import websocket
from fakevendor import FakeEmulator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

import voicekit_core as vk
from voicekit_core.clock import ManualClock
from voicekit_core.testing.contract import OpenApiContract
from voicekit_core.testing.emulator import Emulator, Exchange, RateLimit, iso, json_error
from voicekit_core.testing.ratelimit import RateWindow
from voicekit_core.testing.timeline import TimedStatus
from voicekit_core.testing.ws import FrameGate, Refusal, receive_json, serve

KEY = "kit-key-123"


class KitEmulator(Emulator):
    provider = "kit"
    credentials: ClassVar[Mapping[str, str]] = {"api_key": KEY}
    rate_limits: ClassVar[Mapping[str, RateLimit]] = {"read": RateLimit(2, 60),
                                                      "write": RateLimit(1, 10)}
    record_exchanges = True

    def __init__(self, **kwargs: Any) -> None:
        self.gate = FrameGate(limit=5.0)
        self.closes: list[tuple[int, str]] = []
        self.jobs: dict[str, TimedStatus] = {}
        super().__init__(**kwargs)

    def authorized(self, headers: Mapping[str, str]) -> bool:
        return headers.get("x-key") == KEY

    def error_response(self, kind: str) -> Response:
        status = {"unauthorized": 401, "not_found": 404, "rate_limited": 429,
                  "insufficient_credits": 402, "invalid": 400}.get(kind, 500)
        return json_error(status, {"error": {"code": kind, "message": f"{kind} here"}})

    def routes(self) -> Iterable[BaseRoute]:
        return [Route("/items", self.items), Route("/jobs", self.create, methods=["POST"]),
                Route("/jobs/{id}", self.job), Route("/special", self.special),
                WebSocketRoute("/ws", self.ws)]

    async def items(self, request: Request) -> Response:
        return JSONResponse({"items": [1, 2]})

    async def special(self, request: Request) -> Response:
        return self.throttle(request, "special") or JSONResponse({"ok": True})

    async def create(self, request: Request) -> Response:
        failure = self.take_failure("job", default="it broke")
        jid = f"j{len(self.jobs) + 1}"
        self.jobs[jid] = self.timeline([("queued", 1.0), ("running", 4.0)], final="done",
                                       fail="error" if failure else None, error=failure)
        return JSONResponse({"id": jid})

    async def job(self, request: Request) -> Response:
        timed = self.jobs[request.path_params["id"]]
        now = self.clock.now()
        return JSONResponse({"status": timed.status(now), "error": timed.error,
                             "updated": self.iso(timed.stage_started(now))})

    async def ws(self, ws: WebSocket) -> None:
        async def run() -> None:
            first = await receive_json(ws, timeout=5.0)
            if first.get("key") != KEY:
                raise Refusal(4001, "Unauthorized")
            for sent in range(3):
                await self.gate.pass_frame(sent)
                await ws.send_bytes(b"x" * 10)

        await serve(ws, run, on_close=lambda code, reason: self.closes.append((code, reason)))


@pytest.fixture
def kit() -> Iterator[KitEmulator]:
    with KitEmulator() as emu:
        yield emu


def _get(emu: Emulator, path: str, method: str = "GET") -> requests.Response:
    return requests.request(method, emu.url + path, headers={"X-Key": KEY}, timeout=5)


# -- rate limits ---------------------------------------------------------------------------


def test_rate_limit_rules_are_checked() -> None:
    with pytest.raises(ValueError):
        RateLimit(0, 60)
    with pytest.raises(ValueError):
        RateLimit(5, float("inf"))


def test_rate_window_opens_with_its_first_request_and_closes_later() -> None:
    window = RateWindow(RateLimit(2, 10))
    assert window.hit(100.0) and window.hit(105.0)
    assert not window.hit(109.9)
    assert window.state(109.9) == (0, 110.0)
    assert window.hit(110.0)
    assert window.state(111.0) == (1, 120.0)


def test_requests_over_the_limit_get_429_with_headers_on_the_emulator_clock(
        kit: KitEmulator) -> None:
    assert _get(kit, "/items").status_code == 200
    assert _get(kit, "/items").status_code == 200
    kit.clock.advance(15)
    limited = _get(kit, "/items")
    assert limited.status_code == 429
    assert limited.json() == {"error": {"code": "rate_limited", "message": "rate_limited here"}}
    assert limited.headers["Retry-After"] == "45"
    assert limited.headers["X-RateLimit-Limit"] == "2"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    reset = int(limited.headers["X-RateLimit-Reset"])
    assert reset == pytest.approx(kit.wall() + 45, abs=1)
    assert [(t.bucket, t.path) for t in kit.throttled] == [("read", "/items")]
    assert kit.log[-1].fault == "throttled"
    # writes count in their own bucket
    assert _get(kit, "/jobs", "POST").status_code == 200
    assert _get(kit, "/jobs", "POST").status_code == 429
    kit.clock.advance(45)
    assert _get(kit, "/items").status_code == 200


def test_unauthorised_requests_are_not_counted(kit: KitEmulator) -> None:
    for _ in range(5):
        assert requests.get(kit.url + "/items", timeout=5).status_code == 401
    assert _get(kit, "/items").status_code == 200


def test_rate_limits_can_change_per_test_and_routes_can_use_own_buckets(
        kit: KitEmulator) -> None:
    kit.rate_limits["special"] = RateLimit(1, 5)
    kit.rate_limits["read"] = RateLimit(100, 60)
    assert _get(kit, "/special").status_code == 200
    answer = _get(kit, "/special")
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "5"
    assert [t.bucket for t in kit.throttled] == ["special"]


def test_rate_headers_on_every_answer_and_in_seconds() -> None:
    class Always(KitEmulator):
        rate_headers_always = True
        rate_reset_style = "seconds"

    with Always() as emu:
        first = _get(emu, "/items")
        assert first.headers["X-RateLimit-Remaining"] == "1"
        assert first.headers["X-RateLimit-Reset"] == "60"
        emu.clock.advance(20)
        assert _get(emu, "/items").headers["X-RateLimit-Reset"] == "40"


def test_a_provider_waits_out_the_limit_on_the_shared_clock(voicekit_fast_retries: None
                                                            ) -> None:
    class Limited(FakeEmulator):
        rate_limits: ClassVar[Mapping[str, RateLimit]] = {"write": RateLimit(1, 30)}

    with Limited() as emu:
        provider = vk.connect("fakevendor", **emu.connect_options())
        voice = "v1"
        provider.synthesize("one", voice=voice)  # type: ignore[attr-defined]
        before = emu.clock.now()
        provider.synthesize("two", voice=voice)  # type: ignore[attr-defined]
        assert len(emu.throttled) == 1
        assert emu.clock.now() - before >= 30 - 1e-6
        assert emu.tts_voices == ["v1", "v1"]


# -- faults -----------------------------------------------------------------------------


def test_fail_next_answers_the_vendor_error_with_the_given_message(kit: KitEmulator) -> None:
    kit.rate_limits.clear()
    kit.fail_next("server_error", 2, "the disk is full", match="GET /items")
    for _ in range(2):
        answer = _get(kit, "/items")
        assert answer.status_code == 500
        assert answer.json() == {"error": {"code": "server_error",
                                           "message": "the disk is full"}}
    assert _get(kit, "/items").status_code == 200


def test_fail_next_without_message_keeps_the_vendor_text_and_only_hits_its_route(
        kit: KitEmulator) -> None:
    kit.fail_next("not_found", match="/jobs/*")
    assert _get(kit, "/items").status_code == 200
    assert _get(kit, "/jobs", "POST").status_code == 200
    answer = _get(kit, "/jobs/j1")
    assert answer.status_code == 404 and answer.json()["error"]["message"] == "not_found here"


def test_fail_next_for_a_job_kind_queues_failures(kit: KitEmulator) -> None:
    kit.fail_next("job", 1, "no speech found")
    kit.fail_next("job")
    assert kit.take_failure("job") == "no speech found"
    assert kit.take_failure("job", default="broken") == "broken"
    assert kit.take_failure("job") is None
    with pytest.raises(ValueError):
        kit.fail_next("job", 0)


# -- timed statuses -------------------------------------------------------------------------


def test_timed_status_walks_its_stages() -> None:
    timed = TimedStatus([("queued", 1.0), ("skipped", 0.0), ("running", 4.0)], final="done",
                        start=100.0)
    assert [timed.status(t) for t in (99.0, 100.0, 100.99, 101.0, 104.99, 105.0, 1e9)] == [
        "queued", "queued", "queued", "running", "running", "done", "done"]
    assert timed.progress(102.5) == 0.5 and timed.progress(0) == 0.0
    assert timed.stage_started(103.0) == 101.0 and timed.stage_started(200.0) == 105.0
    assert not timed.settle(104.0)
    assert timed.settle(105.0) and not timed.settle(106.0)
    assert timed.ends_at == 105.0 and not timed.failed(200.0)


def test_timed_status_failure_and_spread() -> None:
    failing = TimedStatus([("processing", 2.0)], final="COMPLETED", fail="FAILED",
                          error="bad audio")
    assert failing.status(1.0) == "processing" and failing.status(2.0) == "FAILED"
    assert failing.failed(2.0) and failing.outcome == "FAILED"
    spread = TimedStatus.spread([("queued", 0.0), ("starting", 0.1), ("processing", 0.2)],
                                100.0, final="done")
    assert spread.stages == (("queued", 10.0), ("starting", 10.0), ("processing", 80.0))
    instant = TimedStatus([("processing", 0.0)], final="done")
    assert instant.status(0.0) == "done" and instant.progress(0.0) == 1.0
    with pytest.raises(ValueError):
        TimedStatus([("x", -1.0)], final="done")


def test_jobs_advance_on_the_emulator_clock(kit: KitEmulator) -> None:
    kit.rate_limits.clear()
    kit.fail_next("job", 1, "the sample had music")
    failing = _get(kit, "/jobs", "POST").json()["id"]
    working = _get(kit, "/jobs", "POST").json()["id"]
    assert _get(kit, f"/jobs/{working}").json()["status"] == "queued"
    kit.clock.advance(2)
    body = _get(kit, f"/jobs/{working}").json()
    assert body["status"] == "running" and body["updated"] == kit.iso(kit.clock.now() - 1)
    kit.clock.advance(3)
    assert _get(kit, f"/jobs/{working}").json()["status"] == "done"
    assert _get(kit, f"/jobs/{failing}").json() == {
        "status": "error", "error": "the sample had music", "updated": kit.iso()}


# -- iso, wall --------------------------------------------------------------------------------


def test_iso_writes_vendor_timestamps() -> None:
    moment = dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.timezone.utc).timestamp()
    assert iso(moment) == "2026-01-02T03:04:05.678Z"
    assert iso(moment, digits=0) == "2026-01-02T03:04:05Z"
    assert iso(moment, digits=6) == "2026-01-02T03:04:05.678901Z"


def test_emulator_wall_time_follows_its_clock() -> None:
    clock = ManualClock(wall_start=1_767_225_600.0)  # 2026-01-01T00:00:00Z
    emu = KitEmulator(clock=clock)
    assert emu.iso() == "2026-01-01T00:00:00.000Z"
    clock.advance(90.5)
    assert emu.iso() == "2026-01-01T00:01:30.500Z"
    assert emu.wall(clock.now() - 90.5) == 1_767_225_600.0


# -- exchanges and the OpenAPI contract ------------------------------------------------------

SPEC: dict[str, Any] = {
    "openapi": "3.1.0", "info": {"title": "kit", "version": "1"},
    "paths": {
        "/items": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {
            "type": "object", "required": ["items"],
            "properties": {"items": {"type": "array", "items": {"type": "integer"}}}}}}}}}},
        "/jobs": {"post": {"responses": {"200": {"content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/Created"}}}}}}},
    },
    "components": {"schemas": {"Created": {"type": "object", "required": ["id"],
                                           "properties": {"id": {"type": "string"}}}}},
}


@pytest.fixture
def contract(tmp_path: Path) -> OpenApiContract:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(SPEC))
    return OpenApiContract(path, error_codes={404: ("not_found",), 429: None},
                           envelope=("code", "message"))


def _exchange(path: str, status: int, body: Any, method: str = "GET") -> Exchange:
    return Exchange(method, path, "", status, "application/json", json.dumps(body).encode(),
                    None)


def test_exchanges_are_recorded_and_checked(kit: KitEmulator,
                                            contract: OpenApiContract) -> None:
    kit.rate_limits.clear()
    _get(kit, "/items")
    _get(kit, "/jobs", "POST")
    kit.faults.add("GET /items", "malformed")
    _get(kit, "/items")
    assert [(e.method, e.path, e.status, e.fault) for e in kit.exchanges] == [
        ("GET", "/items", 200, None), ("POST", "/jobs", 200, None),
        ("GET", "/items", 200, "malformed")]
    assert json.loads(kit.exchanges[0].body) == {"items": [1, 2]}
    contract.check(kit)  # the malformed answer is a deliberate fault: skipped
    assert contract.seen == {("GET", "/items", 200), ("POST", "/jobs", 200)}


def test_the_contract_catches_drift(contract: OpenApiContract) -> None:
    assert contract.errors(_exchange("/items", 200, {"items": [1]})) == []
    assert contract.errors(_exchange("/items", 200, {"items": ["a"]}))
    assert contract.errors(_exchange("/items", 200, {"items": [], "extra": 1}))
    assert contract.errors(_exchange("/jobs", 200, {"id": 5}, "POST"))
    assert contract.errors(_exchange("/nowhere", 200, {}))
    assert contract.errors(_exchange("/items", 200, {}, "DELETE"))
    assert contract.errors(_exchange("/items", 404, {"code": "not_found", "message": "x"})) == []
    assert contract.errors(_exchange("/items", 404, {"code": "gone", "message": "x"}))
    assert contract.errors(_exchange("/items", 429, {"code": "slow", "message": "x"})) == []
    assert contract.errors(_exchange("/items", 500, {"error": "x"}))
    html = Exchange("GET", "/items", "", 200, "text/html", b"<html>", None)
    assert contract.errors(html)
    with pytest.raises(AssertionError):
        contract.check(type("E", (), {"exchanges": [html]})())
    assert contract.fresh().seen == set()


# -- WebSocket helpers ------------------------------------------------------------------------


def _ws(emu: Emulator) -> websocket.WebSocket:
    return websocket.create_connection(emu.url.replace("http", "ws") + "/ws", timeout=5)


def _close_code(ws: websocket.WebSocket) -> int:
    """Read until the server's close frame; its code."""
    for _ in range(100):
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return int.from_bytes(data[:2], "big")
    raise AssertionError("no close frame")


def test_a_refusal_closes_the_stream_with_its_code(kit: KitEmulator) -> None:
    ws = _ws(kit)
    ws.send(json.dumps({"key": "wrong"}))
    assert _close_code(ws) == 4001
    assert kit.closes == [(4001, "Unauthorized")]


@pytest.mark.parametrize(("message", "code"), [(b"\x00binary", 4400), ("not json", 4400),
                                               ("[1, 2]", 4400)])
def test_receive_json_refuses_what_is_not_a_json_object(kit: KitEmulator, message: Any,
                                                        code: int) -> None:
    ws = _ws(kit)
    if isinstance(message, bytes):
        ws.send_binary(message)
    else:
        ws.send(message)
    assert _close_code(ws) == code
    assert kit.closes[0][0] == code


def test_the_frame_gate_holds_streams_until_released(kit: KitEmulator) -> None:
    kit.gate.hold(after=1)
    ws = _ws(kit)
    ws.send(json.dumps({"key": KEY}))
    assert ws.recv() == b"x" * 10
    assert kit.gate.waiting.wait(5.0)
    kit.gate.release()
    assert [ws.recv(), ws.recv()] == [b"x" * 10] * 2
    assert _close_code(ws) == 1000
    assert kit.closes == [(1000, "")]


def test_the_frame_gate_wait_is_bounded() -> None:
    gate = FrameGate(limit=0.01)
    gate.hold(after=0)
    done = threading.Event()

    async def one() -> None:
        await gate.pass_frame(0)
        done.set()

    import asyncio

    asyncio.run(one())
    assert done.is_set() and not gate.waiting.is_set()
