"""An emulator of Gemelo's API, for tests and ``voicekit emulate gemelo``.

Endpoints (as documented by Gemelo): ``GET /v1/tts/voices``, ``GET /v1/vc/voices``,
``POST /v1/tts/convert``, ``POST /v1/vc/convert``, ``POST|GET /v1/cloned-voices``,
``PATCH|DELETE /v1/cloned-voices/{id}`` and the WebSocket streams
``/v1/tts/stream/simplex/ws`` and ``/v1/tts/stream/duplex/ws``. Every HTTP request needs
both ``X-Client-Key`` and ``X-API-Key``; a stream's first message must be ``authApiKey``.

Audio is real: a sine tone whose length follows the text, as WAV (16-bit mono) at the
sample rate asked for, or MP3 frames. Streams send the WAV in several frames as
"synthesis" proceeds; :attr:`GemeloEmulator.gate` lets a test hold a stream after N frames,
and :attr:`GemeloEmulator.streams` records what each stream sent.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import attrs
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from voicekit_core.audio import parse_wav_header, wav_header
from voicekit_core.errors import InvalidInput
from voicekit_core.testing.emulator import Emulator, json_error
from voicekit_core.testing.media import mp3_bytes, tone_pcm, tone_wav
from voicekit_core.testing.ws import FrameGate, Refusal, receive_json, serve

from .emulator_videos import VideoApi

__all__ = ["FrameGate", "GemeloEmulator", "StreamRecord"]

SAMPLE_RATES = (22050, 32000, 44100, 48000)
FORMATS = ("wav", "mp3")
VOICE_TYPES = ("system", "cloned")
CLONE_MAX_BYTES = 32 * 1024 * 1024
CLONE_MAX_SECONDS = 60.0
REST_SAMPLE_RATE = 22050

_TTS_VOICES: list[dict[str, Any]] = [
    {"id": 24, "name": "John Doe", "description": "Hoarse voice of an elderly man.",
     "labels": [{"category": "language", "label": "English"},
                {"category": "gender", "label": "male"}, {"category": "age", "label": "old"}],
     "rating": 4.6, "voiceTier": "standard", "disabled": False, "new": False},
    {"id": 35, "name": "Jane Doe", "description": "Warm and friendly female voice.",
     "labels": [{"category": "language", "label": "English"},
                {"category": "gender", "label": "female"}],
     "rating": 4.8, "voiceTier": "standard", "disabled": False, "new": False},
    {"id": 41, "name": "Lucía", "description": "Bright Castilian narrator.",
     "labels": [{"category": "language", "label": "Spanish"},
                {"category": "gender", "label": "female"}],
     "rating": 4.4, "voiceTier": "premium", "disabled": False, "new": True},
    {"id": 52, "name": "Otto", "description": "Calm German baritone (retired).",
     "labels": [{"category": "language", "label": "German"},
                {"category": "gender", "label": "male"}],
     "rating": 3.9, "voiceTier": "standard", "disabled": True, "new": False},
]
_VC_VOICES: list[dict[str, Any]] = [
    {"id": 133, "name": "Nova", "description": "Clear young female voice for conversion."},
    {"id": 134, "name": "Atlas", "description": "Deep male voice for conversion."},
]
_CLONED_VOICES: list[dict[str, Any]] = [
    {"id": 501, "name": "Demo clone", "createdAt": "2026-01-05T10:00:00Z",
     "imageUrl": None, "previewUrls": []},
]


@attrs.define
class StreamRecord:
    """What one WebSocket stream did (the emulator appends one per connection)."""

    mode: str  # "simplex" or "duplex"
    query: dict[str, str]
    authenticated: bool = False
    texts: list[str] = attrs.field(factory=list)
    frames_sent: int = 0
    bytes_sent: int = 0
    frame_times: list[float] = attrs.field(factory=list)  # time.monotonic() of each frame
    planned_frames: int = 0  # frames the audio for the texts so far takes
    close_code: int | None = None
    close_reason: str = ""
    finished: bool = False


class GemeloEmulator(VideoApi, Emulator):
    """Gemelo's API as documented, with state, credits, auth checks and faults.

    Args:
        seconds_per_char: length of the speech for each character of text.
        frame_seconds: audio per streamed frame.
        frame_delay: real seconds between streamed frames (default 0: just yield).
    """

    provider = "gemelo"
    credentials: ClassVar[Mapping[str, str]] = {"client_key": "gm-client-key-7f3a91",
                                      "api_key": "gm-api-key-c4e82d05"}

    def __init__(self, *, seconds_per_char: float = 0.02, frame_seconds: float = 0.1,
                 frame_delay: float = 0.0, **kwargs: Any) -> None:
        self.seconds_per_char = seconds_per_char
        self.frame_seconds = frame_seconds
        self.frame_delay = frame_delay
        self.tts_voices: dict[int, dict[str, Any]] = {
            v["id"]: {**v, "previewUrls": []} for v in json.loads(json.dumps(_TTS_VOICES))}
        self.vc_voices: dict[int, dict[str, Any]] = {
            v["id"]: dict(v) for v in json.loads(json.dumps(_VC_VOICES))}
        self.cloned: dict[int, dict[str, Any]] = {
            v["id"]: dict(v) for v in json.loads(json.dumps(_CLONED_VOICES))}
        self.next_clone_id = 502
        self.convert_bodies: list[dict[str, Any]] = []  # JSON of POST /v1/tts/convert
        self.streams: list[StreamRecord] = []
        #: whether cloned-voice pages carry ``nextCursor`` (False: a bare ``{"items"}``)
        self.send_cursor = True
        #: a server-side cap on ``limit`` applied silently (None: ``limit`` is honoured)
        self.page_cap: int | None = None
        #: whether a duplex stream starts a new WAV (RIFF header) for every convert; the
        #: docs do not say, so both are served (default: one WAV for the whole stream)
        self.header_per_text = False
        self.gate = FrameGate()
        self._init_videos()  # the v2 video API (emulator_videos.py)
        super().__init__(**kwargs)

    def start(self) -> GemeloEmulator:
        super().start()
        for voice in self.tts_voices.values():
            voice["previewUrls"] = [self.storage.publish(
                f"previews/tts-{voice['id']}.wav", tone_wav(0.3, frequency=_pitch(voice["id"])),
                "audio/wav")]
        return self

    # -- harness hooks -------------------------------------------------------------------

    def authorized(self, headers: Mapping[str, str]) -> bool:
        return (headers.get("x-client-key") == self.credentials["client_key"]
                and headers.get("x-api-key") == self.credentials["api_key"])

    def error_response(self, kind: str) -> Response:
        status, text, code, message = {
            "unauthorized": (401, "Unauthorized", "UNAUTHORIZED",
                             "Invalid or missing X-Client-Key / X-API-Key"),
            "not_found": (404, "Not Found", "NOT_FOUND", "Resource not found"),
            "insufficient_credits": (402, "Payment Required", "INSUFFICIENT_CREDITS",
                                     "Not enough credits to complete the request"),
            "rate_limited": (429, "Too Many Requests", "RATE_LIMITED",
                             "Too many requests, slow down"),
            "invalid": (400, "Bad Request", "VALIDATION_ERROR", "Invalid request"),
        }.get(kind, (500, "Internal Server Error", "INTERNAL_ERROR",
                     "Something went wrong"))
        if kind == "server_error":
            return json_error(500, {"message": message})
        headers = {"Retry-After": "1"} if kind == "rate_limited" else {}
        return json_error(status, {"text": text, "code": code, "message": message}, headers)

    @staticmethod
    def _error(status: int, code: str, message: str) -> Response:
        text = {400: "Bad Request", 402: "Payment Required", 404: "Not Found",
                413: "Payload Too Large"}.get(status, "Error")
        return json_error(status, {"text": text, "code": code, "message": message})

    def routes(self) -> Iterable[BaseRoute]:
        return [
            Route("/v1/tts/voices", self.list_tts_voices, methods=["GET"]),
            Route("/v1/vc/voices", self.list_vc_voices, methods=["GET"]),
            Route("/v1/tts/convert", self.tts_convert, methods=["POST"]),
            Route("/v1/vc/convert", self.vc_convert, methods=["POST"]),
            Route("/v1/cloned-voices", self.create_cloned, methods=["POST"]),
            Route("/v1/cloned-voices", self.list_cloned, methods=["GET"]),
            Route("/v1/cloned-voices/{id:int}", self.update_cloned, methods=["PATCH"]),
            Route("/v1/cloned-voices/{id:int}", self.delete_cloned, methods=["DELETE"]),
            WebSocketRoute("/v1/tts/stream/simplex/ws", self.simplex),
            WebSocketRoute("/v1/tts/stream/duplex/ws", self.duplex),
            *self.video_routes(),
        ]

    # -- voices --------------------------------------------------------------------------

    async def list_tts_voices(self, request: Request) -> Response:
        return JSONResponse(list(self.tts_voices.values()))

    async def list_vc_voices(self, request: Request) -> Response:
        return JSONResponse(list(self.vc_voices.values()))

    def _find_voice(self, voice_id: int, voice_type: str, *, vc: bool = False
                    ) -> dict[str, Any] | None:
        if voice_type == "cloned":
            return self.cloned.get(voice_id)
        return (self.vc_voices if vc else self.tts_voices).get(voice_id)

    # -- text to speech ----------------------------------------------------------------

    async def tts_convert(self, request: Request) -> Response:
        body = await self.json_body(request)
        if not isinstance(body, dict):
            return self._error(400, "VALIDATION_ERROR", "Body must be a JSON object")
        self.convert_bodies.append(body)
        voice_id, text = body.get("voiceId"), body.get("text")
        voice_type = body.get("voiceType", "system")
        if isinstance(voice_id, bool) or not isinstance(voice_id, int):
            return self._error(400, "VALIDATION_ERROR", "voiceId must be an integer")
        if not isinstance(text, str) or not text.strip():
            return self._error(400, "VALIDATION_ERROR", "text must not be empty")
        if voice_type not in VOICE_TYPES:
            return self._error(400, "VALIDATION_ERROR", "voiceType must be system or cloned")
        if self._find_voice(voice_id, voice_type) is None:
            return self._error(404, "VOICE_NOT_FOUND", f"Voice {voice_id} ({voice_type}) "
                               "not found")
        if not self.ledger.charge(len(text), "tts"):
            return self.error_response("insufficient_credits")
        seconds = self._seconds(text)
        audio = _wav(seconds, REST_SAMPLE_RATE, _pitch(voice_id))
        return Response(audio, media_type="audio/wav", headers={
            "Audio-Duration-Ms": str(round(seconds * 1000)),
            "Audio-Size-Bytes": str(len(audio))})

    def _seconds(self, text: str) -> float:
        return round(min(30.0, max(0.3, len(text) * self.seconds_per_char)), 2)

    def expected_pcm(self, text: str, voice_id: int, sample_rate: int) -> bytes:
        """The PCM the emulator speaks for ``text`` (what a stream carries after its header)."""
        return _pcm(self._seconds(text), sample_rate, _pitch(voice_id))

    # -- voice conversion ----------------------------------------------------------------

    async def vc_convert(self, request: Request) -> Response:
        query = request.query_params
        raw_id, voice_type = query.get("voiceId", ""), query.get("voiceType", "system")
        if not raw_id.isdigit():
            return self._error(400, "VALIDATION_ERROR", "voiceId must be an integer")
        if voice_type not in VOICE_TYPES:
            return self._error(400, "VALIDATION_ERROR", "voiceType must be system or cloned")
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return self._error(400, "VALIDATION_ERROR", "multipart field 'file' is required")
        data = await upload.read()
        if not data:
            return self._error(400, "INVALID_AUDIO", "file is empty")
        voice_id = int(raw_id)
        if self._find_voice(voice_id, voice_type, vc=True) is None:
            return self._error(404, "VOICE_NOT_FOUND", f"Voice {voice_id} ({voice_type}) "
                               "not found")
        seconds, rate = _wav_length(data) or (1.0, 44100)
        if not self.ledger.charge(max(1, round(seconds * 10)), "vc"):
            return self.error_response("insufficient_credits")
        audio = _wav(round(min(seconds, 60.0), 2), rate, _pitch(voice_id))
        return Response(audio, media_type="audio/wav", headers={
            "Audio-Duration-Ms": str(round(seconds * 1000)),
            "Audio-Size-Bytes": str(len(audio))})

    # -- cloned voices -------------------------------------------------------------------

    async def create_cloned(self, request: Request) -> Response:
        form = await request.form(max_part_size=CLONE_MAX_BYTES + 1024)
        name, upload = form.get("name"), form.get("audio")
        if not isinstance(name, str) or not name.strip():
            return self._error(400, "VALIDATION_ERROR", "name is required")
        if not isinstance(upload, UploadFile):
            return self._error(400, "VALIDATION_ERROR", "multipart field 'audio' is required")
        data = await upload.read()
        if len(data) > CLONE_MAX_BYTES:
            return self._error(413, "FILE_TOO_LARGE", "audio must be at most 32 MB")
        length = _wav_length(data)
        if length is None:
            return self._error(400, "INVALID_AUDIO", "audio must be a WAV file")
        if length[0] > CLONE_MAX_SECONDS:
            return self._error(400, "AUDIO_TOO_LONG", "audio must be at most 60 seconds")
        voice_id = self.next_clone_id
        self.next_clone_id += 1
        image = self.storage.publish(f"images/clone-{voice_id}.png", b"\x89PNG\r\n\x1a\n",
                                     "image/png")
        preview = self.storage.publish(f"previews/clone-{voice_id}.wav",
                                       tone_wav(0.3, frequency=_pitch(voice_id)), "audio/wav")
        voice = {"id": voice_id, "name": name.strip(), "createdAt": self.iso(digits=0),
                 "imageUrl": image, "previewUrls": [preview]}
        self.cloned[voice_id] = voice
        return JSONResponse(voice, status_code=201)

    async def list_cloned(self, request: Request) -> Response:
        query = request.query_params
        try:
            limit = int(query.get("limit", "20"))
        except ValueError:
            return self._error(400, "VALIDATION_ERROR", "limit must be an integer")
        if not 1 <= limit <= 100:
            return self._error(400, "VALIDATION_ERROR", "limit must be between 1 and 100")
        if self.page_cap is not None:
            limit = min(limit, self.page_cap)
        cursor = query.get("cursor")
        ids = sorted(self.cloned)
        start = 0
        if cursor:
            after = cursor.removeprefix("c_")
            if not after.isdigit():
                return self._error(400, "VALIDATION_ERROR", "invalid cursor")
            start = next((i for i, v in enumerate(ids) if v > int(after)), len(ids))
        page = ids[start:start + limit]
        more = start + limit < len(ids)
        body: dict[str, Any] = {"items": [self.cloned[i] for i in page]}
        if self.send_cursor:
            body["nextCursor"] = f"c_{page[-1]}" if more and page else None
        return JSONResponse(body)

    async def update_cloned(self, request: Request) -> Response:
        voice = self.cloned.get(request.path_params["id"])
        if voice is None:
            return self._error(404, "VOICE_NOT_FOUND", "Cloned voice not found")
        body = await self.json_body(request)
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name.strip():
            return self._error(400, "VALIDATION_ERROR", "name is required")
        voice["name"] = name.strip()
        return JSONResponse(voice)

    async def delete_cloned(self, request: Request) -> Response:
        if self.cloned.pop(request.path_params["id"], None) is None:
            return self._error(404, "VOICE_NOT_FOUND", "Cloned voice not found")
        return Response(status_code=204)

    # -- streaming -----------------------------------------------------------------------

    async def simplex(self, ws: WebSocket) -> None:
        """One convert message, its audio, then close 1000."""

        async def run(record: StreamRecord, params: _StreamParams) -> None:
            message = await receive_json(ws)
            text = self._convert_text(message)
            await self._speak(ws, record, params, text, header=True)

        await self._serve(ws, "simplex", run)

    async def duplex(self, ws: WebSocket) -> None:
        """Any number of convert messages answered in order; ``close`` flushes and ends."""

        async def run(record: StreamRecord, params: _StreamParams) -> None:
            header = True
            while True:
                message = await receive_json(ws)
                if message.get("type") == "close":
                    return
                text = self._convert_text(message)
                await self._speak(ws, record, params, text, header=header)
                header = self.header_per_text

        await self._serve(ws, "duplex", run)

    async def _serve(self, ws: WebSocket, mode: str, run: Any) -> None:
        record = StreamRecord(mode, dict(ws.query_params))
        self.streams.append(record)

        async def handle() -> None:
            await self._authenticate(ws, record)
            await run(record, self._stream_params(record.query))
            record.finished = True

        def closed(code: int, reason: str) -> None:
            record.close_code, record.close_reason = code, reason

        await serve(ws, handle, on_close=closed)

    async def _authenticate(self, ws: WebSocket, record: StreamRecord) -> None:
        message = await receive_json(ws)
        if message.get("type") != "authApiKey":
            raise Refusal(4001, "Unauthorized: the first message must be authApiKey")
        if (message.get("clientKey") != self.credentials["client_key"]
                or message.get("apiKey") != self.credentials["api_key"]):
            raise Refusal(4001, "Unauthorized: invalid client key or API key")
        record.authenticated = True

    def _stream_params(self, query: Mapping[str, str]) -> _StreamParams:
        raw_id = query.get("voiceId", "")
        voice_type = query.get("voiceType", "system")
        fmt = query.get("format", "wav")
        rate = query.get("sr", str(REST_SAMPLE_RATE))
        if not raw_id.isdigit():
            raise Refusal(4400, "Bad request: voiceId must be an integer")
        if voice_type not in VOICE_TYPES:
            raise Refusal(4400, "Bad request: voiceType must be system or cloned")
        if fmt not in FORMATS:
            raise Refusal(4400, f"Bad request: unsupported format {fmt!r}")
        if not rate.isdigit() or int(rate) not in SAMPLE_RATES:
            raise Refusal(4400, f"Bad request: unsupported sample rate {rate!r}")
        if self._find_voice(int(raw_id), voice_type) is None:
            raise Refusal(4404, f"Voice {raw_id} ({voice_type}) not found")
        return _StreamParams(int(raw_id), fmt, int(rate))

    @staticmethod
    def _convert_text(message: Mapping[str, Any]) -> str:
        if message.get("type") != "convert":
            raise Refusal(4400, f"Bad message: unknown type {message.get('type')!r}")
        text = message.get("text")
        if not isinstance(text, str) or not text.strip():
            raise Refusal(4400, "Bad message: text must not be empty")
        return text

    async def _speak(self, ws: WebSocket, record: StreamRecord, params: _StreamParams,
                     text: str, *, header: bool) -> None:
        if not self.ledger.charge(len(text), "tts-stream"):
            # an error event first (as a JS client would want it), then the close
            await ws.send_text(json.dumps({"type": "error", "code": "INSUFFICIENT_CREDITS",
                                           "message": "Insufficient credits"}))
            raise Refusal(4402, "Insufficient credits")
        record.texts.append(text)
        frames = self._frames(params, self._seconds(text), header=header)
        record.planned_frames += len(frames)
        for frame in frames:
            await self.gate.pass_frame(record.frames_sent)
            await ws.send_bytes(frame)
            record.frames_sent += 1
            record.bytes_sent += len(frame)
            record.frame_times.append(time.monotonic())
            await asyncio.sleep(self.frame_delay)

    def _frames(self, params: _StreamParams, seconds: float, *, header: bool) -> list[bytes]:
        if params.format == "mp3":
            data = mp3_bytes(seconds, sample_rate=params.sample_rate)
            step = max(1, round(len(data) * self.frame_seconds / seconds))
            return [data[i:i + step] for i in range(0, len(data), step)]
        pcm = _pcm(seconds, params.sample_rate, _pitch(params.voice_id))
        step = 2 * max(1, round(params.sample_rate * self.frame_seconds))
        frames = [pcm[i:i + step] for i in range(0, len(pcm), step)]
        if header:  # streamed WAV: sizes unknown
            frames.insert(0, wav_header(sample_rate=params.sample_rate, data_size=0xFFFFFFFF))
        return frames


@attrs.frozen
class _StreamParams:
    voice_id: int
    format: str
    sample_rate: int


def _pitch(voice_id: int) -> float:
    return 180.0 + (voice_id % 7) * 40.0


@functools.lru_cache(maxsize=64)
def _pcm(seconds: float, sample_rate: int, frequency: float) -> bytes:
    return tone_pcm(seconds, sample_rate=sample_rate, frequency=frequency)


def _wav(seconds: float, sample_rate: int, frequency: float) -> bytes:
    pcm = _pcm(seconds, sample_rate, frequency)
    return wav_header(sample_rate=sample_rate, data_size=len(pcm)) + pcm


def _wav_length(data: bytes) -> tuple[float, int] | None:
    """(seconds, sample rate) of WAV bytes, or None if they are not a WAV."""
    try:
        info = parse_wav_header(data)
    except InvalidInput:
        return None
    seconds = info.duration() or info.duration(len(data) - info.data_offset)
    return None if seconds is None else (seconds, info.sample_rate)
