"""VoiceDubEmulator: VoiceDub's API as its OpenAPI 3.1 spec documents it, on loopback.

Every path of the spec, with its statuses and error codes (``{code, message}`` bodies):
dubs (create -> presigned upload on the storage origin -> preprocess -> generate -> done,
with ``dubUrl`` served by the storage origin), voice training (create with presigned URLs
-> clone -> done), the public catalogue (filters, cursor paging), and the account's API
credits. Statuses advance on the emulator's clock; ``instant=True`` makes every stage
finish at once (for runs on the real clock, such as CLI tests).

Choices where the vendor's documents are silent (documented in docs/providers/voicedub.md):
``requiredCredits`` is ``ceil(10 * input minutes)``; a link's
input lasts ``link_duration`` seconds; the dub result is the uploaded file echoed back (a
short MP3 for links); a preprocess that finds no upload, unreadable audio or more than 30
minutes ends in status ``error``; rate limits are 10,000 reads and 500 writes per minute.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from voicekit_core.audio import AudioSource, media_duration
from voicekit_core.errors import VoicekitError
from voicekit_core.testing.emulator import (
    Emulator,
    Exchange,
    RateLimit,
    TimedStatus,
    json_error,
)
from voicekit_core.testing.media import mp3_bytes

__all__ = ["Exchange", "VoiceDubEmulator"]

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}$")
_NAMESPACE = uuid.UUID("6f1c2d0e-3b7a-4c55-9e2f-0d8a1b2c3d4e")

LANGUAGES = ("english", "spanish", "korean", "japanese", "french", "russian", "thai")
GENRES = ("pop", "rap", "rock", "country", "rnb", "alternative", "jazz")
STYLES = ("singing", "rapping", "speaking", "character", "other")
MAX_DUB_MS = 30 * 60 * 1000
#: stage boundaries of generation / training, as fractions of its duration
_STAGES = (("queued", 0.0), ("starting", 0.1), ("processing", 0.2), ("finalizing", 0.9))


class VoiceDubEmulator(Emulator):
    """VoiceDub on 127.0.0.1 (see the module docstring).

    Args:
        instant: every preprocess, generation and training finishes at once.
        preprocess_seconds / generate_seconds / train_seconds: stage durations on the
            emulator clock (ignored when ``instant``).
        link_duration: the input length, in seconds, of dubs made from a link.
        clock, credits, port: as for :class:`~voicekit_core.testing.emulator.Emulator`.

    Attributes (besides the base class's):
        dubs, voices: the account's dubs and trained voices, by id (vendor field names).
        public_voices: the catalogue.
        exchanges: every API answer (:class:`Exchange`), for contract checks.
        fail_dubs / fail_voices: make generations / trainings end in status ``error``
            (the next few only: ``fail_next("dub", n)`` / ``fail_next("voice", n)``).
        rate_limits: the kit's, 10,000 reads and 500 writes per minute.
    """

    provider = "voicedub"
    credentials: ClassVar[Mapping[str, str]] = {"api_key": "vd-test-key-3c9e51"}
    initial_credits: ClassVar[float] = 10_000
    rate_limits: ClassVar[Mapping[str, RateLimit]] = {"read": RateLimit(10_000, 60),
                                                      "write": RateLimit(500, 60)}
    record_exchanges = True

    def __init__(self, *, instant: bool = False, preprocess_seconds: float = 10.0,
                 generate_seconds: float = 30.0, train_seconds: float = 60.0,
                 link_duration: float = 180.0, **kwargs: Any) -> None:
        self.instant = instant
        self.preprocess_seconds = 0.0 if instant else preprocess_seconds
        self.generate_seconds = 0.0 if instant else generate_seconds
        self.train_seconds = 0.0 if instant else train_seconds
        self.link_duration = link_duration
        self.dubs: dict[str, dict[str, Any]] = {}
        self.voices: dict[str, dict[str, Any]] = {}
        self.public_voices: list[dict[str, Any]] = []
        self.fail_dubs = False
        self.fail_voices = False
        super().__init__(**kwargs)
        self._epoch = self.clock.now()

    # -- lifecycle and seed data --------------------------------------------------------

    def start(self) -> VoiceDubEmulator:
        super().start()
        if not self.public_voices:
            self._seed()
        return self

    def _seed(self) -> None:
        adjectives = ("Velvet", "Midnight", "Golden", "Electric", "Quiet", "Neon", "Crystal",
                      "Rusty", "Silver", "Wild")
        nouns = ("Echo", "Harbor", "Comet", "Lantern", "Falcon", "Meadow")
        for i in range(len(adjectives) * len(nouns)):
            name = f"{adjectives[i % 10]} {nouns[i // 10]}"
            vid = str(uuid.uuid5(_NAMESPACE, name))
            fmt = "gif" if i % 7 == 0 else "webp"
            avatar = self.storage.publish(f"voices/{vid}.{fmt}", b"RIFF\0\0\0\0WEBP",
                                          f"image/{fmt}")
            self.public_voices.append({
                "id": vid, "name": name,
                "languages": [LANGUAGES[i % 7]] + ([LANGUAGES[(i + 3) % 7]] if i % 3 == 0
                                                   else []),
                "genres": [GENRES[i % 7], GENRES[(i * 3 + 1) % 7]][: 1 + i % 2],
                "styles": [STYLES[i % 5]],
                "avatarFormat": fmt,
                "createdAt": self.iso(self._epoch), "updatedAt": self.iso(self._epoch),
                "avatarUrl": avatar,
            })
        demo = self._new_voice("Studio Demo Voice", max_minutes=10, separate=True, files=1)
        demo.update(status="done", apiCreditsUsed=100, apiCreditsLeft=int(self.ledger.balance),
                    completed=self.clock.now())
        self.demo_voice_id: str = demo["id"]

    # -- the emulator contract ------------------------------------------------------------

    def authorized(self, headers: Mapping[str, str]) -> bool:
        return headers.get("authorization") == f"Api-Key {self.credentials['api_key']}"

    def error_response(self, kind: str) -> Response:
        status, code, message = {
            "unauthorized": (401, "unauthorized", "Invalid or missing API key"),
            "not_found": (404, "not_found", "Not found"),
            "insufficient_credits": (403, "not_enough_credits", "Not enough API credits"),
            "rate_limited": (429, "rate_limited", "Too many requests"),
            "invalid": (400, "invalid_arguments", "Invalid arguments"),
        }.get(kind, (500, "internal_server_error", "Internal server error"))
        headers = {"Retry-After": "1"} if status == 429 else {}
        return json_error(status, {"code": code, "message": message}, headers)

    def routes(self) -> Iterable[BaseRoute]:
        return [
            Route("/v1/me/dubs/{dubId}", self.get_dub, methods=["GET"]),
            Route("/v1/me/dubs", self.create_dub, methods=["POST"]),
            Route("/v1/me/dubs/{dubId}/preprocess", self.preprocess_dub, methods=["POST"]),
            Route("/v1/me/dubs/{dubId}/generate", self.generate_dub, methods=["POST"]),
            Route("/v1/me/voices/{voiceId}", self.get_voice, methods=["GET"]),
            Route("/v1/voices", self.list_public_voices, methods=["GET"]),
            Route("/v1/me/voices", self.create_voice, methods=["POST"]),
            Route("/v1/me/voices/{voiceId}/clone", self.clone_voice, methods=["POST"]),
            Route("/v1/me", self.get_me, methods=["GET"]),
        ]

    # -- helpers ------------------------------------------------------------------------

    @staticmethod
    def _error(status: int, code: str, message: str) -> Response:
        return json_error(status, {"code": code, "message": message})

    def _invalid(self, message: str) -> Response:
        return self._error(400, "invalid_arguments", message)

    # -- dubs ---------------------------------------------------------------------------

    def _dub_json(self, d: dict[str, Any]) -> dict[str, Any]:
        self._advance_dub(d)
        return {
            "id": d["id"], "voiceId": d["voiceId"], "link": d["link"],
            "separate": d["separate"], "status": d["status"],
            "inputDuration": d["inputDuration"], "inputSource": d["inputSource"],
            "pitchShift": d["pitchShift"], "errorCode": d["errorCode"],
            "errorMessage": d["errorMessage"], "apiCreditsUsed": d["apiCreditsUsed"],
            "apiCreditsLeft": d["apiCreditsLeft"],
            "completedAt": None if d["completed"] is None else self.iso(d["completed"]),
            "createdAt": self.iso(d["created"]), "updatedAt": self.iso(d["updated"]),
            "dubUrl": d["dubUrl"], "requiredCredits": d["requiredCredits"],
        }

    def _fail(self, d: dict[str, Any], at: float, code: str, message: str) -> None:
        d.update(status="error", errorCode=code, errorMessage=message, completed=at,
                 updated=at)

    def _advance_dub(self, d: dict[str, Any]) -> None:
        now = self.clock.now()
        if d["status"] == "preprocessing":
            at = d["preprocess_started"] + self.preprocess_seconds
            if now >= at:
                self._finish_preprocess(d, at)
        job: TimedStatus | None = d["job"]
        if job is not None and d["status"] not in ("done", "error"):
            if not job.done(now):
                self._stage(d, job, now)
            elif job.fail:
                self._fail(d, job.ends_at, "generation_failed", "The dub could not be generated")
            else:
                d["dubUrl"] = self._publish_dub(d)
                d.update(status="done", completed=job.ends_at, updated=job.ends_at)

    @staticmethod
    def _stage(item: dict[str, Any], job: TimedStatus, now: float) -> None:
        if job.status(now) != item["status"]:
            item.update(status=job.status(now), updated=job.stage_started(now))

    def _job(self, kind: str, seconds: float, fail: bool) -> TimedStatus:
        failed = self.take_failure(kind) is not None or fail
        return TimedStatus.spread(_STAGES, seconds, final="done", start=self.clock.now(),
                                  fail="error" if failed else None)

    def _finish_preprocess(self, d: dict[str, Any], at: float) -> None:
        if d["inputSource"] == "link":
            seconds: float | None = self.link_duration
        else:
            data = self.storage.uploads.get(d["upload_key"])
            if data is None:
                self._fail(d, at, "input_not_found", "No file was uploaded for this dub")
                return
            try:
                seconds = media_duration(AudioSource.from_input(data))
            except VoicekitError:
                seconds = None
        if not seconds:
            self._fail(d, at, "invalid_input", "The input is not readable audio")
            return
        ms = round(seconds * 1000)
        if ms > MAX_DUB_MS:
            self._fail(d, at, "input_too_long", "Dubs are limited to 30 minutes")
            return
        d.update(status="preprocessed", inputDuration=ms,
                 requiredCredits=math.ceil(10 * ms / 60_000), updated=at)

    def _publish_dub(self, d: dict[str, Any]) -> str:
        if d["inputSource"] == "upload":
            data = self.storage.uploads[d["upload_key"]]
            source = AudioSource.from_input(data[:4096])
            ext = source.format or "mp3"
            ctype = source.content_type
        else:
            data, ext, ctype = mp3_bytes(2.0), "mp3", "audio/mpeg"
        return self.storage.publish(f"dubs/{d['id']}.{ext}", data, ctype)

    def _find_dub(self, request: Request) -> dict[str, Any] | None:
        return self.dubs.get(request.path_params["dubId"])

    def _dub_not_found(self) -> Response:
        return self._error(404, "not_found", "Dub not found")

    async def get_dub(self, request: Request) -> Response:
        d = self._find_dub(request)
        if d is None:
            return self._dub_not_found()
        return JSONResponse({"dub": self._dub_json(d)})

    async def create_dub(self, request: Request) -> Response:
        body = await self.json_body(request)
        if not isinstance(body, dict):
            return self._invalid("The request body must be a JSON object")
        voice_id = body.get("voiceId")
        link = body.get("link")
        pitch = body.get("pitchShift", 0)
        separate = body.get("separate", True)
        if not isinstance(voice_id, str) or not _UUID.match(voice_id):
            return self._invalid("voiceId must be a UUID")
        if link is not None and (not isinstance(link, str)
                                 or not re.match(r"^https?://\S+$", link)):
            return self._invalid("link must be a URL")
        if isinstance(pitch, bool) or not isinstance(pitch, int) or not -24 <= pitch <= 24:
            return self._invalid("pitchShift must be an integer from -24 to 24")
        if not isinstance(separate, bool):
            return self._invalid("separate must be a boolean")
        usable = any(v["id"] == voice_id for v in self.public_voices) or (
            voice_id in self.voices and self.voices[voice_id]["status"] == "done")
        if not usable:
            return self._error(400, "voice_not_found", "Voice not found or not accessible")
        dub_id = str(uuid.uuid4())
        now = self.clock.now()
        key = f"uploads/{dub_id}"
        d: dict[str, Any] = {
            "id": dub_id, "voiceId": voice_id, "link": link, "separate": separate,
            "status": "new", "inputDuration": None,
            "inputSource": "link" if link else "upload", "pitchShift": pitch,
            "errorCode": None, "errorMessage": None, "apiCreditsUsed": 0,
            "apiCreditsLeft": None, "completed": None, "created": now, "updated": now,
            "dubUrl": None, "requiredCredits": None, "upload_key": key,
            "preprocess_started": None, "job": None,
        }
        self.dubs[dub_id] = d
        upload_url = None if link else self.storage.presign_upload(key)
        return JSONResponse({"dub": self._dub_json(d), "uploadUrl": upload_url})

    async def preprocess_dub(self, request: Request) -> Response:
        d = self._find_dub(request)
        if d is None:
            return self._dub_not_found()
        self._advance_dub(d)
        if d["status"] != "new":
            return self._error(400, "dub_is_not_new", "Dub is not new")
        now = self.clock.now()
        d.update(status="preprocessing", preprocess_started=now, updated=now)
        return JSONResponse({"dub": self._dub_json(d)})

    async def generate_dub(self, request: Request) -> Response:
        d = self._find_dub(request)
        if d is None:
            return self._dub_not_found()
        self._advance_dub(d)
        if d["status"] != "preprocessed":
            return self._error(400, "dub_is_not_in_preprocessed_state",
                               "Dub must be in preprocessed state before generating")
        cost = d["requiredCredits"]
        if not self.ledger.charge(cost, f"dub {d['id']}"):
            return self._error(403, "not_enough_credits",
                               f"This dub needs {cost} API credits; you have "
                               f"{int(self.ledger.balance)}")
        now = self.clock.now()
        d.update(status="queued", updated=now, apiCreditsUsed=cost,
                 apiCreditsLeft=int(self.ledger.balance),
                 job=self._job("dub", self.generate_seconds, self.fail_dubs))
        return JSONResponse({"dub": self._dub_json(d)})

    # -- trained voices -----------------------------------------------------------------

    def _new_voice(self, name: str, *, max_minutes: int, separate: bool, files: int
                   ) -> dict[str, Any]:
        vid = str(uuid.uuid4())
        now = self.clock.now()
        v: dict[str, Any] = {
            "id": vid, "name": name, "status": "new", "separate": separate,
            "maxMinutes": max_minutes, "errorCode": None, "errorMessage": None,
            "apiCreditsUsed": 0, "apiCreditsLeft": None, "completed": None,
            "created": now, "updated": now, "requiredCredits": 10 * max_minutes,
            "upload_keys": [f"models/{vid}/vocals/{vid}_{i}" for i in range(files)],
            "job": None,
        }
        self.voices[vid] = v
        return v

    def _voice_json(self, v: dict[str, Any]) -> dict[str, Any]:
        self._advance_voice(v)
        return {
            "id": v["id"], "name": v["name"], "status": v["status"],
            "separate": v["separate"], "maxMinutes": v["maxMinutes"],
            "errorCode": v["errorCode"], "errorMessage": v["errorMessage"],
            "apiCreditsUsed": v["apiCreditsUsed"], "apiCreditsLeft": v["apiCreditsLeft"],
            "completedAt": None if v["completed"] is None else self.iso(v["completed"]),
            "createdAt": self.iso(v["created"]), "updatedAt": self.iso(v["updated"]),
            "requiredCredits": v["requiredCredits"],
        }

    def _advance_voice(self, v: dict[str, Any]) -> None:
        job: TimedStatus | None = v["job"]
        if job is None or v["status"] in ("done", "error"):
            return
        now = self.clock.now()
        if not job.done(now):
            self._stage(v, job, now)
        elif job.fail:
            self._fail(v, job.ends_at, "training_failed", "The voice could not be trained")
        else:
            v.update(status="done", completed=job.ends_at, updated=job.ends_at)

    def _find_voice(self, request: Request) -> dict[str, Any] | None:
        return self.voices.get(request.path_params["voiceId"])

    def _voice_not_found(self) -> Response:
        return self._error(404, "not_found", "Voice not found")

    async def get_voice(self, request: Request) -> Response:
        v = self._find_voice(request)
        if v is None:
            return self._voice_not_found()
        return JSONResponse({"voice": self._voice_json(v)})

    async def create_voice(self, request: Request) -> Response:
        body = await self.json_body(request)
        if not isinstance(body, dict):
            return self._invalid("The request body must be a JSON object")
        name = body.get("name")
        files = body.get("numberOfFiles")
        minutes = body.get("maxMinutes", 10)
        separate = body.get("separate", True)
        if not isinstance(name, str) or not 1 <= len(name) <= 50:
            return self._invalid("name must be 1-50 characters")
        if isinstance(files, bool) or not isinstance(files, int) or not 1 <= files <= 5:
            return self._invalid("numberOfFiles must be an integer from 1 to 5")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 5 <= minutes <= 60:
            return self._invalid("maxMinutes must be an integer from 5 to 60")
        if not isinstance(separate, bool):
            return self._invalid("separate must be a boolean")
        v = self._new_voice(name, max_minutes=minutes, separate=separate, files=files)
        urls = [self.storage.presign_upload(key) for key in v["upload_keys"]]
        return JSONResponse({"voice": self._voice_json(v), "uploadUrls": urls})

    async def clone_voice(self, request: Request) -> Response:
        v = self._find_voice(request)
        if v is None:
            return self._voice_not_found()
        if v["status"] != "new":
            return self._error(400, "voice_is_not_new", "Voice is not new")
        missing = [k for k in v["upload_keys"] if k not in self.storage.uploads]
        if missing:
            return self._invalid(f"{len(missing)} of {len(v['upload_keys'])} training files "
                                 "have not been uploaded")
        cost = v["requiredCredits"]
        if not self.ledger.charge(cost, f"voice {v['id']}"):
            return self._error(403, "not_enough_credits",
                               f"Training this voice needs {cost} API credits; you have "
                               f"{int(self.ledger.balance)}")
        now = self.clock.now()
        v.update(status="queued", updated=now, apiCreditsUsed=cost,
                 apiCreditsLeft=int(self.ledger.balance),
                 job=self._job("voice", self.train_seconds, self.fail_voices))
        return JSONResponse({"voice": self._voice_json(v)})

    # -- catalogue and account ------------------------------------------------------------

    async def list_public_voices(self, request: Request) -> Response:
        query = request.query_params
        search = query.get("search")
        if search is not None and not 1 <= len(search) <= 50:
            return self._invalid("search must be 1-50 characters")
        wanted: dict[str, list[str]] = {}
        for name, allowed in (("genres", GENRES), ("languages", LANGUAGES),
                              ("styles", STYLES)):
            values = query.getlist(name) + query.getlist(name + "[]")
            bad = [x for x in values if x not in allowed]
            if bad:
                return self._invalid(f"{name} must be among {', '.join(allowed)}")
            wanted[name] = values
        try:
            limit = int(query.get("limit", "50"))
        except ValueError:
            return self._invalid("limit must be an integer from 8 to 50")
        if not 8 <= limit <= 50:
            return self._invalid("limit must be an integer from 8 to 50")
        matches = [
            v for v in self.public_voices
            if (search is None or search.lower() in v["name"].lower())
            and all(not values or set(values) & set(v[name])
                    for name, values in wanted.items())
        ]
        offset = 0
        cursor = query.get("cursor")
        if cursor:
            head, _, last_id = cursor.partition("_")
            if not head.isdigit() or not _UUID.match(last_id):
                return self._invalid("cursor is not valid")
            offset = int(head)
        page = matches[offset:offset + limit]
        end = offset + len(page)
        next_cursor = f"{end}_{page[-1]['id']}" if page and end < len(matches) else None
        return JSONResponse({"voices": page, "nextCursor": next_cursor})

    async def get_me(self, request: Request) -> Response:
        return JSONResponse({"user": {"apiCredits": int(self.ledger.balance)}})
