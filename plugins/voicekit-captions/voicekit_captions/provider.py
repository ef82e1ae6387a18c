"""The Captions provider: AI Twins (``CreateTwin``) and AI Creator videos (``GenerateVideo``).

Every Captions endpoint is a POST with a JSON body under ``https://api.captions.ai/api``,
authenticated by the ``x-api-key`` header. The read-only ones (supported languages,
calibration script, twin list, twin status, creator list, creator poll) are marked
idempotent so that they are retried like GETs; creating, submitting and deleting are not.
Captions allows 5 requests a minute per key for AI Creator and AI Twin: status polls are
paced to that, shared by every job (and provider) using the key.

Vendor-only methods: :meth:`CaptionsProvider.supported_languages`,
:meth:`~CaptionsProvider.twin_script`, :meth:`~CaptionsProvider.list_twins`,
:meth:`~CaptionsProvider.delete_twin`, :meth:`~CaptionsProvider.list_creators` and
:meth:`~CaptionsProvider.generate_video`.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import attrs
from voicekit_core import kit, validate
from voicekit_core.capabilities import CreateTwin, GenerateVideo, check_video_request
from voicekit_core.errors import BadResponse, InvalidInput
from voicekit_core.models import Cost, Twin, Video, Voice
from voicekit_core.pacing import Pace

from . import schema as s
from .plugin import INFO

__all__ = [
    "MAX_SCRIPT_CHARS",
    "MAX_VIDEO_SECONDS",
    "POLLS",
    "RESOLUTIONS",
    "WORDS_PER_SECOND",
    "CaptionsProvider",
    "Creator",
    "parse_twin_name",
]

#: Longest AI Creator script, in characters.
MAX_SCRIPT_CHARS = 800
#: AI Creator videos last one minute at most (and cost 1 credit per second).
MAX_VIDEO_SECONDS = 60
#: Speaking rate used to estimate a video's length from its script (150 words a minute).
WORDS_PER_SECOND = 2.5
#: AI Creator output resolutions.
RESOLUTIONS = ("fhd", "4k")
#: The documented limit of AI Creator and AI Twin: 5 requests a minute per key (polls).
POLLS = Pace(5, 60.0)

_VIDEO_EXTENSIONS = ("mp4", "mov")
_IMAGE_EXTENSIONS = ("png", "jpg", "jpeg")
_TWIN_NAME = re.compile(r"^twin-([A-Za-z0-9]+)-(\S.*)$")

# The documented states, plus the obvious spellings of "done" and "failed" (an answer of
# COMPLETED must not be polled until the timeout); any other state counts as running.
_STATES = kit.StatusMap(
    pending={"QUEUED"}, running={"PROCESSING"},
    succeeded={"COMPLETE", "COMPLETED", "SUCCEEDED", "SUCCESS", "DONE"},
    failed={"FAILED", "FAILURE", "ERROR", "ERRORED", "CANCELED", "CANCELLED"})
#: Twin status: first after 30 s, then every 5 s (the vendor's recommendation).
TWIN = kit.JobKind[Twin]("twin", poll=kit.PollPolicy(first_delay=30, interval=5),
                         states=_STATES)
#: Video renders: the vendor gives no rule; every 5 s, the first after 10 s.
VIDEO = kit.JobKind[Video]("video", poll=kit.PollPolicy(first_delay=10, interval=5),
                           states=_STATES)


@attrs.frozen
class Creator:
    """An AI Creator a video can be rendered with: a stock creator or one of your twins."""

    name: str
    image_url: str | None = None
    video_url: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def is_twin(self) -> bool:
        """Whether this creator is one of your AI Twins (``twin-<id>-<name>``)."""
        return _TWIN_NAME.match(self.name) is not None


def parse_twin_name(value: str) -> Twin:
    """A :class:`Twin` from its listed name ``twin-<id>-<name>``.

    ``Twin.id`` is the full listed name (what the Captions API takes back, e.g. as a
    ``creatorName`` or to delete it); ``Twin.name`` is the name given at creation.
    """
    match = _TWIN_NAME.match(value)
    return Twin(id=value, name=match.group(2) if match else value, raw={"name": value})


class VideoOptions(kit.Options):
    resolution: str | None = kit.opt.choice(RESOLUTIONS, default="fhd", help="fhd or 4k")
    webhook_id: str | None = kit.opt.text(help="a webhook registered in the Captions "
                                               "dashboard, told when the video is done")


class CaptionsProvider(kit.Provider, CreateTwin, GenerateVideo):
    """Captions: AI Twins and AI Creator videos (``connect("captions")``).

    Options: those of every provider (``base_url=``, ``timeout=``, ...), and ``api_key=``
    (else ``CAPTIONS_API_KEY``).
    """

    info = INFO
    jobs: ClassVar[tuple[kit.JobKind[Any], ...]] = (TWIN, VIDEO)
    #: Captions errors carry ``{"detail": ...}`` (a string, or a list of field errors).
    errors = kit.ErrorMap(message=("detail", "error", "message", "msg", "reason"))

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._languages: tuple[str, ...] | None = None
        self._languages_lock = threading.Lock()

    def auth_headers(self) -> dict[str, str]:
        return {"x-api-key": self.credential("api_key").reveal()}

    def _post(self, path: str, body: Mapping[str, Any] | None = None, *,
              read: bool = False) -> Any:
        """POST ``body`` (``{}`` when None) to ``path``; ``read`` marks it safe to retry."""
        return self.http.json("POST", path, json=dict(body or {}), idempotent=read)

    def _poll(self, path: str, job: kit.Job[Any]) -> s.Status:
        """POST ``{"operationId": ...}`` for ``job`` to a status endpoint.

        The id goes back as the vendor sent it (a number stays a number); it is also sent
        as the ``x-operation-id`` header, which an older form of the API read instead.
        Paced by :data:`POLLS` (5 a minute per key, across jobs).
        """
        POLLS.take(self.credential("api_key").reveal(), self.clock)
        operation: str | int = job.id
        if job.context.get(s.NUMERIC_ID) == "int" and job.id.lstrip("-").isdigit():
            operation = int(job.id)
        headers = {"x-operation-id": job.id} if job.id.isascii() and job.id.isprintable() \
            else {}
        body = self.http.json("POST", path, json={"operationId": operation},
                              headers=headers, idempotent=True)
        return s.read_status(body, path)

    def _update(self, kind: kit.JobKind[Any], job: kit.Job[Any], status: s.Status,
                result: Any = None) -> kit.JobUpdate[Any]:
        update = kind.update(status.upper or None, raw=status.raw, result=result,
                             progress=status.fraction_after(job.progress),
                             error=(status.error_code, status.reason
                                    or f"{kind.name} {job.id} failed"))
        return attrs.evolve(update, progress=1.0) if update.state is kit.JobState.SUCCEEDED \
            else update

    # -- languages and script ------------------------------------------------------------

    def supported_languages(self) -> tuple[str, ...]:
        """Languages supported for AI Twin calibration (fetched once per provider)."""
        with self._languages_lock:
            if self._languages is None:
                body = self._post("/twin/supported-languages", read=True)
                found = s.names(body, ("languages", "supportedLanguages"),
                                ("name", "language", "displayName", "label", "englishName"))
                if found is None:
                    raise BadResponse(f"captions sent no language list: {str(body)[:80]}",
                                      provider=self.name)
                self._languages = tuple(found)
            return self._languages

    def _language(self, language: str | None) -> str | None:
        """``language`` in the vendor's spelling; InvalidInput if it is not supported."""
        if language is None:
            return None
        wanted = validate.text(language, field="language").strip()
        supported = self.supported_languages()
        if not supported:  # nothing to check against: the vendor decides
            return wanted
        for known in supported:
            if known.casefold() == wanted.casefold():
                return known
        shown = ", ".join(supported[:20]) + (", ..." if len(supported) > 20 else "")
        raise InvalidInput(f"language {language!r} is not supported for AI Twins "
                           f"(supported: {shown})", field="language",
                           limit="one of supported_languages()")

    def twin_script(self, language: str | None = "English") -> str:
        """The script to read aloud in the calibration video, in ``language`` (None: the
        vendor's default, English, and no language check)."""
        vendor_language = self._language(language)
        request = {} if vendor_language is None else {"language": vendor_language}
        body = self._post("/twin/script", request, read=True)
        if isinstance(body, Mapping):
            body = s.name_of(body, "script", "calibrationScript")
        if isinstance(body, str):
            return body
        raise BadResponse(f"captions sent no script for {language!r}: {str(body)[:80]}",
                          provider=self.name)

    # -- twins -----------------------------------------------------------------------------

    def list_twins(self) -> list[Twin]:
        """Your AI Twins, by their listed names (``Twin.id`` = ``"twin-1-sam"``)."""
        body = self._post("/twin/list", read=True)
        items = s.listing(body, "twins", "aiTwins", what="/twin/list answer")
        twins = []
        for item in items:
            name = s.name_of(item, "name", "twinName", "twin", "id")
            if name:
                twin = parse_twin_name(name)
                twins.append(attrs.evolve(twin, raw=item) if isinstance(item, Mapping)
                             else twin)
        return twins

    def delete_twin(self, name: str | Twin) -> None:
        """Delete an AI Twin by its listed name ``twin-<id>-<name>`` (or a Twin)."""
        value = name.id if isinstance(name, Twin) else name
        if not isinstance(value, str) or not _TWIN_NAME.match(value.strip()):
            raise InvalidInput(f"twin name must be of the form twin-<id>-<name> as "
                               f"list_twins() gives it, got {value!r}", field="name",
                               limit="twin-<id>-<name>")
        # the doc gives no answer body: any 2xx (JSON, empty or text) is a success
        self.http.request("POST", "/twin/delete", json={"name": value.strip()}).close()

    @kit.operation(name=kit.TextRules(field="name"))
    def create_twin(self, *, name: str, video_url: str, calibration_image_urls: Sequence[str],
                    language: str | None = None, opts: kit.Options, call: kit.Call
                    ) -> kit.Job[Twin]:
        """Start creating an AI Twin; ``wait()`` gives the :class:`Twin`.

        Args:
            name: the twin's name (it is listed as ``twin-<id>-<name>``).
            video_url: http(s) link to a vertical MP4 or MOV of the person reading
                :meth:`twin_script`.
            calibration_image_urls: ordered http(s) links to vertical PNG/JPEG images.
            language: language spoken in the video (default: the vendor's, English);
                checked against :meth:`supported_languages`.

        Status is polled first after 30 s, then every 5 s; ``progress`` is a fraction.
        """
        validate.url(video_url, field="video_url", ext=_VIDEO_EXTENSIONS)
        images = [calibration_image_urls] if isinstance(calibration_image_urls, str) \
            else list(calibration_image_urls) if isinstance(calibration_image_urls,
                                                            (list, tuple)) else None
        if not images:
            raise InvalidInput("calibration_image_urls must list at least one image link",
                               field="calibration_image_urls", limit="at least 1 image")
        for i, url in enumerate(images):
            validate.url(url, field=f"calibration_image_urls[{i}]", ext=_IMAGE_EXTENSIONS)
        body: dict[str, Any] = {"name": name.strip(), "videoUrl": video_url,
                                "calibrationImageUrls": images}
        vendor_language = self._language(language)
        if vendor_language is not None:
            body["language"] = vendor_language
        answer = self._post("/twin/create", body)
        operation, context = s.operation_id(answer)
        return TWIN.start(self, operation, kit.JobUpdate(kit.JobState.PENDING, raw=answer),
                          context={"name": name.strip(), **context})

    @TWIN.refresh
    def _refresh_twin(self, job: kit.Job[Twin]) -> kit.JobUpdate[Twin]:
        status = self._poll("/twin/status", job)
        return self._update(TWIN, job, status, lambda: self._finished_twin(job, status))

    def _finished_twin(self, job: kit.Job[Twin], status: s.Status) -> Twin:
        """The twin a completed operation made: named in the status, else found in the list.

        The status answer only has ``state`` and ``progress``; the twin is then the newest
        listed twin with the job's name (highest ``<id>``).
        """
        for value in (status.twin_name, status.name, status.twin):
            name = s.name_of(value, "name", "twinName")
            if name and _TWIN_NAME.match(name):
                return parse_twin_name(name)
        wanted = job.context.get("name")
        twins = self.list_twins() if wanted else []
        # as given, else as the vendor may have spelt it (twin-3-mary-jane for "Mary Jane")
        for same in (lambda t: t.name == wanted,
                     lambda t: _loose(t.name) == _loose(wanted or "")):
            matches = [t for t in twins if same(t)]
            if matches:
                return max(matches, key=_twin_order)
        name = wanted or job.id
        return Twin(id=name, name=name, raw={"operationId": job.id, **status.raw})

    # -- AI Creator ----------------------------------------------------------------------

    def list_creators(self) -> list[Creator]:
        """AI Creators a video can use: stock creators and your completed twins."""
        body = self._post("/creator/list", read=True)
        items = s.listing(body, "supportedCreators", "creators", what="/creator/list answer")
        thumbnails = body.get("thumbnails") if isinstance(body, Mapping) else None
        thumbnails = thumbnails if isinstance(thumbnails, Mapping) else {}
        creators = []
        for item in items:
            name = s.name_of(item, "name", "creatorName", "id")
            if not name:
                continue
            thumb = thumbnails.get(name)
            if not isinstance(thumb, Mapping):  # the entry itself may carry the links
                thumb = item if isinstance(item, Mapping) else {}
            creators.append(Creator(name=name, image_url=s.name_of(thumb.get("imageUrl")),
                                    video_url=s.name_of(thumb.get("videoUrl")),
                                    raw=dict(thumb)))
        return creators

    @kit.operation(VideoOptions, spends=True,
                   script=kit.TextRules(max_chars=MAX_SCRIPT_CHARS, field="script"))
    def generate_video(self, *, twin: str | Twin | Creator, script: str | None = None,
                       audio: str | int | None = None, voice: str | Voice | None = None,
                       consent: bool, opts: VideoOptions, call: kit.Call) -> kit.Job[Video]:
        """Render ``twin`` (an AI Creator: a stock creator or your twin) saying ``script``.

        Args:
            twin: a creator name from :meth:`list_creators` (your twins are listed there
                as ``twin-<id>-<name>``), a :class:`Twin` or a :class:`Creator`.
            script: what to say, 1 to 800 characters (AI Creator takes no audio).
            consent: True: you confirm the person shown agreed (required).
            resolution: ``"fhd"`` (default) or ``"4k"``.
            webhook_id: a webhook registered in the Captions dashboard, told when done.
            max_credits: refuse (before any request) when the estimate is above it.

        Returns:
            ``Job[Video]``; ``job.wait().download("out.mp4")`` streams the video to disk.
        """
        check_video_request(script=script, audio=audio, consent=consent, provider=self.name)
        for name, value in (("audio", audio), ("voice", voice)):
            if value is not None:
                raise InvalidInput(f"captions AI Creator speaks a script in the creator's own "
                                   f"voice; {name}= is not supported", field=name,
                                   limit="not supported")
        name = twin.id if isinstance(twin, Twin) else \
            twin.name if isinstance(twin, Creator) else twin
        name = validate.text(name, field="twin").strip()
        body: dict[str, Any] = {"script": script, "creatorName": name,
                                "resolution": opts.resolution or "fhd"}
        if opts.webhook_id is not None:
            body["webhookId"] = opts.webhook_id
        answer = self._post("/creator/submit", body)
        operation, context = s.operation_id(answer)
        if call.cost is not None:
            call.spent(call.cost.credits, estimated=True)
        return VIDEO.start(self, operation, kit.JobUpdate(kit.JobState.PENDING, raw=answer),
                           context=context)

    @VIDEO.refresh
    def _refresh_video(self, job: kit.Job[Video]) -> kit.JobUpdate[Video]:
        status = self._poll("/creator/poll", job)
        return self._update(VIDEO, job, status, lambda: self._video(job, status))

    def _video(self, job: kit.Job[Video], status: s.Status) -> Video:
        if status.video is None:
            raise BadResponse(f"captions says video {job.id} is {status.upper} but sent no url",
                              provider=self.name)
        return Video(url=status.video, raw=status.raw, fetch=self.download,
                     duration=kit.duration_seconds(status.duration))

    # -- costs -----------------------------------------------------------------------------

    def estimate(self, operation: str, **args: Any) -> Cost | None:
        """Credits an operation would spend.

        ``create_twin`` is free (exact). ``generate_video`` costs 1 credit per second of
        video, a minute at most; the length is estimated from the script at 150 words a
        minute (2.5 words a second), rounded up, at least 1 second: ``exact=False``.
        """
        if operation == "create_twin":
            return Cost(credits=0, exact=True)
        if operation == "generate_video":
            if args.get("script") is None:
                return None  # no script: refused by generate_video itself
            script = validate.text(args.get("script"), field="script",
                                   max_chars=MAX_SCRIPT_CHARS)
            words = len(script.split())
            seconds = min(MAX_VIDEO_SECONDS, max(1, math.ceil(words / WORDS_PER_SECOND)))
            return Cost(credits=seconds, exact=False)
        return None


def _loose(name: str) -> str:
    """A name compared loosely: case and punctuation ignored (``Mary Jane`` ~ ``mary-jane``)."""
    return re.sub(r"[\W_]+", "", name.casefold())


def _twin_order(twin: Twin) -> tuple[int, str]:
    match = _TWIN_NAME.match(twin.id)
    number = match.group(1) if match else ""
    return (int(number) if number.isdigit() else -1, twin.id)
