"""Gemelo's experimental video API (v2): talking videos of twin avatars (GenerateVideo).

``POST /v2/videos`` takes ``twin_id``, ``voice.voice_id``, ``audio`` (exactly one of
``text``, ``audio_url``, ``recording_id``) and ``consent``; ``GET /v2/videos/{id}/status``
is polled until its ``ready`` flag is true (first look after 10 s, then every 5 s backing
off to 10 s); the MP4 is ``GET /v3/files/video_{id}`` on the API origin, fetched with the
provider's keys (which never go to another host). Answer bodies, failure states and prices
are not documented: they are read tolerantly (``ready``/``status``/``state``, ``id`` or
``video_id``, a bare list or a listing envelope).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from voicekit_core import kit, validate
from voicekit_core.capabilities import check_video_request
from voicekit_core.errors import BadResponse, InvalidInput
from voicekit_core.models import Twin, Video, Voice

from . import video_schema as s
from .refs import parse_ref

if TYPE_CHECKING:
    from voicekit_core.provider import Provider as _Base
else:
    _Base = object

__all__ = ["VIDEO", "GemeloVideos", "VideoOptions"]

#: Video renders: the vendor gives no pace; a first look after 10 s, then every 5 s
#: backing off to every 10 s.
VIDEO = kit.JobKind[Video]("video", poll=kit.PollPolicy(
    first_delay=10.0, interval=5.0, backoff=1.25, max_interval=10.0),
    states=kit.StatusMap(pending={"queued", "pending", "created"},
                         running={"processing", "rendering", "in_progress"},
                         succeeded={"ready", "done", "completed", "complete"},
                         failed={"failed", "error", "errored", "cancelled", "canceled"}))


def _fields(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise InvalidInput(f"{field} must be a mapping of JSON field names to values",
                           field=field, limit="a mapping")
    return dict(value)


class VideoOptions(kit.Options):
    fields: Any = kit.opt.value(convert=_fields, limit="a mapping",
                                help="more JSON fields for POST /v2/videos (undocumented ones)")


def _number(value: Any, field: str) -> int:
    """A Gemelo numeric id (twin, voice, recording, video) from an int or digits."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{field} must be a gemelo id (an integer), got "
                           f"{validate.show(value)}", field=field, limit="an integer id")
    return value


