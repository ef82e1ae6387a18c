"""Test-only vendors for batches, built on the core's fake vendor.

``batchfake``: speech in one call (POST /tts), with an exact local estimate and a
``credits_spent`` event. ``batchfake-async``: speech as a vendor job (POST /speeches, then
GET /speeches/{id} until ready), so batches submit many and poll many. The emulator adds a
fixed-window rate limit with X-RateLimit-* headers, and counts what it charged per text.
"""

from __future__ import annotations

import asyncio
import collections
import threading
from collections.abc import Iterable
from typing import Any, ClassVar

from fakevendor import FakeEmulator, FakeProvider
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

import voicekit_core as vk
from voicekit_core import kit
from voicekit_core.testing.emulator import json_error
from voicekit_core.testing.media import tone_wav

SYNC_INFO = vk.ProviderInfo(
    name="batchfake", factory="batchfake:BatchFakeProvider",
    capabilities=("ListVoices", "Synthesize", "StreamSynthesize", "CloneVoice", "Balance"),
    credentials=("BATCHFAKE_API_KEY",), summary="test-only vendor for batches",
)
CHEAP_INFO = vk.ProviderInfo(
    name="batchfake-cheap", factory="batchfake:CheapEstimateProvider",
    capabilities=("ListVoices", "Synthesize", "StreamSynthesize", "CloneVoice", "Balance"),
    credentials=("BATCHFAKE_CHEAP_API_KEY",),
    summary="test-only vendor whose estimates are half the real price",
)
ASYNC_INFO = vk.ProviderInfo(
    name="batchfake-async", factory="batchfake:AsyncBatchFakeProvider",
    capabilities=("ListVoices", "Synthesize", "StreamSynthesize", "CloneVoice", "Balance"),
    credentials=("BATCHFAKE_ASYNC_API_KEY",), summary="test-only vendor with speech jobs",
)


class BatchFakePlugin:
    @vk.hookimpl
    def voicekit_register_providers(self, register: Any) -> None:
        register(SYNC_INFO)
        register(ASYNC_INFO)
        register(CHEAP_INFO)


class BatchFakeProvider(FakeProvider):
    """Speech in one paid call; 1 credit per character, known in advance (the fake
    vendor's estimate and ``credits_spent`` report)."""

    info = SYNC_INFO


class CheapEstimateProvider(BatchFakeProvider):
    """Estimates half of what the vendor charges (and says the estimate is not exact)."""

    info = CHEAP_INFO

    def estimate(self, operation: str, **args: Any) -> vk.Cost | None:
        cost = super().estimate(operation, **args)
        return None if cost is None else vk.Cost(credits=cost.credits / 2, exact=False)


SPEECH = kit.JobKind[vk.Audio]("speech", poll=kit.PollPolicy(first_delay=4, interval=2),
                               states=kit.StatusMap(running={"processing"},
                                                    succeeded={"ready"},
                                                    failed={"failed"}))


class AsyncBatchFakeProvider(BatchFakeProvider):
    """Speech as a vendor job: submit, then poll every 2 s (after 4 s)."""

    info = ASYNC_INFO
    jobs = (*FakeProvider.jobs, SPEECH)
    submits: ClassVar[dict[str, str]] = {"synthesize": "submit_speech"}

    def submit_speech(self, text: str, *, voice: str | vk.Voice,
                      max_credits: float | None = None) -> vk.Job[vk.Audio]:
        self.check_budget(self.estimate("synthesize", text=text), max_credits)
        body = self.http.json("POST", "/speeches", json={"text": text,
                                                         "voice": self.voice_id(voice)})
        self.spent(float(body["charged"]), operation="synthesize")
        return SPEECH.start(self, body["id"], SPEECH.update("processing"))

    @SPEECH.refresh
    def _refresh_speech(self, job: vk.Job[vk.Audio]) -> vk.JobUpdate[vk.Audio]:
        body = self.http.json("GET", f"/speeches/{job.id}")

        def audio() -> vk.Audio:
            data = self.http.request("GET", f"/speeches/{job.id}/audio").content
            return vk.Audio(data=data, format="wav")

        if body["status"] == "ready":
            return SPEECH.update("ready", result=audio)
        return SPEECH.update(body["status"], error=(None, "the speech failed"))


