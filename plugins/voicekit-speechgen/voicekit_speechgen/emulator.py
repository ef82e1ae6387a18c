"""An emulator of Speechgen's API, for tests and ``voicekit emulate speechgen``.

Endpoints (under ``/v1``, as Speechgen documents them): ``GET /voices``,
``GET /voices/{id}``, ``POST /text-to-speech``, ``POST /voice-clone``, ``GET /models``,
``GET /models/{model_id}``, ``DELETE /models/{model_id}``. Every request needs
``Authorization: Bearer <key>``; errors use Speechgen's envelope
``{"error": {"code", "message", "param"?}}``.

Text-to-speech answers with real audio of the asked format: a sine tone whose length
follows the text and speed (WAV), or well-formed MP3 / Ogg bytes, with
``X-Audio-Duration`` and ``X-Characters-Used``. Characters are charged on the ledger.
A cloned model is ``processing`` for ``ready_after`` seconds of the emulator clock (a
:class:`~voicekit_core.testing.timeline.TimedStatus`), then ``ready`` (with its
``custom-...`` voice_id) or ``failed`` when told to (``fail_models=True``, or
``fail_next("clone", n, message)`` / :meth:`SpeechgenEmulator.fail_next_clones`).
"""

from __future__ import annotations

import itertools
import math
import os
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from voicekit_core.audio import AudioSource, media_duration, sniff_format
from voicekit_core.testing.emulator import ASGIApp, Emulator, Scope, iso, json_error
from voicekit_core.testing.media import mp3_bytes, ogg_bytes, tone_wav

__all__ = ["STOCK_VOICES", "SpeechgenEmulator"]

FORMATS = {"mp3": "audio/mpeg", "wav": "audio/wav", "ogg": "audio/ogg"}
CLONE_FORMATS = ("mp3", "wav", "m4a", "flac", "ogg")
CLONE_MAX_BYTES = 10 * 1024 * 1024
CLONE_MIN_SECONDS = 10.0
CLONE_MAX_SECONDS = 300.0
SPEED_RANGE = (0.25, 4.0)
PITCH_RANGE = (-20.0, 20.0)
#: seconds of speech per character at speed 1.0 (about 150 words a minute)
SECONDS_PER_CHAR = 0.06
MAX_AUDIO_SECONDS = 30.0
DEFAULT_READY_AFTER = 45.0
READY_AFTER_ENV = "SPEECHGEN_EMULATOR_READY_AFTER"
#: the Unix time the emulator's clock starts at (2024-01-15T10:30:00Z, as the vendor doc)
EPOCH = 1705314600.0

STOCK_VOICES: tuple[dict[str, Any], ...] = (
    {"id": "en-US-aria", "name": "Aria", "language": "en-US", "gender": "female",
     "styles": ["neutral", "cheerful", "narration"]},
    {"id": "en-US-guy", "name": "Guy", "language": "en-US", "gender": "male",
     "styles": ["neutral", "newscast"]},
    {"id": "en-GB-oliver", "name": "Oliver", "language": "en-GB", "gender": "male",
     "styles": ["neutral"]},
    {"id": "es-ES-lucia", "name": "Lucía", "language": "es-ES", "gender": "female",
     "styles": ["neutral", "cheerful"]},
    {"id": "de-DE-klaus", "name": "Klaus", "language": "de-DE", "gender": "male",
     "styles": ["neutral"]},
    {"id": "fr-FR-amelie", "name": "Amélie", "language": "fr-FR", "gender": "female",
     "styles": ["neutral", "narration"]},
)