class GemeloVideos(_Base):
    """The v2 video methods of :class:`~voicekit_gemelo.provider.GemeloProvider`."""

    @kit.operation(VideoOptions, script=kit.TextRules(field="script"))
    def generate_video(self, *, twin: str | int | Twin, script: str | None = None,
                       audio: str | int | None = None, voice: str | Voice | None = None,
                       consent: bool, opts: VideoOptions, call: kit.Call) -> kit.Job[Video]:
        """Render ``twin`` (an avatar of :meth:`list_twins`) saying ``script`` in ``voice``
        (a voice of :meth:`list_video_voices`, required with a script), or lip-syncing
        ``audio`` (an http(s) link, or a recording id). ``consent=True`` is required.
        Option ``fields``: more JSON fields for the request. Returns ``Job[Video]``."""
        check_video_request(script=script, audio=audio, consent=consent, provider=self.name)
        twin_id = _number(twin.id if isinstance(twin, Twin) else twin, "twin")
        body: dict[str, Any] = {**(opts.fields or {}), "twin_id": twin_id, "consent": True}
        if script is not None:
            if voice is None:
                raise InvalidInput("voice is required with a script (see list_video_voices())",
                                   field="voice", limit="a voice id")
            body["audio"] = {"text": script}
        elif isinstance(audio, str) and not audio.strip().isdigit():
            body["audio"] = {"audio_url": validate.url(audio, field="audio")}
        else:
            body["audio"] = {"recording_id": _number(audio, "audio")}
        if voice is not None:
            body["voice"] = {"voice_id": parse_ref(voice)[0]}
        answer = self.http.json("POST", "/v2/videos", json=body)
        item = s.read(answer, s.VideoItem, "POST /v2/videos answer").inner(answer)
        video = s.read(item, s.VideoItem, "video")
        if video.key is None:
            raise BadResponse(f"gemelo sent no video id: {str(answer)[:80]}", provider=self.name)
        update = self._video_update(video, item)
        if update.state.done:  # the answer may say ready: the status says it for sure
            update = attrs.evolve(update, state=kit.JobState.PENDING, result=None)
        return VIDEO.start(self, video.key, update)

    @VIDEO.refresh
    def _refresh_video(self, job: kit.Job[Video]) -> kit.JobUpdate[Video]:
        ident = kit.segment(job.id, field="video")
        answer = self.http.json("GET", f"/v2/videos/{ident}/status")
        item = s.read(answer, s.VideoItem, "video status").inner(answer)
        video = s.read(item, s.VideoItem, "video status")
        return self._video_update(attrs.evolve(video, id=video.key or job.id), item)

    def _video_update(self, video: s.VideoItem, raw: Mapping[str, Any]
                      ) -> kit.JobUpdate[Video]:
        return VIDEO.update(video.state_word, raw=raw, progress=video.fraction,
                            result=lambda: self._video(video, raw),
                            error=(video.error_code, video.failure or f"gemelo video {video.key} "
                                                                "failed"))

    def _video(self, video: s.VideoItem, raw: Mapping[str, Any]) -> Video:
        key = video.key or ""
        url = f"{self.http.base_url}/v3/files/video_{kit.segment(key, field='video')}"
        return Video(url=url, id=key, status=video.state_word, raw=raw, fetch=self._fetch_video,
                     duration=kit.duration_seconds(video.duration))

    def _fetch_video(self, url: str, path: str | os.PathLike[str], *,
                     on_progress: Any = None) -> Path:
        """Download an MP4 (credentials only on the API's own origin); an answer that is not
        a video (an HTML or JSON page) is BadResponse and leaves no file."""
        saved = self.download(url, path, on_progress=on_progress)
        with open(saved, "rb") as file:
            head = file.read(12)
        if head[4:8] != b"ftyp":
            saved.unlink(missing_ok=True)
            raise BadResponse(f"gemelo sent something that is not an MP4 for {url.rsplit('/')[-1]}",
                              provider=self.name)
        return saved

    def list_twins(self) -> list[Twin]:
        """The twin avatars videos can show (``GET /v2/twins``)."""
        return [Twin(id=str(i.key), name=i.name or str(i.key), raw=raw)
                for i, raw in self._v2_listing("/v2/twins", "twins")]

    def list_video_voices(self) -> list[Voice]:
        """The voices of the video API (``GET /v2/voices``), kind ``"video"``."""
        return [Voice(id=str(i.key), name=i.name or str(i.key), provider=self.name,
                      kind="video", description=i.description, raw=raw)
                for i, raw in self._v2_listing("/v2/voices", "voices")]

    def list_videos(self) -> list[Video]:
        """The account's videos (``GET /v2/videos``), ready or not (``Video.status``)."""
        return [self._video(i, raw) for i, raw in self._v2_listing("/v2/videos", "videos")]

    def get_video(self, video: str | int) -> Video:
        """One video (``GET /v2/videos/{id}``); NotFound when unknown."""
        ident = _number(video, "video")
        answer = self.http.json("GET", f"/v2/videos/{ident}")
        item = s.read(answer, s.VideoItem, "video").inner(answer)
        found = s.read(item, s.VideoItem, "video")
        return self._video(attrs.evolve(found, id=found.key or str(ident)), item)

    def delete_video(self, video: str | int | Video) -> None:
        """Delete a video (``DELETE /v2/videos/{id}``)."""
        ident = _number(video.id if isinstance(video, Video) else video, "video")
        self.http.request("DELETE", f"/v2/videos/{ident}").close()

    def _v2_listing(self, path: str, key: str) -> list[tuple[s.VideoItem, dict[str, Any]]]:
        items = kit.listing(self.http.json("GET", path), key, what=f"GET {path} answer",
                            provider=self.name)
        read = [(s.read(i, s.VideoItem, key[:-1]), dict(i)) for i in items]
        if any(item.key is None for item, _ in read):
            raise BadResponse(f"gemelo listed one of its {key} without an id",
                              provider=self.name)
        return read