class BatchFakeEmulator(FakeEmulator):
    """FakeEmulator plus speech jobs and an optional fixed-window rate limit."""

    def __init__(self, *, speech_seconds: float = 10.0, window_limit: int | None = None,
                 window_seconds: float = 60.0, **kwargs: Any) -> None:
        self.speech_seconds = speech_seconds
        self.window_limit = window_limit
        self.window_seconds = window_seconds
        self._window_start: float | None = None
        self._window_count = 0
        self._lock = threading.Lock()
        self.too_many = 0  # requests answered 429 (the base class has its own throttled)
        self.charged: collections.Counter[str] = collections.Counter()  # text -> times
        self.speeches: dict[str, dict[str, Any]] = {}
        self.fail_texts: set[str] = set()
        #: charged /tts requests after this many are held (not answered) until release()
        self.hold_after: int | None = None
        self.holding = threading.Event()  # set when a request is being held
        self._release = threading.Event()
        self.speeches_wanted: int | None = None
        self.speeches_made = threading.Event()  # set when speeches_wanted were created
        super().__init__(**kwargs)

    def release(self) -> None:
        """Answer the held requests (and hold no more)."""
        self.hold_after = None
        self._release.set()

    def routes(self) -> Iterable[BaseRoute]:
        return [
            *super().routes(),
            Route("/speeches", self.create_speech, methods=["POST"]),
            Route("/speeches/{id}", self.get_speech),
            Route("/speeches/{id}/audio", self.speech_audio),
        ]

    # -- rate limit ----------------------------------------------------------------------

    def _window(self) -> tuple[bool, dict[str, str]]:
        """Count one request; (allowed, headers)."""
        if self.window_limit is None:
            return True, {}
        with self._lock:
            now = self.clock.now()
            if self._window_start is None or now >= self._window_start + self.window_seconds:
                self._window_start, self._window_count = now, 0
            reset = self._window_start + self.window_seconds - now
            allowed = self._window_count < self.window_limit
            if allowed:
                self._window_count += 1
            else:
                self.too_many += 1
            remaining = self.window_limit - self._window_count
        return allowed, {"X-RateLimit-Limit": str(self.window_limit),
                         "X-RateLimit-Remaining": str(remaining),
                         "X-RateLimit-Reset": f"{reset:.3f}"}

    def _throttled(self, headers: dict[str, str]) -> Response:
        return json_error(429, {"code": "SLOW_DOWN", "message": "rate limited"},
                          {**headers, "Retry-After": headers["X-RateLimit-Reset"]})

    # -- endpoints -----------------------------------------------------------------------

    async def tts(self, request: Request) -> Response:
        allowed, headers = self._window()
        if not allowed:
            return self._throttled(headers)
        body = await self.json_body(request)
        response = await super().tts(request)
        if response.status_code == 200:
            self.charged[body["text"]] += 1
            if self.hold_after is not None and sum(self.charged.values()) > self.hold_after:
                self.holding.set()  # charged, and the client never hears back in time
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(None, self._release.wait, 30.0)
        response.headers.update(headers)
        return response

    async def create_speech(self, request: Request) -> Response:
        allowed, headers = self._window()
        if not allowed:
            return self._throttled(headers)
        body = await self.json_body(request)
        text = body["text"]
        if not self.ledger.charge(len(text), "speech"):
            return self.error_response("insufficient_credits")
        self.charged[text] += 1
        sid = f"s{len(self.speeches) + 1}"
        self.speeches[sid] = {"text": text, "ready_at": self.clock.now() + self.speech_seconds}
        if self.speeches_wanted is not None and len(self.speeches) >= self.speeches_wanted:
            self.speeches_made.set()
        return JSONResponse({"id": sid, "charged": len(text)}, status_code=201,
                            headers=headers)

    async def get_speech(self, request: Request) -> Response:
        allowed, headers = self._window()
        if not allowed:
            return self._throttled(headers)
        speech = self.speeches.get(request.path_params["id"])
        if speech is None:
            return self.error_response("not_found")
        if self.clock.now() < speech["ready_at"]:
            status = "processing"
        else:
            status = "failed" if speech["text"] in self.fail_texts else "ready"
        return JSONResponse({"status": status}, headers=headers)

    async def speech_audio(self, request: Request) -> Response:
        allowed, headers = self._window()
        if not allowed:
            return self._throttled(headers)
        return Response(tone_wav(0.1), media_type="audio/wav", headers=headers)


def register() -> None:
    """Make the batch fakes known to ``connect()`` (once per process)."""
    from voicekit_core.registry import get_registry

    registry = get_registry()
    if not registry.pm.has_plugin("batchfake"):
        registry.register_plugin(BatchFakePlugin(), name="batchfake")
