"""An emulator of the Captions AI Twin and AI Creator APIs, for tests and ``voicekit emulate``.

Written from the vendor's documentation: every endpoint is a POST with a JSON body under
``/api``, authenticated by ``x-api-key``; errors are ``{"detail": ...}`` with 401 (bad
key), 402 (insufficient credits), 404, 422 (a malformed request, FastAPI-style list of
field errors), 400 (a request the vendor refuses) and 429 (rate limited, ``Retry-After``).

State advances on the emulator clock: a twin is PROCESSING (progress 0-100 %) for
``twin_seconds`` then COMPLETE (listed in ``/twin/list`` and ``/creator/list`` as
``twin-<n>-<name>``) or FAILED; a video is QUEUED for ``queue_seconds``, PROCESSING until
``video_seconds``, then COMPLETE with a ``url`` on the storage origin (or FAILED with a
``detail`` after ``emu.fail_next("video", message=...)``). Videos cost 1
credit per second of video (a minute at most), taken from :attr:`ledger` at submission.
``instant=True`` makes every operation complete at once (for CLI runs on the real clock).
"""

from __future__ import annotations

import math
import os
import re
import struct
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, ClassVar

import attrs
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from voicekit_core.clock import ManualClock
from voicekit_core.testing.emulator import Emulator, RateLimit, json_error

__all__ = ["CaptionsEmulator", "Operation", "fake_mp4"]

LANGUAGES = ("English", "Spanish", "French", "German", "Italian", "Portuguese", "Japanese",
             "Korean", "Chinese", "Hindi")
SCRIPTS = {
    "English": "Hi! I'm recording this video to create my AI Twin. I'll speak clearly and "
               "naturally, look straight at the camera, and keep my head still while I read.",
    "Spanish": "¡Hola! Estoy grabando este video para crear mi gemelo de IA. Hablaré con "
               "claridad y naturalidad, mirando a la cámara.",
}
STOCK_CREATORS = ("Kate", "Jason", "Violet-1", "Leah-1")
_TWIN_NAME = re.compile(r"^twin-(\d+)-(.+)$")
_FAILED_AT = 90  # progress % a failing twin reports
_ENDPOINTS = ("/twin/supported-languages", "/twin/script", "/twin/list", "/twin/create",
              "/twin/status", "/twin/delete", "/creator/list", "/creator/submit",
              "/creator/poll")


def fake_mp4(seconds: float, size: int = 96 * 1024) -> bytes:
    """Bytes that start like an MP4 file (an ``ftyp`` box), padded to ``size``."""
    head = struct.pack(">I", 24) + b"ftypmp42" + struct.pack(">I", 0) + b"isommp42"
    meta = f"captions-emulator video {seconds:.0f}s".encode()
    return (head + meta).ljust(size, b"\0")


@attrs.define
class Operation:
    """A twin creation or a video render in progress."""

    id: str
    kind: str  # "twin" | "video"
    started: float
    body: dict[str, Any]
    fails_with: str | None = None
    credits: float = 0
    result: str | None = None  # twin name, or video url once published


