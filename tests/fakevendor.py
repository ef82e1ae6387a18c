"""A test-only vendor with no real-world counterpart: provider, plugin and emulator.

It exercises the core mechanisms (HTTP, retries, jobs, downloads, WebSocket streaming)
without any vendor knowledge.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

import voicekit_core as vk
from voicekit_core.audio import AudioSource
from voicekit_core.http import ErrorDetails, HttpResponse
from voicekit_core.testing.emulator import Emulator, json_error
from voicekit_core.testing.media import tone_pcm, tone_wav
from voicekit_core.websocket import WebSocketSession, duplex_stream, simplex_stream

INFO = vk.ProviderInfo(
    name="fakevendor",
    factory="fakevendor:FakeProvider",
    capabilities=("ListVoices", "Synthesize", "StreamSynthesize", "CloneVoice", "Balance"),
    credentials=("FAKEVENDOR_API_KEY",),
    summary="test-only vendor",
)


class FakePlugin:
    @vk.hookimpl
    def voicekit_register_providers(self, register: Any) -> None:
        register(INFO)


class FakeProvider(vk.Provider, vk.ListVoices, vk.Synthesize, vk.StreamSynthesize,
                   vk.CloneVoice, vk.Balance):
    info = INFO
    poll_policies = {"clone": vk.PollPolicy(first_delay=10, interval=5)}

    def auth_headers(self) -> dict[str, str]:
        return {"X-Api-Key": self.credential("api_key").reveal()}

    def parse_error(self, response: HttpResponse) -> ErrorDetails:
        body = response.json() or {}
        if body.get("code") == "NO_CREDITS":
            return ErrorDetails(body["message"], code="NO_CREDITS",
                                error=vk.InsufficientCredits,
                                extra={"have": body.get("have"), "need": body.get("need")})
        return ErrorDetails(body.get("message", f"HTTP {response.status}"), code=body.get("code"))

    def list_voices(self, *, language: str | None = None, kind: str | None = None,
                    **filters: Any) -> Iterator[vk.Voice]:
        for item in self.http.json("GET", "/voices")["voices"]:
            yield vk.Voice(id=item["id"], name=item["name"], provider=self.name, raw=item)

    def synthesize(self, text: str, *, voice: str | vk.Voice, format: str | None = None,
                   **options: Any) -> vk.Audio:
        if not text:
            raise vk.InvalidInput("text is empty", field="text", limit="non-empty")
        response = self.http.request("POST", "/tts", json={"text": text,
                                                           "voice": self.voice_id(voice)})
        return vk.Audio(data=response.content, format="wav")

    def stream_synthesize(self, text: str, *, voice: str | vk.Voice,
                          **options: Any) -> vk.AudioStream:
        session = WebSocketSession(self.http.websocket_url("/stream"), provider=self.name,
                                   timeout=options.get("timeout", 5.0))
        return simplex_stream(session, messages=[
            {"type": "auth", "key": self.credential("api_key").reveal()},
            {"type": "text", "text": text}], format="wav")

    def open_stream(self, *, voice: str | vk.Voice, **options: Any) -> vk.DuplexStream:
        session = WebSocketSession(self.http.websocket_url("/duplex"), provider=self.name,
                                   timeout=5.0)
        return duplex_stream(
            session, first_messages=[{"type": "auth", "key": self.credential("api_key")
                                      .reveal()}],
            text_message=lambda t: {"type": "text", "text": t},
            finish_message={"type": "close"}, format="pcm", sample_rate=8000)

    def clone_voice(self, samples: Any, *, name: str, description: str | None = None,
                    **options: Any) -> vk.Job[vk.Voice]:
        source = AudioSource.from_input(samples)
        body = self.http.json("POST", "/clones", multipart={"name": name, "audio": source})
        return vk.Job(self, "clone", body["id"])

    def _refresh_clone(self, job: vk.Job[vk.Voice]) -> vk.JobUpdate[vk.Voice]:
        body = self.http.json("GET", f"/clones/{job.id}")
        state = {"ready": vk.JobState.SUCCEEDED, "failed": vk.JobState.FAILED}.get(
            body["status"], vk.JobState.RUNNING)
        voice = vk.Voice(id=body["id"], name=body["name"], provider=self.name, kind="cloned")
        return vk.JobUpdate(state, vendor_status=body["status"], result=voice,
                            error_message=body.get("error"), raw=body)

    def balance(self) -> vk.BalanceInfo:
        body = self.http.json("GET", "/balance")
        return vk.BalanceInfo(credits=body["credits"], raw=body)


class FakeEmulator(Emulator):
    provider = "fakevendor"
    credentials: Mapping[str, str] = {"api_key": "fk-secret-0123456789"}
    public_paths = ("/media/*",)

    def __init__(self, **kwargs: Any) -> None:
        self.clones: dict[str, dict[str, Any]] = {}
        self.clone_fails = False
        self.tts_voices: list[str] = []
        super().__init__(**kwargs)

    def authorized(self, headers: Mapping[str, str]) -> bool:
        return headers.get("x-api-key") == self.credentials["api_key"]

    def error_response(self, kind: str) -> Response:
        status, code = {
            "unauthorized": (401, "UNAUTHORIZED"), "not_found": (404, "NOT_FOUND"),
            "insufficient_credits": (402, "NO_CREDITS"), "rate_limited": (429, "SLOW_DOWN"),
            "invalid": (400, "BAD"),
        }.get(kind, (500, "BOOM"))
        headers = {"Retry-After": "7"} if kind == "rate_limited" else {}
        return json_error(status, {"code": code, "message": f"{kind} happened",
                                   "have": 1, "need": 5}, headers)

    def routes(self) -> Iterable[BaseRoute]:
        return [
            Route("/voices", self.voices),
            Route("/tts", self.tts, methods=["POST"]),
            Route("/clones", self.create_clone, methods=["POST"]),
            Route("/clones/{id}", self.get_clone),
            Route("/balance", self.balance),
            Route("/media/{name}", self.media),
            Route("/redirect-out", self.redirect_out),
            WebSocketRoute("/stream", self.stream),
            WebSocketRoute("/duplex", self.duplex),
        ]

    async def voices(self, request: Request) -> Response:
        return JSONResponse({"voices": [{"id": "v1", "name": "One"}, {"id": "v2",
                                                                      "name": "Two"}]})

    async def tts(self, request: Request) -> Response:
        body = await self.json_body(request)
        self.tts_voices.append(body["voice"])
        if not self.ledger.charge(len(body["text"]), "tts"):
            return self.error_response("insufficient_credits")
        return Response(tone_wav(0.2), media_type="audio/wav")

    async def create_clone(self, request: Request) -> Response:
        form = await request.form()
        audio = await form["audio"].read()  # type: ignore[union-attr]
        cid = f"c{len(self.clones) + 1}"
        self.clones[cid] = {"id": cid, "name": form["name"], "size": len(audio),
                            "created": self.clock.now()}
        return JSONResponse({"id": cid}, status_code=201)

    async def get_clone(self, request: Request) -> Response:
        clone = self.clones.get(request.path_params["id"])
        if clone is None:
            return self.error_response("not_found")
        age = self.clock.now() - clone["created"]
        status = "processing" if age < 30 else ("failed" if self.clone_fails else "ready")
        body = {k: v for k, v in clone.items() if k != "created"} | {"status": status}
        if status == "failed":
            body["error"] = "the sample had two speakers"
        return JSONResponse(body)

    async def balance(self, request: Request) -> Response:
        return JSONResponse({"credits": self.ledger.balance})

    async def media(self, request: Request) -> Response:
        return Response(tone_wav(1.0), media_type="audio/wav")

    async def redirect_out(self, request: Request) -> Response:
        target = self.storage.publish("out.wav", tone_wav(0.1), "audio/wav")
        return Response(status_code=302, headers={"Location": target})

    async def _auth(self, ws: WebSocket) -> bool:
        await ws.accept()
        first = await ws.receive_json()
        if first.get("key") != self.credentials["api_key"]:
            await ws.close(code=4001, reason="invalid api key")
            return False
        return True

    async def stream(self, ws: WebSocket) -> None:
        if not await self._auth(ws):
            return
        await ws.receive_json()
        pcm = tone_pcm(0.5, sample_rate=16000)
        await ws.send_bytes(vk.audio.wav_header(sample_rate=16000, data_size=0xFFFFFFFF))
        for i in range(0, len(pcm), 2000):
            await ws.send_bytes(pcm[i:i + 2000])
            await asyncio.sleep(0)
        await ws.close(code=1000)

    async def duplex(self, ws: WebSocket) -> None:
        if not await self._auth(ws):
            return
        while True:
            message = await ws.receive_json()
            if message["type"] == "close":
                break
            await ws.send_bytes(message["text"].encode() * 4)
        await ws.close(code=1000)
