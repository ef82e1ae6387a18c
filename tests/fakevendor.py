"""A test-only vendor with no real-world counterpart: provider, plugin and emulator.

It exercises the core mechanisms (HTTP, retries, jobs, downloads, WebSocket streaming)
without any vendor knowledge.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs
import cattrs
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

import voicekit_core as vk
from voicekit_core import kit
from voicekit_core.audio import AudioSource
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

CLONE = kit.JobKind[vk.Voice]("clone", poll=kit.PollPolicy(first_delay=10, interval=5),
                              states=kit.StatusMap(succeeded={"ready"}, failed={"failed"}))


# -- the vendor's payloads ---------------------------------------------------------------------


@attrs.frozen
class VoiceItem:
    id: str
    name: str


@attrs.frozen
class VoicePage:
    voices: tuple[VoiceItem, ...]
    next: str | None = None


@attrs.frozen
class CloneBody:
    id: str
    status: str = "processing"
    name: str = ""
    error: str | None = None


@attrs.frozen
class BalanceBody:
    credits: float


@functools.cache
def converter() -> cattrs.Converter:
    return kit.vendor_converter()


class ListOptions(kit.Options):
    language: str | None = kit.opt.text(max_chars=20, help="a language code")
    kind: str | None = kit.opt.choice(("system", "cloned"), help="system or cloned voices")


class SynthOptions(kit.Options):
    format: str | None = kit.opt.choice(("wav",), help="audio format")


class StreamOptions(kit.Options):
    timeout: float | None = kit.opt.number(0.01, 600, help="seconds to wait for audio")


class CloneOptions(kit.Options):
    description: str | None = kit.opt.text(max_chars=200, help="what the voice is")


class FakePlugin:
    @vk.hookimpl
    def voicekit_register_providers(self, register: Any) -> None:
        register(INFO)


class FakeProvider(vk.Provider, vk.ListVoices, vk.Synthesize, vk.StreamSynthesize,
                   vk.CloneVoice, vk.Balance):
    info = INFO
    jobs = (CLONE,)
    errors = kit.ErrorMap(codes={"no_credits": vk.InsufficientCredits},
                          extra={"have": "have", "need": "need"})

    def auth_headers(self) -> dict[str, str]:
        return {"X-Api-Key": self.credential("api_key").reveal()}

    def _get(self, path: str, model: type[Any], **params: Any) -> Any:
        body = self.http.json("GET", path, params=params or None)
        return kit.structure(converter(), body, model, what=f"GET {path} answer",
                             provider=self.name)

    def estimate(self, operation: str, **args: Any) -> vk.Cost | None:
        if operation == "synthesize":
            return vk.Cost(float(len(args["text"])))
        return None

    @kit.operation(ListOptions)
    def list_voices(self, *, opts: ListOptions, call: kit.Call) -> Iterator[vk.Voice]:
        def fetch(cursor: str | None) -> kit.Page[vk.Voice]:
            page = self._get("/voices", VoicePage, **({"cursor": cursor} if cursor else {}))
            return kit.Page([vk.Voice(id=v.id, name=v.name, provider=self.name)
                             for v in page.voices], page.next)

        return kit.paginate(fetch, key=lambda voice: voice.id, provider=self.name)

    @kit.operation(SynthOptions, spends=True, text=kit.TextRules(max_chars=1000))
    def synthesize(self, text: str, *, voice: str, opts: SynthOptions,
                   call: kit.Call) -> vk.Audio:
        response = self.http.request("POST", "/tts", json={"text": text, "voice": voice})
        audio = kit.read_audio(response, provider=self.name)
        call.spent(len(text))
        return audio

    @kit.operation(StreamOptions, text=kit.TextRules(max_chars=1000))
    def stream_synthesize(self, text: str, *, voice: str, opts: StreamOptions,
                          call: kit.Call) -> vk.AudioStream:
        session = WebSocketSession(self.http.websocket_url("/stream"), provider=self.name,
                                   timeout=opts.timeout or 5.0)
        return simplex_stream(session, messages=[
            {"type": "auth", "key": self.credential("api_key").reveal()},
            {"type": "text", "text": text}], format="wav")

    @kit.operation()
    def open_stream(self, *, voice: str, opts: kit.Options,
                    call: kit.Call) -> vk.DuplexStream:
        session = WebSocketSession(self.http.websocket_url("/duplex"), provider=self.name,
                                   timeout=5.0)
        return duplex_stream(
            session, first_messages=[{"type": "auth", "key": self.credential("api_key")
                                      .reveal()}],
            text_message=lambda t: {"type": "text", "text": t},
            finish_message={"type": "close"}, format="pcm", sample_rate=8000)

    @kit.operation(CloneOptions, samples=kit.AudioRules())
    def clone_voice(self, samples: AudioSource, *, name: str, opts: CloneOptions,
                    call: kit.Call) -> vk.Job[vk.Voice]:
        body = self.http.json("POST", "/clones", multipart={"name": name, "audio": samples})
        created = kit.structure(converter(), body, CloneBody, what="POST /clones answer",
                                provider=self.name)
        return CLONE.start(self, created.id, self._clone_update(created))

    @CLONE.refresh
    def _refresh_clone(self, job: vk.Job[vk.Voice]) -> vk.JobUpdate[vk.Voice]:
        return self._clone_update(self._get(f"/clones/{kit.segment(job.id)}", CloneBody))

    def _clone_update(self, body: CloneBody) -> vk.JobUpdate[vk.Voice]:
        voice = vk.Voice(id=body.id, name=body.name, provider=self.name, kind="cloned")
        return CLONE.update(body.status, raw=body, error=(None, body.error),
                            result=lambda: voice)

    def balance(self) -> vk.BalanceInfo:
        body = self._get("/balance", BalanceBody)
        return vk.BalanceInfo(credits=body.credits, raw=attrs.asdict(body))


class FakeEmulator(Emulator):
    provider = "fakevendor"
    credentials: Mapping[str, str] = {"api_key": "fk-secret-0123456789"}
    public_paths = ("/media/*",)

    #: voices listed two a page (seed more for paging checks)
    page_size = 2

    def __init__(self, **kwargs: Any) -> None:
        self.clones: dict[str, dict[str, Any]] = {}
        self.clone_fails = False
        self.tts_voices: list[str] = []
        #: what /tts answers instead of 0.2 s of tone; streamed in 64 KB chunks without a
        #: Content-Length when ``tts_chunked``, or cut short of its Content-Length
        self.tts_body: bytes | None = None
        self.tts_chunked = False
        self.tts_cut = False
        self.tts_type = "audio/wav"
        self.voice_names = ["One", "Two"]
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
        start = int(request.query_params.get("cursor", "0") or 0)
        end = start + self.page_size
        items = [{"id": f"v{i + 1}", "name": name}
                 for i, name in enumerate(self.voice_names)][start:end]
        return JSONResponse({"voices": items,
                             "next": str(end) if end < len(self.voice_names) else None})

    async def tts(self, request: Request) -> Response:
        body = await self.json_body(request)
        self.tts_voices.append(body["voice"])
        if not self.ledger.charge(len(body["text"]), "tts"):
            return self.error_response("insufficient_credits")
        body = tone_wav(0.2) if self.tts_body is None else self.tts_body
        if not (self.tts_chunked or self.tts_cut):
            return Response(body, media_type=self.tts_type)
        view = memoryview(body)

        async def chunks() -> Any:
            end = len(view) // 2 if self.tts_cut else len(view)
            for start in range(0, end, 1 << 16):
                yield bytes(view[start:min(end, start + (1 << 16))])

        headers = {"Content-Length": str(len(body))} if self.tts_cut else None
        return StreamingResponse(chunks(), media_type=self.tts_type, headers=headers)

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