class CaptionsEmulator(Emulator):
    """The Captions API (``/api/twin/*``, ``/api/creator/*``) on 127.0.0.1.

    Args:
        instant: operations complete at their first status check (default: the
            ``CAPTIONS_EMULATOR_INSTANT`` environment variable, for ``voicekit emulate``,
            whose clients poll on the real clock while the emulator clock stands still).
        twin_seconds / queue_seconds / video_seconds: emulated durations.
        numeric_ids: operation ids are JSON numbers (and must come back as numbers), a
            variant the documentation allows.
        slug_names: completed twins are listed with their name lower-cased and hyphenated
            (``"Mary Jane"`` -> ``twin-2-mary-jane``), like the documentation's ``twin-1-sam``.
        (and the base class's ``clock=``, ``credits=``, ``port=``)

    Attributes:
        twins: listed twin names (``twin-1-sam``) that exist.
        operations: every operation by id.
        failing_twins: twin names whose creation FAILS, with the vendor's detail.
        creators: stock AI Creators.
        bodies: the JSON bodies received (the last 1000), as (path, body) pairs.
    """

    provider = "captions"
    credentials: ClassVar[Mapping[str, str]] = {"api_key": "cap-test-key-5e1d9a"}
    base_path = "/api"
    initial_credits: ClassVar[float] = 600
    #: The documented limit of AI Creator and AI Twin, applied to status polls per key.
    rate_limits: ClassVar[Mapping[str, RateLimit]] = {"poll": RateLimit(5, 60.0)}

    def __init__(self, *, instant: bool | None = None, twin_seconds: float = 60.0,
                 queue_seconds: float = 12.0, video_seconds: float = 40.0,
                 numeric_ids: bool = False, slug_names: bool = False,
                 clock: ManualClock | None = None, credits: float | None = None,
                 port: int = 0) -> None:
        if instant is None:
            instant = os.environ.get("CAPTIONS_EMULATOR_INSTANT", "") not in ("", "0")
        self.instant = instant
        self.twin_seconds = twin_seconds
        self.queue_seconds = queue_seconds
        self.video_seconds = video_seconds
        self.numeric_ids = numeric_ids
        self.slug_names = slug_names
        self.bodies: deque[tuple[str, Any]] = deque(maxlen=1000)
        self.languages: tuple[str, ...] = LANGUAGES
        self.creators: list[str] = list(STOCK_CREATORS)
        self.twins: list[str] = ["twin-1-sam"]
        self.operations: dict[str, Operation] = {}
        self.failing_twins: dict[str, str] = {}
        self._next_twin = 2
        super().__init__(clock=clock, credits=credits, port=port)

    # -- the harness -----------------------------------------------------------------------

    def authorized(self, headers: Mapping[str, str]) -> bool:
        return headers.get("x-api-key") == self.credentials["api_key"]

    def throttle_bucket(self, method: str, path: str) -> str | None:
        return "poll" if path in (f"{self.base_path}/twin/status",
                                  f"{self.base_path}/creator/poll") else None

    def error_response(self, kind: str) -> Response:
        status, detail = {
            "unauthorized": (401, "Invalid API key"),
            "not_found": (404, "Not found"),
            "insufficient_credits": (402, "Insufficient credits"),
            "rate_limited": (429, "Rate limit exceeded, please slow down"),
            "invalid": (400, "Invalid request"),
        }.get(kind, (500, "Internal server error"))
        headers = {"Retry-After": "2"} if kind == "rate_limited" else {}
        return json_error(status, {"detail": detail}, headers)

    def routes(self) -> Iterable[BaseRoute]:
        handlers: dict[str, Callable[[dict[str, Any]], Awaitable[Response]]] = {
            "/twin/supported-languages": self._languages,
            "/twin/script": self._script,
            "/twin/list": self._twin_list,
            "/twin/create": self._twin_create,
            "/twin/status": self._twin_status,
            "/twin/delete": self._twin_delete,
            "/creator/list": self._creator_list,
            "/creator/submit": self._creator_submit,
            "/creator/poll": self._creator_poll,
        }
        return [Route(self.base_path + path, self._endpoint(handlers[path]), methods=["POST"])
                for path in _ENDPOINTS]

    def _endpoint(self, handler: Callable[[dict[str, Any]], Awaitable[Response]]
                  ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            raw = await request.body()
            body = await self.json_body(request) if raw.strip() else {}
            self.bodies.append((request.url.path, body))
            if not isinstance(body, dict):
                return _unprocessable([("body",), "Input should be a valid JSON object"])
            self._advance_all()
            return await handler(body)

        return endpoint

    # -- twins -------------------------------------------------------------------------------

    async def _languages(self, body: dict[str, Any]) -> Response:
        return JSONResponse(list(self.languages))

    async def _script(self, body: dict[str, Any]) -> Response:
        language = body.get("language") or "English"
        if language not in self.languages:
            return _bad(f"Unsupported language: {language}")
        script = SCRIPTS.get(language, SCRIPTS["English"])
        return JSONResponse({"script": script})

    async def _twin_list(self, body: dict[str, Any]) -> Response:
        return JSONResponse({"twins": list(self.twins)})

    async def _twin_create(self, body: dict[str, Any]) -> Response:
        missing = _missing(body, ("name", str), ("videoUrl", str),
                           ("calibrationImageUrls", list))
        if missing is not None:
            return missing
        name, video, images = body["name"].strip(), body["videoUrl"], \
            body["calibrationImageUrls"]
        if not name:
            return _bad("name must not be empty")
        if not re.match(r"^https?://", video) or \
                not video.split("?")[0].lower().endswith((".mp4", ".mov")):
            return _bad("videoUrl must link to an MP4 or MOV video")
        if not images:
            return _bad("calibrationImageUrls must not be empty")
        for url in images:
            if not isinstance(url, str) or not re.match(r"^https?://", url) or \
                    not url.split("?")[0].lower().endswith((".png", ".jpg", ".jpeg")):
                return _bad(f"calibration image must be a PNG or JPEG link: {url}")
        language = body.get("language") or "English"
        if language not in self.languages:
            return _bad(f"Unsupported language: {language}")
        op = self._operation("twin", body)
        op.fails_with = self.failing_twins.get(name)
        return JSONResponse({"operationId": self._public_id(op)})

    async def _twin_status(self, body: dict[str, Any]) -> Response:
        return self._status(body, "twin")

    async def _twin_delete(self, body: dict[str, Any]) -> Response:
        missing = _missing(body, ("name", str))
        if missing is not None:
            return missing
        name = body["name"]
        if not _TWIN_NAME.match(name):
            return _bad("name must follow twin-<id>-<name>")
        if name not in self.twins:
            return json_error(404, {"detail": f"AI Twin not found: {name}"})
        self.twins.remove(name)
        return JSONResponse({"success": True})

    # -- AI Creator --------------------------------------------------------------------------

    async def _creator_list(self, body: dict[str, Any]) -> Response:
        names = [*self.creators, *self.twins]
        thumbnails = {n: {"imageUrl": f"https://cdn.captions.example/thumbnails/{n}.jpg",
                          "videoUrl": f"https://cdn.captions.example/previews/{n}.mp4"}
                      for n in names}
        return JSONResponse({"supportedCreators": names, "thumbnails": thumbnails})

    async def _creator_submit(self, body: dict[str, Any]) -> Response:
        missing = _missing(body, ("script", str), ("creatorName", str))
        if missing is not None:
            return missing
        script = body["script"]
        if not script.strip():
            return _bad("script must not be empty")
        if len(script) > 800:
            return _bad(f"script must be at most 800 characters (got {len(script)})")
        resolution = body.get("resolution", "fhd")
        if resolution not in ("fhd", "4k"):
            return _unprocessable([("body", "resolution"), "Input should be 'fhd' or '4k'"])
        if body["creatorName"] not in (*self.creators, *self.twins):
            return _bad(f"Unsupported creator: {body['creatorName']}")
        seconds = video_seconds(script)
        if not self.ledger.charge(seconds, "creator/submit"):
            return json_error(402, {"detail": f"Insufficient credits: this video needs "
                                              f"{seconds} credits, you have "
                                              f"{self.ledger.balance:g}"})
        op = self._operation("video", body)
        op.credits = seconds
        op.fails_with = self.take_failure("video", default="Rendering failed")
        return JSONResponse({"operationId": self._public_id(op)})

    async def _creator_poll(self, body: dict[str, Any]) -> Response:
        return self._status(body, "video")

    def _status(self, body: dict[str, Any], kind: str) -> Response:
        """The state and progress of an operation; its detail once FAILED, its url once a
        video is COMPLETE."""
        op = self._find(body, kind)
        if isinstance(op, Response):
            return op
        state, progress = self._advance(op)
        answer: dict[str, Any] = {"state": state, "progress": progress}
        if state == "FAILED":
            answer["detail"] = op.fails_with
        elif state == "COMPLETE" and kind == "video":
            answer["url"] = op.result
        return JSONResponse(answer)

    # -- operations ----------------------------------------------------------------------------

    def _operation(self, kind: str, body: dict[str, Any]) -> Operation:
        number = len(self.operations) + 1001
        op = Operation(id=str(number) if self.numeric_ids else str(uuid.uuid4()), kind=kind,
                       started=self.clock.now(), body=body)
        self.operations[op.id] = op
        return op

    def _public_id(self, op: Operation) -> str | int:
        return int(op.id) if self.numeric_ids else op.id

    def _find(self, body: dict[str, Any], kind: str) -> Operation | Response:
        missing = _missing(body, ("operationId", int if self.numeric_ids else str))
        if missing is not None:
            return missing
        op = self.operations.get(str(body["operationId"]))
        if op is None or op.kind != kind:
            return json_error(404, {"detail": f"Operation not found: {body['operationId']}"})
        return op

    def _advance_all(self) -> None:
        """Complete the twins whose time is up, in order (so their ids follow it)."""
        for op in sorted(self.operations.values(), key=lambda o: o.started):
            if op.kind == "twin":
                self._advance(op)

    def _advance(self, op: Operation) -> tuple[str, int]:
        """(state, progress %) of ``op`` now; completes it (once) when its time is up."""
        elapsed = self.clock.now() - op.started
        if op.kind == "twin":
            total = 0.0 if self.instant else self.twin_seconds
            if elapsed < total:
                return "PROCESSING", int(100 * elapsed / total)
            if op.fails_with is not None:
                return "FAILED", _FAILED_AT
            if op.result is None:
                name = op.body["name"].strip()
                if self.slug_names:
                    name = re.sub(r"[^0-9a-z]+", "-", name.lower()).strip("-") or "twin"
                op.result = f"twin-{self._next_twin}-{name}"
                self._next_twin += 1
                self.twins.append(op.result)
            return "COMPLETE", 100
        queue = 0.0 if self.instant else self.queue_seconds
        total = 0.0 if self.instant else max(self.video_seconds, queue)
        if elapsed < queue:
            return "QUEUED", 0
        if elapsed < total:
            return "PROCESSING", int(100 * (elapsed - queue) / (total - queue))
        if op.fails_with is not None:
            return "FAILED", _FAILED_AT
        if op.result is None:
            op.result = self.storage.publish(f"videos/{op.id}.mp4", fake_mp4(op.credits),
                                             "video/mp4")
        return "COMPLETE", 100


def video_seconds(script: str) -> int:
    """The emulated length of a video: 150 words a minute, 1 to 60 seconds."""
    return min(60, max(1, math.ceil(len(script.split()) / 2.5)))


def _bad(detail: str) -> Response:
    return json_error(400, {"detail": detail})


def _unprocessable(*errors: list[Any]) -> Response:
    """422 with FastAPI's ``detail`` list: ``[loc tuple, message]`` pairs."""
    detail = [{"type": "value_error", "loc": list(loc), "msg": msg} for loc, msg in errors]
    return json_error(422, {"detail": detail})


def _missing(body: Mapping[str, Any], *fields: tuple[str, type]) -> Response | None:
    """422 for required fields that are absent or of the wrong JSON type."""
    errors = []
    for name, kind in fields:
        if name not in body:
            errors.append([("body", name), "Field required"])
        elif not isinstance(body[name], kind):
            errors.append([("body", name), f"Input should be a valid {kind.__name__}"])
    return _unprocessable(*errors) if errors else None
