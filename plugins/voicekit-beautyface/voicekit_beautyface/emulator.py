"""An emulator of the Voice Clone & Text-to-Speech API, for tests and ``voicekit emulate``.

Endpoints under ``/api/v1`` as documented: ``POST /voice-clone`` (multipart),
``GET /voices`` (filters and pagination), ``POST /tts``, ``GET /tts/{speechId}`` and
``GET /credits``. Every request needs ``Authorization: Bearer <key>``; errors use the
documented envelope ``{"code", "error"}`` (``USAGE_LIMIT_EXCEEDED`` adds ``credits`` and
``needCredits``).

State follows the emulator clock (:class:`~voicekit_core.clock.ManualClock`):

* a cloned voice is ``PROCESSING`` for ``clone_seconds``, then ``COMPLETED`` (or ``FAILED``
  when told to: ``fail_clones=True`` or ``fail_next("clone")``; speeches ``"speech"``);
* a speech is ``PROCESSING`` for ``tts_seconds``, then ``COMPLETED`` with an ``audioUrl``
  on the storage origin (real audio of the asked format), or ``FAILED`` when told to;
* credits: a clone costs 1000, a speech 1 per UTF-8 byte of its text, charged when the
  request is accepted (regular credits first, then permanent ones); a failed job is not
  refunded (the documentation says nothing of refunds);
* rate limit (the kit's ``rate_limits``, one bucket ``"all"``): ``rate_limit`` requests per
  window of ``rate_window`` seconds (the window starts with its first request and ends on a
  whole Unix second). Every response carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``
  and ``X-RateLimit-Reset`` (the Unix time, in whole seconds, when the window resets, as the
  documentation says; no ``Retry-After``); a request over the limit is answered 429
  ``RATE_LIMITED`` and listed in ``throttled``. Unix times are the clock's ``wall()``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import urllib.parse
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from voicekit_core.audio import AudioSource, media_duration, sniff_format
from voicekit_core.testing.emulator import (
    ASGIApp,
    Emulator,
    RateLimit,
    Scope,
    TimedStatus,
    iso,
    json_error,
)
from voicekit_core.testing.media import audio_bytes, mp3_bytes

__all__ = ["SYSTEM_VOICES", "BeautyfaceEmulator"]

CLONE_COST = 1000
MAX_TEXT_BYTES = 5000
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_DESCRIPTION_CHARS = 500
FORMATS = {"mp3": "audio/mpeg", "wav": "audio/wav", "opus": "audio/ogg", "pcm": "audio/pcm"}
CLONE_FORMATS = ("mp3", "wav", "webm")
CLONE_CONTENT_TYPES = ("audio/mpeg", "audio/mp3", "audio/wav", "audio/x-wav", "audio/wave",
                       "audio/vnd.wave", "audio/webm", "video/webm")
STATUSES = ("PROCESSING", "COMPLETED", "FAILED")
TYPES = ("USER", "SYSTEM")
SORT_KEYS = ("createdAt", "updatedAt", "title", "duration", "popularity")
SAMPLE_RATE = 16000
MEDIA_HOSTS = ("storage", "api", "api-private")
MEDIA_PREFIX = "/uploads/"
#: seconds of speech per character of text, and the longest audio made
SECONDS_PER_CHAR = 0.06
MAX_AUDIO_SECONDS = 10.0
CLONE_FAILED = "Voice cloning failed: no clear speech found"
SPEECH_FAILED = "Speech generation failed"

SYSTEM_VOICES: tuple[dict[str, Any], ...] = (
    {"title": "Aria", "description": "Warm, clear narration", "tags": ["female", "en"],
     "popularity": 980, "duration": 31.5},
    {"title": "Ben", "description": "Calm British storyteller", "tags": ["male", "en-GB"],
     "popularity": 640, "duration": 28.0},
    {"title": "Mei", "description": "Bright Mandarin voice", "tags": ["female", "zh"],
     "popularity": 870, "duration": 25.2},
    {"title": "Lucía", "description": "Friendly Spanish voice", "tags": ["female", "es"],
     "popularity": 410, "duration": 33.1},
    {"title": "Klaus", "description": "Deep German announcer", "tags": ["male", "de"],
     "popularity": 220, "duration": 29.9},
)


class BeautyfaceEmulator(Emulator):
    """The Voice Clone & Text-to-Speech API on 127.0.0.1.

    Args:
        tts_seconds: seconds (emulator clock) a speech stays PROCESSING; 0 finishes it
            at once (still PROCESSING in the POST answer, COMPLETED at the first look),
            for CLI runs on the real clock.
        clone_seconds: seconds a cloned voice stays PROCESSING (0: at once).
        fail_clones / fail_speeches: every new voice / speech ends FAILED (for the next
            few only: ``fail_next("clone", n)`` / ``fail_next("speech", n)``).
        rate_limit, rate_window: requests allowed per window, and its length in seconds.
        permanent_credits: the part of the credits that is permanent (spent last).
        media_host: where ``audioUrl`` points: ``"storage"`` (default: the storage
            origin, signed links, credentials refused), ``"api"`` (the API host itself,
            under ``/uploads/``, public) or ``"api-private"`` (the same, but only with the
            API key), for deployments that serve their files themselves.
        clock, credits, port: as for :class:`~voicekit_core.testing.emulator.Emulator`.
    """

    provider = "beautyface"
    credentials: ClassVar[Mapping[str, str]] = {"api_key": "bf-emu-key-5d7e91c3a2"}
    base_path = "/api/v1"
    initial_credits = 100_000
    rate_headers_always = True
    rate_window_whole_seconds = True
    rate_retry_after = False

    def __init__(self, *, tts_seconds: float = 6.0, clone_seconds: float = 30.0,
                 fail_clones: bool = False, fail_speeches: bool = False,
                 rate_limit: int = 120, rate_window: int = 60,
                 permanent_credits: float = 2000, media_host: str = "storage",
                 **kwargs: Any) -> None:
        if media_host not in MEDIA_HOSTS:
            raise ValueError(f"media_host must be one of {', '.join(MEDIA_HOSTS)}")
        self.rate_limits = {"all": RateLimit(rate_limit, rate_window)}
        self.media_host = media_host
        self.media: dict[str, tuple[bytes, str]] = {}  # files served under /uploads/
        self.tts_seconds = float(tts_seconds)
        self.clone_seconds = float(clone_seconds)
        self.fail_clones = fail_clones
        self.fail_speeches = fail_speeches
        self.permanent_credits = float(permanent_credits)
        self.voices: dict[str, dict[str, Any]] = {}
        self.speeches: dict[str, dict[str, Any]] = {}
        self.clone_uploads: list[dict[str, Any]] = []  # what each POST /voice-clone got
        self._seq = itertools.count(1)
        super().__init__(**kwargs)
        self._seed()

    # -- control -----------------------------------------------------------------------

    def add_voice(self, title: str, *, type: str = "SYSTEM", status: str = "COMPLETED",
                  age: float = 3600.0, tags: Iterable[str] = (), popularity: int = 0,
                  duration: float = 30.0, description: str | None = None,
                  is_public: bool | None = None) -> str:
        """Add a voice created ``age`` seconds ago (emulator clock); return its id."""
        if type not in TYPES or status not in STATUSES:
            raise ValueError("bad type or status")
        now = self.clock.now()
        voice_id = self._new_id()
        self.voices[voice_id] = {
            "id": voice_id, "title": title, "description": description, "coverImage": None,
            "duration": duration, "type": type,
            "isPublic": type == "SYSTEM" if is_public is None else is_public,
            "popularity": popularity, "tags": list(tags), "usageCount": 0,
            "_created": now - age, "_job": TimedStatus((), final=status, start=now - age),
            "_seq": next(self._seq), "_audio_url": None, "_audio": None,
        }
        return voice_id

    def voice_status(self, voice_id: str) -> str:
        """The voice's status now (emulator clock)."""
        return self.voices[voice_id]["_job"].status(self.clock.now())

    def speech_status(self, speech_id: str) -> str:
        """The speech's status now (emulator clock)."""
        return self.speeches[speech_id]["_job"].status(self.clock.now())

    def throttle_bucket(self, method: str, path: str) -> str | None:
        return None if path.startswith(MEDIA_PREFIX) else "all"  # files are not counted

    @property
    def breakdown(self) -> dict[str, int]:
        """Credits left as {regular, permanent} (regular ones are spent first)."""
        total = max(0.0, self.ledger.balance)
        permanent = min(self.permanent_credits, total)
        return {"regular": int(total - permanent), "permanent": int(permanent)}

    # -- the Emulator contract -----------------------------------------------------------

    def authorized(self, headers: Mapping[str, str]) -> bool:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and token.strip() == self.credentials["api_key"]

    def refuse(self, scope: Scope, headers: Mapping[str, str]) -> ASGIApp | None:
        if str(scope.get("path", "")).startswith(MEDIA_PREFIX):  # files, not the API
            if self.media_host == "api-private" and not self.authorized(headers):
                return _error(401, "UNAUTHORIZED", "Authentication required")
            return None
        if not headers.get("authorization", "").strip():
            return _error(401, "UNAUTHORIZED", "Authentication required")
        if not self.authorized(headers):
            return _error(401, "UNAUTHORIZED", "Invalid API key")
        return None

    def error_response(self, kind: str) -> Response:
        if kind == "unauthorized":
            return _error(401, "UNAUTHORIZED", "Authentication required")
        if kind == "not_found":
            return _error(404, "NOT_FOUND", "Resource not found")
        if kind == "invalid":
            return _error(400, "INVALID_PARAMETERS", "One or more parameters are invalid")
        if kind == "insufficient_credits":
            credits = int(self.ledger.balance)
            return self._no_credits(max(CLONE_COST, credits + 1))
        if kind == "rate_limited":
            reset = self.rate_limit_headers("all")["X-RateLimit-Reset"]
            return _error(429, "RATE_LIMITED", "Rate limit exceeded", headers={
                "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})
        return _error(500, "INTERNAL_ERROR", "Internal server error")

    def routes(self) -> Iterable[BaseRoute]:
        return [
            Route("/api/v1/voice-clone", self.voice_clone, methods=["POST"]),
            Route("/api/v1/voices", self.list_voices, methods=["GET"]),
            Route("/api/v1/tts", self.tts, methods=["POST"]),
            Route("/api/v1/tts/{speech_id}", self.get_speech, methods=["GET"]),
            Route("/api/v1/credits", self.credits, methods=["GET"]),
            Route(MEDIA_PREFIX + "{key:path}", self.media_file, methods=["GET"]),
        ]

    def publish(self, key: str, data: bytes, content_type: str) -> str:
        """Serve a file where ``media_host`` says; return its URL."""
        if self.media_host == "storage":
            return self.storage.publish(key, data, content_type)
        self.media[key] = (data, content_type)
        return self.url.removesuffix(self.base_path) + MEDIA_PREFIX + key

    async def media_file(self, request: Request) -> Response:
        found = self.media.get(request.path_params["key"])
        if found is None:
            return _error(404, "NOT_FOUND", "File not found")
        data, ctype = found
        return Response(data, media_type=ctype)

    # -- voices ------------------------------------------------------------------------

    async def list_voices(self, request: Request) -> Response:
        query = request.query_params
        try:
            page = _int_param(query.get("page"), "page", 1, 1, None)
            limit = _int_param(query.get("limit"), "limit", 20, 1, 100)
            status = _enum_param(query.get("status"), "status", STATUSES)
            vtype = _enum_param(query.get("type"), "type", TYPES)
            sort_by = _enum_param(query.get("sortBy"), "sortBy", SORT_KEYS) or "createdAt"
            order = _enum_param(query.get("sortOrder"), "sortOrder", ("asc", "desc")) \
                or "desc"
        except ValueError as exc:
            return _error(400, "INVALID_PARAMETERS", str(exc))
        views = [self._voice_view(v) for v in list(self.voices.values())
                 if v["type"] == "USER" or v["isPublic"]]
        views = [v for v in views if (status is None or v["status"] == status)
                 and (vtype is None or v["type"] == vtype)]
        seqs = {v["id"]: self.voices[v["id"]]["_seq"] for v in views}
        views.sort(key=lambda v: (_sort_value(v, sort_by), seqs[v["id"]]),
                   reverse=order == "desc")
        total = len(views)
        pages = math.ceil(total / limit)
        chunk = views[(page - 1) * limit: page * limit]
        return JSONResponse({"success": True, "voices": chunk, "pagination": {
            "page": page, "limit": limit, "total": total, "totalPages": pages,
            "hasNext": page < pages, "hasPrev": page > 1}})

    async def voice_clone(self, request: Request) -> Response:
        try:
            form = await request.form()
        except Exception:
            return _error(400, "INVALID_PARAMETERS", "Expected multipart/form-data")
        try:
            upload = form.get("voice")
            if not isinstance(upload, UploadFile):
                return _error(400, "INVALID_PARAMETERS", "Voice file is required")
            data = await upload.read()
            fields = {k: form.get(k) for k in ("title", "description", "coverImage", "tags")}
            filename, ctype = upload.filename, upload.content_type
        finally:
            await form.close()
        fmt = sniff_format(data[:64])
        if fmt not in CLONE_FORMATS and (ctype or "").lower() not in CLONE_CONTENT_TYPES:
            return _error(400, "INVALID_PARAMETERS",
                          "Invalid file type. Supported formats: MP3, WAV, WebM")
        if len(data) > MAX_FILE_BYTES:
            return _error(400, "INVALID_PARAMETERS", "File size exceeds 20MB limit")
        strings = {k: v for k, v in fields.items() if isinstance(v, str)}
        description = strings.get("description")
        if description is not None and len(description) > MAX_DESCRIPTION_CHARS:
            return _error(400, "INVALID_PARAMETERS",
                          "Description exceeds maximum length of 500 characters")
        cover = strings.get("coverImage") or None
        if cover is not None and urllib.parse.urlsplit(cover).scheme not in ("http", "https"):
            return _error(400, "INVALID_PARAMETERS", "coverImage must be a valid URL")
        tags = _parse_tags(strings.get("tags"))
        if tags is None:
            return _error(400, "INVALID_PARAMETERS",
                          "Tags must be a JSON array or a comma-separated string")
        if not self.ledger.charge(CLONE_COST, "voice-clone"):
            return self._no_credits(CLONE_COST)
        self.clone_uploads.append({"filename": filename, "content_type": ctype,
                                   "size": len(data), **strings})
        fail = self.take_failure("clone", CLONE_FAILED) or (
            "Voice cloning failed" if self.fail_clones else None)
        title = (strings.get("title") or "").strip() or f"Voice Clone {len(self.voices) + 1}"
        voice_id = self._new_id()
        now = self.clock.now()
        voice = {
            "id": voice_id, "title": title, "description": description or None,
            "coverImage": cover, "duration": _duration(data), "type": "USER",
            "isPublic": False, "popularity": 0, "tags": tags, "usageCount": 0,
            "_created": now, "_job": self._job(self.clone_seconds, fail),
            "_seq": next(self._seq), "_audio": (data, fmt or "mp3"),
            "_audio_url": None,
        }
        self.voices[voice_id] = voice
        view = self._voice_view(voice)
        clone_view = {k: view[k] for k in ("id", "title", "description", "coverImage",
                                           "audioUrl", "duration", "tags", "createdAt")}
        return JSONResponse({"success": True, "voiceId": voice_id, "voice": clone_view})

    def _voice_view(self, voice: dict[str, Any]) -> dict[str, Any]:
        job: TimedStatus = voice["_job"]
        status = job.status(self.clock.now())
        updated = job.ends_at if job.done(self.clock.now()) else voice["_created"]
        return {
            "id": voice["id"], "title": voice["title"], "description": voice["description"],
            "coverImage": voice["coverImage"], "audioUrl": self._voice_audio(voice),
            "duration": voice["duration"], "status": status, "type": voice["type"],
            "isPublic": voice["isPublic"], "popularity": voice["popularity"],
            "tags": list(voice["tags"]), "usageCount": voice["usageCount"],
            "createdAt": self.iso(voice["_created"]), "updatedAt": self.iso(updated),
        }

    def _voice_audio(self, voice: dict[str, Any]) -> str:
        if voice["_audio_url"] is None:
            data, fmt = voice["_audio"] or (mp3_bytes(1.0), "mp3")
            ctype = {"wav": "audio/wav", "webm": "audio/webm"}.get(fmt, "audio/mpeg")
            voice["_audio_url"] = self.publish(f"voices/{voice['id']}.{fmt}", data, ctype)
            voice["_audio"] = None
        return str(voice["_audio_url"])

    # -- speech ------------------------------------------------------------------------

    async def tts(self, request: Request) -> Response:
        body = await self.json_body(request)
        if not isinstance(body, dict):
            return _error(400, "INVALID_PARAMETERS", "Request body must be JSON")
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return _error(400, "INVALID_PARAMETERS", "Text is required")
        size = len(text.encode("utf-8", errors="surrogatepass"))
        if size > MAX_TEXT_BYTES:
            return _error(400, "INVALID_PARAMETERS",
                          f"Text exceeds maximum length of {MAX_TEXT_BYTES} bytes")
        voice_id = body.get("voiceId")
        if not isinstance(voice_id, str) or not voice_id:
            return _error(400, "INVALID_PARAMETERS", "voiceId is required")
        fmt = body.get("format", "mp3")
        if fmt not in FORMATS:
            return _error(400, "INVALID_PARAMETERS",
                          "Invalid format. Supported formats: mp3, wav, opus, pcm")
        voice = self.voices.get(voice_id)
        if voice is None or self.voice_status(voice_id) != "COMPLETED" \
                or (voice["type"] == "SYSTEM" and not voice["isPublic"]):
            return _error(404, "NOT_FOUND", "Voice not found or not available")
        if not self.ledger.charge(size, "tts"):
            return self._no_credits(size)
        voice["usageCount"] += 1
        fail = self.take_failure("speech", SPEECH_FAILED) or (
            SPEECH_FAILED if self.fail_speeches else None)
        now = self.clock.now()
        speech_id = self._new_id()
        self.speeches[speech_id] = {
            "id": speech_id, "text": text, "format": fmt, "voiceId": voice_id,
            "creditsUsed": size, "_created": now, "_job": self._job(self.tts_seconds, fail),
            "_audio_url": None, "_duration": None,
        }
        return JSONResponse({"success": True, "speechId": speech_id, "creditsUsed": size,
                             "speech": {"id": speech_id, "text": text, "format": fmt,
                                        "status": "PROCESSING", "creditsUsed": size,
                                        "createdAt": self.iso(now)}})

    async def get_speech(self, request: Request) -> Response:
        speech = self.speeches.get(request.path_params["speech_id"])
        if speech is None:
            return _error(404, "NOT_FOUND", "Speech not found or access denied")
        job: TimedStatus = speech["_job"]
        status = job.status(self.clock.now())
        audio_url = duration = None
        updated = job.ends_at if job.done(self.clock.now()) else speech["_created"]
        if status == "COMPLETED":
            audio_url, duration = self._speech_audio(speech)
        voice = self.voices.get(speech["voiceId"], {})
        return JSONResponse({"success": True, "speech": {
            "id": speech["id"], "text": speech["text"], "audioUrl": audio_url,
            "format": speech["format"], "duration": duration, "status": status,
            "creditsUsed": speech["creditsUsed"], "createdAt": self.iso(speech["_created"]),
            "updatedAt": self.iso(updated),
            "voice": {"id": speech["voiceId"], "title": voice.get("title"),
                      "coverImage": voice.get("coverImage"), "type": voice.get("type")},
        }})

    def _speech_audio(self, speech: dict[str, Any]) -> tuple[str, float]:
        if speech["_audio_url"] is None:
            seconds = round(min(MAX_AUDIO_SECONDS,
                                max(0.5, len(speech["text"]) * SECONDS_PER_CHAR)), 3)
            fmt = speech["format"]
            speech["_audio_url"] = self.publish(
                f"speeches/{speech['id']}.{fmt}",
                audio_bytes(fmt, seconds, sample_rate=SAMPLE_RATE), FORMATS[fmt])
            speech["_duration"] = seconds
        return str(speech["_audio_url"]), float(speech["_duration"])

    # -- credits -----------------------------------------------------------------------

    async def credits(self, request: Request) -> Response:
        split = self.breakdown
        when = dt.datetime.fromtimestamp(self.wall(), tz=dt.timezone.utc)
        month = dt.datetime(when.year + when.month // 12, when.month % 12 + 1, 1,
                            tzinfo=dt.timezone.utc)
        return JSONResponse({"success": True, "credits": split["regular"] + split["permanent"],
                             "breakdown": {**split, "resetAt": iso(month.timestamp())}})

    def _no_credits(self, need: float) -> Response:
        return json_error(429, {"error": "Insufficient credits", "code": "USAGE_LIMIT_EXCEEDED",
                                "credits": int(self.ledger.balance), "needCredits": int(need)})

    # -- helpers -----------------------------------------------------------------------

    def _seed(self) -> None:
        for i, spec in enumerate(SYSTEM_VOICES):
            self.add_voice(spec["title"], description=spec["description"],
                           tags=spec["tags"], popularity=spec["popularity"],
                           duration=spec["duration"], age=86400.0 * (60 - i))
        self.add_voice("My Voice Clone", type="USER", description="A custom voice",
                       tags=["male", "young"], duration=125.3, age=86400.0 * 3)

    def _new_id(self) -> str:
        return "cl" + uuid.uuid4().hex[:22]

    def _job(self, seconds: float, fail: str | None) -> TimedStatus:
        return self.timeline([("PROCESSING", seconds)], final="COMPLETED",
                             fail="FAILED" if fail else None, error=fail)


def _error(status: int, code: str, message: str,
           headers: Mapping[str, str] | None = None) -> JSONResponse:
    return json_error(status, {"code": code, "error": message}, headers)


def _int_param(value: str | None, name: str, default: int, low: int, high: int | None
               ) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"Invalid {name}: must be an integer") from None
    if number < low or (high is not None and number > high):
        span = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValueError(f"Invalid {name}: must be {span}")
    return number


def _enum_param(value: str | None, name: str, allowed: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if value not in allowed:
        raise ValueError(f"Invalid {name}: must be one of {', '.join(allowed)}")
    return value


def _sort_value(view: Mapping[str, Any], key: str) -> Any:
    value = view.get(key)
    if key == "title":
        return str(value or "").lower()
    if key in ("duration", "popularity"):
        return float(value or 0)
    return str(value or "")  # ISO times sort as text


def _parse_tags(value: str | None) -> list[str] | None:
    if value is None or not value.strip():
        return []
    text = value.strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            return None
        if not isinstance(parsed, list) or not all(isinstance(t, str) for t in parsed):
            return None
        return [t.strip() for t in parsed if t.strip()]
    return [t.strip() for t in text.split(",") if t.strip()]


def _duration(data: bytes) -> float | None:
    try:
        seconds = media_duration(AudioSource.from_input(data))
    except Exception:
        return None
    return round(seconds, 1) if seconds else None