class SpeechgenEmulator(Emulator):
    """Speechgen's API on 127.0.0.1.

    Args:
        ready_after: seconds (emulator clock) a new model stays ``processing``; 0 makes
            models ready at once (the POST /voice-clone answer already says ``ready``),
            for CLI runs on the real clock. Default: the ``SPEECHGEN_EMULATOR_READY_AFTER``
            environment variable (for ``voicekit emulate speechgen``), else 45.
        fail_models: every new model ends ``failed`` instead of ``ready``.
        failure_message: what a failed model says.
        eta_field: ``"estimated_completion"`` (a time, the documented name) or
            ``"estimated_time"`` (seconds, the variant some responses carry).
        clock, credits, port: as for :class:`Emulator`.
    """

    provider = "speechgen"
    credentials: ClassVar[Mapping[str, str]] = {"api_key": "sk_test_sgemu_4c1d9a7e"}
    base_path = "/v1"
    initial_credits = 100_000  # characters

    def __init__(self, *, ready_after: float | None = None, fail_models: bool = False,
                 failure_message: str = "Multiple speakers detected in the audio sample",
                 eta_field: str = "estimated_completion", **kwargs: Any) -> None:
        if eta_field not in ("estimated_completion", "estimated_time"):
            raise ValueError("eta_field must be estimated_completion or estimated_time")
        if ready_after is None:
            ready_after = float(os.environ.get(READY_AFTER_ENV) or DEFAULT_READY_AFTER)
        self.ready_after = float(ready_after)
        self.fail_models = fail_models
        self.failure_message = failure_message
        self.eta_field = eta_field
        self.voices: dict[str, dict[str, Any]] = {v["id"]: dict(v) for v in STOCK_VOICES}
        self.models: dict[str, dict[str, Any]] = {}
        self.clone_uploads: list[dict[str, Any]] = []  # what each POST /voice-clone got
        self.tts_bodies: list[Any] = []  # the JSON body of each POST /text-to-speech
        self._ids = itertools.count(1)
        self._request_ids = itertools.count(1)
        super().__init__(**kwargs)
        self._start = self.clock.now()
        self._seed_model("Demo narrator", "A ready cloned voice seeded by the emulator")

    # -- control ---------------------------------------------------------------------

    def fail_next_clones(self, count: int = 1, message: str | None = None) -> None:
        """The next ``count`` models created end ``failed`` with ``message``."""
        self.fail_next("clone", count, message)

    def fail_model(self, model_id: str, message: str | None = None) -> None:
        """Make an existing model end ``failed`` (once its processing time is over)."""
        timeline = self.models[model_id]["timeline"]
        timeline.fail, timeline.error = "failed", message or self.failure_message

    def model_status(self, model_id: str) -> str:
        """The model's status now (on the emulator clock)."""
        return str(self.models[model_id]["timeline"].status(self.clock.now()))

    # -- the Emulator contract ---------------------------------------------------------

    def authorized(self, headers: Mapping[str, str]) -> bool:
        return headers.get("authorization") == f"Bearer {self.credentials['api_key']}"

    def refuse(self, scope: Scope, headers: Mapping[str, str]) -> ASGIApp | None:
        if not headers.get("authorization", "").strip():
            return _error(401, "missing_api_key",
                          "No API key provided. Use the header 'Authorization: Bearer "
                          "YOUR_API_KEY'")
        return super().refuse(scope, headers)

    def error_response(self, kind: str) -> Response:
        status, code, message = {
            "unauthorized": (401, "invalid_api_key", "Invalid API key provided"),
            "not_found": (404, "not_found", "The requested resource does not exist"),
            "insufficient_credits": (402, "insufficient_credits",
                                     "Not enough characters left on your plan"),
            "rate_limited": (429, "rate_limit_exceeded", "Too many requests"),
            "invalid": (400, "invalid_request", "The request is invalid"),
        }.get(kind, (500, "internal_error", "An internal error occurred"))
        headers = {"Retry-After": "1"} if kind == "rate_limited" else None
        return _error(status, code, message, headers=headers)

    def routes(self) -> Iterable[BaseRoute]:
        return [
            Route("/v1/voices", self.list_voices, methods=["GET"]),
            Route("/v1/voices/{voice_id}", self.get_voice, methods=["GET"]),
            Route("/v1/text-to-speech", self.text_to_speech, methods=["POST"]),
            Route("/v1/voice-clone", self.voice_clone, methods=["POST"]),
            Route("/v1/models", self.list_models, methods=["GET"]),
            Route("/v1/models/{model_id}", self.get_model, methods=["GET"]),
            Route("/v1/models/{model_id}", self.delete_model, methods=["DELETE"]),
        ]

    # -- voices ----------------------------------------------------------------------

    async def list_voices(self, request: Request) -> Response:
        return self._json({"voices": list(self.voices.values())})

    async def get_voice(self, request: Request) -> Response:
        voice_id = request.path_params["voice_id"]
        voice = self.voices.get(voice_id)
        if voice is None:
            model = self._model_by_voice(voice_id)
            if model is None or self.model_status(model["model_id"]) != "ready":
                return _error(404, "invalid_voice", f"Voice '{voice_id}' not found",
                              param="voice_id")
            voice = {"id": voice_id, "name": model["name"], "language": None,
                     "gender": None, "styles": [], "model_id": model["model_id"]}
        return self._json(voice)

    # -- speech ----------------------------------------------------------------------

    async def text_to_speech(self, request: Request) -> Response:
        body = await self.json_body(request)
        self.tts_bodies.append(body)
        if not isinstance(body, dict):
            return _error(400, "invalid_request", "The body must be a JSON object")
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return _error(400, "invalid_request", "text is required", param="text")
        problem = self._check_voice(body.get("voice"))
        if problem is not None:
            return problem
        fmt = body.get("format", "mp3")
        if fmt not in FORMATS:
            return _error(400, "invalid_format",
                          f"format must be one of {', '.join(FORMATS)}", param="format")
        speed = body.get("speed", 1.0)
        pitch = body.get("pitch", 0)
        for name, value, (low, high) in (("speed", speed, SPEED_RANGE),
                                         ("pitch", pitch, PITCH_RANGE)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not low <= value <= high:
                return _error(400, "invalid_parameter",
                              f"{name} must be between {low:g} and {high:g}", param=name)
        characters = len(text)
        if not self.ledger.charge(characters, "text-to-speech"):
            return self.error_response("insufficient_credits")
        model = self._model_by_voice(body["voice"])
        if model is not None:
            model["usage_count"] += 1
        seconds = min(MAX_AUDIO_SECONDS, max(0.5, characters * SECONDS_PER_CHAR / speed))
        data = _audio(fmt, seconds)
        return Response(data, media_type=FORMATS[fmt], headers={
            "X-Audio-Duration": f"{seconds:.3f}", "X-Characters-Used": str(characters),
            "X-Request-Id": self._request_id()})

    def _check_voice(self, voice: Any) -> Response | None:
        if not isinstance(voice, str) or not voice:
            return _error(400, "invalid_request", "voice is required", param="voice")
        if voice in self.voices:
            return None
        if voice in self.models:
            return _error(400, "invalid_voice",
                          f"'{voice}' is a model_id; use the model's voice_id", param="voice")
        model = self._model_by_voice(voice)
        if model is None:
            return _error(400, "invalid_voice", f"Voice '{voice}' not found", param="voice")
        status = self.model_status(model["model_id"])
        if status != "ready":
            return _error(400, "invalid_voice",
                          f"Voice '{voice}' is not ready (model status {status})",
                          param="voice")
        return None

    # -- cloning and models ------------------------------------------------------------

    async def voice_clone(self, request: Request) -> Response:
        form = await request.form()
        try:
            audio = form.get("audio")
            name = form.get("name")
            if not isinstance(audio, UploadFile):
                return _error(400, "invalid_request", "audio file is required",
                              param="audio")
            if not isinstance(name, str) or not name.strip():
                return _error(400, "invalid_request", "name is required", param="name")
            description = form.get("description")
            enhance = form.get("enhance_quality", "false")
            if enhance not in ("true", "false", "1", "0", "True", "False"):
                return _error(400, "invalid_parameter", "enhance_quality must be true or "
                              "false", param="enhance_quality")
            data = await audio.read()
        finally:
            await form.close()
        problem = _check_sample(data)
        if problem is not None:
            return problem
        self.clone_uploads.append({"name": name, "filename": audio.filename,
                                   "content_type": audio.content_type, "size": len(data),
                                   "description": description, "enhance_quality": enhance})
        fail = self.take_failure("clone", self.failure_message) or (
            self.failure_message if self.fail_models else None)
        model = self._new_model(name.strip(), description if isinstance(description, str)
                                else None, fail)
        view = self._model_view(model)
        view.pop("usage_count", None)
        if view["status"] != "ready":
            view.pop("voice_id", None)
        timeline = model["timeline"]
        if self.eta_field == "estimated_time":
            view["estimated_time"] = int(timeline.duration)
        else:
            view["estimated_completion"] = self._iso(timeline.ends_at)
        token = model["model_id"][3:]
        view["samples"] = [{
            "title": "Default Sample",
            "text": "This is a demonstration of the voice clone...",
            "audio_url": self.storage.publish(f"samples/{token}.mp3", mp3_bytes(2.0),
                                              "audio/mpeg"),
        }]
        return self._json(view, status=201)

    async def list_models(self, request: Request) -> Response:
        return self._json({"models": [self._model_view(m) for m in self.models.values()]})

    async def get_model(self, request: Request) -> Response:
        model = self.models.get(request.path_params["model_id"])
        if model is None:
            return self._model_not_found(request.path_params["model_id"])
        return self._json(self._model_view(model))

    async def delete_model(self, request: Request) -> Response:
        model_id = request.path_params["model_id"]
        if self.models.pop(model_id, None) is None:
            return self._model_not_found(model_id)
        return Response(status_code=204)

    # -- state helpers -------------------------------------------------------------------

    def _new_model(self, name: str, description: str | None, fail: str | None,
                   ready_after: float | None = None) -> dict[str, Any]:
        token = f"{next(self._ids):04d}{uuid.uuid4().hex[:8]}"
        seconds = self.ready_after if ready_after is None else ready_after
        model: dict[str, Any] = {
            "model_id": f"vm_{token}", "voice_id": f"custom-{token}", "name": name,
            "description": description, "usage_count": 0,
            "timeline": self.timeline([("processing", seconds)], final="ready",
                                      fail="failed" if fail else None, error=fail)}
        self.models[model["model_id"]] = model
        return model

    def _seed_model(self, name: str, description: str) -> None:
        self._new_model(name, description, None, ready_after=0.0)

    def _model_view(self, model: dict[str, Any]) -> dict[str, Any]:
        status = self.model_status(model["model_id"])
        view: dict[str, Any] = {"model_id": model["model_id"], "name": model["name"],
                                "description": model["description"], "status": status,
                                "voice_id": model["voice_id"] if status == "ready" else None,
                                "created_at": self._iso(model["timeline"].start),
                                "usage_count": model["usage_count"]}
        if status == "failed":
            view["error"] = {"code": "clone_failed", "message": model["timeline"].error}
        return view

    def _model_by_voice(self, voice_id: str) -> dict[str, Any] | None:
        return next((m for m in self.models.values() if m["voice_id"] == voice_id), None)

    def _model_not_found(self, model_id: str) -> Response:
        return _error(404, "model_not_found", f"Voice model '{model_id}' not found",
                      param="model_id")

    def _iso(self, at: float) -> str:
        """Emulator-clock time ``at`` as the vendor doc writes it (from :data:`EPOCH`)."""
        return iso(EPOCH + at - self._start, digits=0)

    def _request_id(self) -> str:
        return f"req_{next(self._request_ids):06d}"

    def _json(self, body: Any, status: int = 200) -> Response:
        return JSONResponse(body, status_code=status,
                            headers={"X-Request-Id": self._request_id()})


def _error(status: int, code: str, message: str, *, param: str | None = None,
           headers: Mapping[str, str] | None = None) -> JSONResponse:
    error: dict[str, Any] = {"code": code, "message": message}
    if param is not None:
        error["param"] = param
    return json_error(status, {"error": error}, headers)


def _audio(fmt: str, seconds: float) -> bytes:
    if fmt == "wav":
        return tone_wav(seconds, sample_rate=16000)
    if fmt == "ogg":
        return ogg_bytes(seconds)
    return mp3_bytes(seconds)


def _check_sample(data: bytes) -> Response | None:
    """Speechgen's sample rules: format by content, 10 MB, 10 s to 5 min."""
    if len(data) > CLONE_MAX_BYTES:
        return _error(413, "file_too_large", "Audio file exceeds the 10MB limit",
                      param="audio")
    fmt = sniff_format(data[:64])
    if fmt not in CLONE_FORMATS:
        return _error(400, "invalid_audio_format",
                      "Unsupported audio format; use MP3, WAV, M4A, FLAC or OGG",
                      param="audio")
    try:
        seconds = media_duration(AudioSource.from_input(data))
    except Exception:
        seconds = None
    if seconds is not None and math.isfinite(seconds) and not (
            CLONE_MIN_SECONDS <= seconds <= CLONE_MAX_SECONDS):
        return _error(400, "invalid_audio_duration",
                      f"Audio must last between 10 seconds and 5 minutes "
                      f"(got {seconds:.1f} s)", param="audio")
    return None
