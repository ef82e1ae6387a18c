"""The v2 video API of the Gemelo emulator: twins, video voices, videos that become
``ready`` on the emulator clock, and their MP4 files at ``/v3/files/video_{id}``.

A video is ``queued`` for ``video_queue_seconds`` (2), ``processing`` until
``video_seconds`` (30), then ``ready`` (or ``failed`` with an ``error``, after
``emu.fail_next("video", message=...)``). Request bodies are checked as the public docs
describe them: ``twin_id`` of a listed twin, ``consent`` true, ``audio`` exactly one of
``text`` / ``audio_url`` / ``recording_id`` (a known recording), ``voice.voice_id`` of a
listed video voice (required with ``text``).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

import attrs
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from voicekit_core.testing.timeline import TimedStatus

if TYPE_CHECKING:
    from voicekit_core.testing.emulator import Emulator as _Base
else:
    _Base = object

__all__ = ["EmulatedVideo", "VideoApi", "mp4_bytes"]


def mp4_bytes(seconds: float, size: int = 64 * 1024) -> bytes:
    """Bytes that start like an MP4 file (an ``ftyp`` box), padded to ``size``."""
    head = struct.pack(">I", 24) + b"ftypmp42" + struct.pack(">I", 0) + b"isommp42"
    return (head + f"gemelo-emulator video {seconds:.0f}s".encode()).ljust(size, b"\0")


@attrs.define
class EmulatedVideo:
    id: int
    body: dict[str, Any]
    timeline: TimedStatus
    created_at: str


class VideoApi(_Base):
    """Mixed into :class:`~voicekit_gemelo.emulator.GemeloEmulator`."""

    video_queue_seconds = 2.0
    video_seconds = 30.0

    def _init_videos(self) -> None:
        self.twins_v2: dict[int, dict[str, Any]] = {
            20: {"id": 20, "name": "Anna", "thumbnail_url": None},
            21: {"id": 21, "name": "Marco", "thumbnail_url": None}}
        self.video_voices: dict[int, dict[str, Any]] = {
            181: {"id": 181, "name": "Anna's voice", "description": "Warm, clear"},
            182: {"id": 182, "name": "Marco's voice", "description": "Low, calm"}}
        self.recordings: set[int] = {12}
        self.videos: dict[int, EmulatedVideo] = {}
        self.next_video_id = 900
        self.video_bodies: list[Any] = []  # JSON of every POST /v2/videos

    def video_routes(self) -> list[BaseRoute]:
        return [
            Route("/v2/twins", self._v2_twins, methods=["GET"]),
            Route("/v2/voices", self._v2_voices, methods=["GET"]),
            Route("/v2/videos", self._v2_create, methods=["POST"]),
            Route("/v2/videos", self._v2_list, methods=["GET"]),
            Route("/v2/videos/{id:int}/status", self._v2_status, methods=["GET"]),
            Route("/v2/videos/{id:int}", self._v2_get, methods=["GET"]),
            Route("/v2/videos/{id:int}", self._v2_delete, methods=["DELETE"]),
            Route("/v3/files/video_{id:int}", self._v3_file, methods=["GET"]),
        ]

    def _video_error(self, status: int, message: str) -> Response:
        return JSONResponse({"message": message}, status_code=status)

    async def _v2_twins(self, request: Request) -> Response:
        return JSONResponse(list(self.twins_v2.values()))

    async def _v2_voices(self, request: Request) -> Response:
        return JSONResponse(list(self.video_voices.values()))

    async def _v2_create(self, request: Request) -> Response:
        body = await self.json_body(request)
        self.video_bodies.append(body)
        problem = self._video_problem(body)
        if problem is not None:
            return self._video_error(404 if "not found" in problem else 400, problem)
        video_id = self.next_video_id
        self.next_video_id += 1
        failure = self.take_failure("video", default="Rendering failed")
        timeline = self.timeline([("queued", self.video_queue_seconds),
                                  ("processing", self.video_seconds - self.video_queue_seconds)],
                                 final="ready", fail=None if failure is None else "failed",
                                 error=failure)
        self.videos[video_id] = EmulatedVideo(video_id, body, timeline, self.iso())
        return JSONResponse({"id": video_id, "status": "queued", "ready": False},
                            status_code=201)

    def _video_problem(self, body: Any) -> str | None:
        if not isinstance(body, dict):
            return "body must be a JSON object"
        if body.get("consent") is not True:
            return "consent must be true"
        twin = body.get("twin_id")
        if not isinstance(twin, int) or isinstance(twin, bool):
            return "twin_id must be an integer"
        if twin not in self.twins_v2:
            return f"twin {twin} not found"
        audio = body.get("audio")
        kinds = [k for k in ("text", "audio_url", "recording_id")
                 if isinstance(audio, dict) and k in audio]
        if len(kinds) != 1 or len(audio) != 1:
            return "audio must be exactly one of text, audio_url, recording_id"
        voice = body.get("voice")
        voice_id = voice.get("voice_id") if isinstance(voice, dict) else None
        if voice is not None and voice_id not in self.video_voices:
            return f"voice {voice_id} not found"
        if kinds == ["text"]:
            if not isinstance(audio["text"], str) or not audio["text"].strip():
                return "audio.text must be non-empty text"
            if voice is None:
                return "voice is required with text"
        if kinds == ["recording_id"] and audio["recording_id"] not in self.recordings:
            return f"recording {audio['recording_id']} not found"
        if kinds == ["audio_url"] and not str(audio["audio_url"]).startswith("http"):
            return "audio_url must be an http(s) link"
        return None

    def _video_view(self, video: EmulatedVideo) -> dict[str, Any]:
        now = self.clock.now()
        status = video.timeline.status(now)
        view: dict[str, Any] = {"id": video.id, "twin_id": video.body["twin_id"],
                                "status": status, "ready": status == "ready",
                                "created_at": video.created_at}
        if status == "failed":
            view["error"] = video.timeline.error
        return view

    def _video_of(self, request: Request) -> EmulatedVideo | Response:
        video = self.videos.get(int(request.path_params["id"]))
        if video is None:
            return self._video_error(404, f"video {request.path_params['id']} not found")
        return video

    async def _v2_status(self, request: Request) -> Response:
        video = self._video_of(request)
        if isinstance(video, Response):
            return video
        view = self._video_view(video)
        return JSONResponse({k: view[k] for k in ("id", "status", "ready", "error")
                             if k in view})

    async def _v2_get(self, request: Request) -> Response:
        video = self._video_of(request)
        return video if isinstance(video, Response) else JSONResponse(self._video_view(video))

    async def _v2_list(self, request: Request) -> Response:
        return JSONResponse([self._video_view(v) for v in self.videos.values()])

    async def _v2_delete(self, request: Request) -> Response:
        video = self._video_of(request)
        if isinstance(video, Response):
            return video
        del self.videos[video.id]
        return Response(status_code=204)

    async def _v3_file(self, request: Request) -> Response:
        video = self._video_of(request)
        if isinstance(video, Response):
            return video
        if video.timeline.status(self.clock.now()) != "ready":
            return self._video_error(404, f"video {video.id} is not ready")
        return Response(mp4_bytes(self.video_seconds), media_type="video/mp4")
