"""The Captions provider: AI Twins (``CreateTwin``) and AI Creator videos.

Every Captions endpoint is a POST with a JSON body under ``https://api.captions.ai/api``,
authenticated by the ``x-api-key`` header. The read-only ones (supported languages,
calibration script, twin list, twin status, creator list, creator poll) are marked
idempotent so that they are retried like GETs; creating, submitting and deleting are not.

Vendor-only methods: :meth:`CaptionsProvider.supported_languages`,
:meth:`~CaptionsProvider.twin_script`, :meth:`~CaptionsProvider.list_twins`,
:meth:`~CaptionsProvider.delete_twin`, :meth:`~CaptionsProvider.list_creators` and
:meth:`~CaptionsProvider.generate_video`.
"""

from __future__ import annotations

import math
import re
import threading
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import attrs
from voicekit_core.capabilities import CreateTwin
from voicekit_core.errors import BadResponse, InvalidInput
from voicekit_core.http import ErrorDetails, HttpResponse, error_text
from voicekit_core.jobs import Job, JobState, JobUpdate, PollPolicy
from voicekit_core.models import Cost, Twin, Video
from voicekit_core.provider import Provider

from .plugin import INFO

__all__ = [
    "MAX_SCRIPT_CHARS",
    "MAX_VIDEO_SECONDS",
    "RESOLUTIONS",
    "WORDS_PER_SECOND",
    "CaptionsProvider",
    "Creator",
    "parse_progress",
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

_VIDEO_EXTENSIONS = (".mp4", ".mov")
_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
_TWIN_NAME = re.compile(r"^twin-([A-Za-z0-9]+)-(\S.*)$")

# The documented states, plus the obvious spellings of "done" and "failed" (an answer of
# COMPLETED must not be polled until the timeout); any other state counts as running.
_DONE_STATES = {"COMPLETE": JobState.SUCCEEDED, "COMPLETED": JobState.SUCCEEDED,
                "SUCCEEDED": JobState.SUCCEEDED, "SUCCESS": JobState.SUCCEEDED,
                "DONE": JobState.SUCCEEDED, "FAILED": JobState.FAILED,
                "FAILURE": JobState.FAILED, "ERROR": JobState.FAILED,
                "ERRORED": JobState.FAILED, "CANCELED": JobState.FAILED,
                "CANCELLED": JobState.FAILED}
_TWIN_STATES = {"PROCESSING": JobState.RUNNING, **_DONE_STATES}
_VIDEO_STATES = {"QUEUED": JobState.PENDING, "PROCESSING": JobState.RUNNING, **_DONE_STATES}
_DETAIL_FIELDS = ("detail", "error", "message", "msg", "reason", "failureReason")
#: Job context key set when the vendor's operationId was a JSON number (sent back as one).
_NUMERIC_ID = "operation_id_type"


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


def parse_progress(value: Any) -> float | None:
    """The vendor's ``progress`` as a fraction in [0, 1].

    Captions reports progress as a percentage (0-100). Whole numbers are read as
    percentages; a value with a fraction part that is at most 1 (``0.4``) as a fraction
    already; strings like ``"40%"`` are accepted. Anything else gives None.
    """
    if isinstance(value, str):
        value = value.strip().rstrip("%").strip()
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return None
    number = float(value)
    fraction = number if (0 <= number <= 1 and not number.is_integer()) else number / 100
    return min(1.0, max(0.0, fraction))


def _detail(body: Any) -> str | None:
    """The human message of a Captions body: ``detail`` (str, list of errors or dict)."""
    if not isinstance(body, Mapping):
        return None
    return next(filter(None, (error_text(body.get(field)) for field in _DETAIL_FIELDS)), None)


class CaptionsProvider(Provider, CreateTwin):
    """Captions: AI Twins and AI Creator videos (``connect("captions")``).

    Options: those of every provider (``base_url=``, ``timeout=``, ...), and ``api_key=``
    (else ``CAPTIONS_API_KEY``).
    """

    info = INFO
    #: Twin status: first after 30 s, then every 5 s (the vendor's recommendation). Video
    #: renders: the vendor gives no rule; every 5 s, the first after 10 s.
    poll_policies: ClassVar[Mapping[str, PollPolicy]] = {
        "twin": PollPolicy(first_delay=30, interval=5),
        "video": PollPolicy(first_delay=10, interval=5),
    }

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._languages: tuple[str, ...] | None = None
        self._languages_lock = threading.Lock()

    # -- transport ---------------------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        return {"x-api-key": self.credential("api_key").reveal()}

    def parse_error(self, response: HttpResponse) -> ErrorDetails:
        """Captions errors carry ``{"detail": ...}`` (a string, or a list of field errors)."""
        try:
            body = response.json()
        except BadResponse:
            body = None
        message = _detail(body)
        if message is None:
            text = response.text.strip()[:200] if response.content else ""
            message = text or f"HTTP {response.status}"
        code = body.get("code") if isinstance(body, Mapping) else None
        return ErrorDetails(message, code=str(code) if code is not None else None)

    def _post(self, path: str, body: Mapping[str, Any] | None = None, *,
              read: bool = False) -> Any:
        """POST ``body`` (``{}`` when None) to ``path``; ``read`` marks it safe to retry."""
        return self.http.json("POST", path, json=dict(body or {}), idempotent=read)

    def _poll(self, path: str, job: Job[Any]) -> Any:
        """POST ``{"operationId": ...}`` for ``job`` to a status endpoint.

        The id goes back as the vendor sent it (a number stays a number); it is also sent
        as the ``x-operation-id`` header, which an older form of the API read instead.
        """
        operation: str | int = job.id
        if job.context.get(_NUMERIC_ID) == "int" and job.id.lstrip("-").isdigit():
            operation = int(job.id)
        headers = {"x-operation-id": job.id} if job.id.isascii() and job.id.isprintable() \
            else {}
        return self.http.json("POST", path, json={"operationId": operation},
                              headers=headers, idempotent=True)

    # -- languages and script ------------------------------------------------------------

    def supported_languages(self) -> tuple[str, ...]:
        """Languages supported for AI Twin calibration (fetched once per provider)."""
        with self._languages_lock:
            if self._languages is None:
                body = self._post("/twin/supported-languages", read=True)
                self._languages = _language_list(body)
            return self._languages

    def _language(self, language: str | None) -> str | None:
        """``language`` in the vendor's spelling; InvalidInput if it is not supported."""
        if language is None:
            return None
        if not isinstance(language, str) or not language.strip():
            raise InvalidInput("language must be a non-empty string such as 'English'",
                               field="language", limit="a supported language")
        wanted = language.strip().casefold()
        supported = self.supported_languages()
        if not supported:  # nothing to check against: the vendor decides
            return language.strip()
        for known in supported:
            if known.casefold() == wanted:
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
        if isinstance(body, str):
            return body
        if isinstance(body, Mapping):
            for field in ("script", "calibrationScript"):
                if isinstance(body.get(field), str):
                    return str(body[field])
        raise BadResponse(f"captions sent no script for {language!r}: {str(body)[:80]}",
                          provider=self.name)

    # -- twins -----------------------------------------------------------------------------

    def list_twins(self) -> list[Twin]:
        """Your AI Twins, by their listed names (``Twin.id`` = ``"twin-1-sam"``)."""
        body = self._post("/twin/list", read=True)
        items = _list_in(body, "twins", "aiTwins")
        if items is None:
            raise BadResponse(f"captions /twin/list sent no twins list: {str(body)[:80]}",
                              provider=self.name)
        twins = []
        for item in items:
            name = _name_of(item, "name", "twinName", "twin", "id")
            if name:
                twin = parse_twin_name(name)
                if isinstance(item, Mapping):
                    twin = Twin(id=twin.id, name=twin.name, raw=item)
                twins.append(twin)
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

    def create_twin(
        self,
        *,
        name: str,
        video_url: str,
        calibration_image_urls: Sequence[str],
        language: str | None = None,
    ) -> Job[Twin]:
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
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput("name must be a non-empty string", field="name",
                               limit="non-empty")
        _check_url(video_url, "video_url", _VIDEO_EXTENSIONS, "an MP4 or MOV video")
        images = [calibration_image_urls] if isinstance(calibration_image_urls, str) \
            else list(calibration_image_urls)
        if not images:
            raise InvalidInput("calibration_image_urls must list at least one image link",
                               field="calibration_image_urls", limit="at least 1 image")
        for i, url in enumerate(images):
            _check_url(url, f"calibration_image_urls[{i}]", _IMAGE_EXTENSIONS,
                       "a PNG or JPEG image")
        body: dict[str, Any] = {"name": name.strip(), "videoUrl": video_url,
                                "calibrationImageUrls": images}
        vendor_language = self._language(language)
        if vendor_language is not None:
            body["language"] = vendor_language
        answer = self._post("/twin/create", body)
        operation, context = _operation_id(answer, self.name)
        return Job(self, "twin", operation, context={"name": name.strip(), **context},
                   update=JobUpdate(JobState.PENDING, raw=_raw(answer)))

    def _status(self, path: str, job: Job[Any], states: Mapping[str, JobState]
                ) -> tuple[Mapping[str, Any], str, JobState, float | None]:
        """Poll ``path`` for ``job``: (body, vendor status, state, progress). Unknown
        states count as running."""
        body = self._poll(path, job)
        if not isinstance(body, Mapping):
            raise BadResponse(f"captions {path} sent {str(body)[:80]!r}", provider=self.name)
        status = str(body.get("state") or body.get("status") or "").upper()
        progress = _progress(body.get("progress"), job.progress)
        return body, status, states.get(status, JobState.RUNNING), progress

    def _refresh_twin(self, job: Job[Twin]) -> JobUpdate[Twin]:
        body, status, state, progress = self._status("/twin/status", job, _TWIN_STATES)
        if state is JobState.SUCCEEDED:
            return JobUpdate(state, vendor_status=status, progress=1.0, raw=body,
                             result=self._finished_twin(job, body))
        if state is JobState.FAILED:
            detail = _detail(body) or f"twin creation {job.id} failed"
            return JobUpdate(state, vendor_status=status, progress=progress, raw=body,
                             error_message=detail, error_code=_code(body))
        return JobUpdate(state, vendor_status=status or None, progress=progress, raw=body)

    def _finished_twin(self, job: Job[Twin], body: Mapping[str, Any]) -> Twin:
        """The twin a completed operation made: named in the status, else found in the list.

        The status answer only has ``state`` and ``progress``; the twin is then the newest
        listed twin with the job's name (highest ``<id>``).
        """
        for field in ("twinName", "name", "twin"):
            value = _name_of(body.get(field), "name", "twinName")
            if value and _TWIN_NAME.match(value):
                return parse_twin_name(value)
        wanted = job.context.get("name")
        twins = self.list_twins() if wanted else []
        # as given, else as the vendor may have spelt it (twin-3-mary-jane for "Mary Jane")
        for same in (lambda t: t.name == wanted,
                     lambda t: _loose(t.name) == _loose(wanted or "")):
            matches = [t for t in twins if same(t)]
            if matches:
                return max(matches, key=_twin_order)
        name = wanted or job.id
        return Twin(id=name, name=name, raw={"operationId": job.id, **body})

    # -- AI Creator ----------------------------------------------------------------------

    def list_creators(self) -> list[Creator]:
        """AI Creators a video can use: stock creators and your completed twins."""
        body = self._post("/creator/list", read=True)
        names = _list_in(body, "supportedCreators", "creators")
        if names is None:
            raise BadResponse(f"captions /creator/list sent {str(body)[:80]!r}",
                              provider=self.name)
        thumbnails = body.get("thumbnails") if isinstance(body, Mapping) else None
        thumbnails = thumbnails if isinstance(thumbnails, Mapping) else {}
        creators = []
        for item in names:
            name = _name_of(item, "name", "creatorName", "id")
            if not name:
                continue
            thumb = thumbnails.get(name)
            if not isinstance(thumb, Mapping):  # the entry itself may carry the links
                thumb = item if isinstance(item, Mapping) else {}
            creators.append(Creator(name=name, image_url=_text(thumb.get("imageUrl")),
                                    video_url=_text(thumb.get("videoUrl")), raw=dict(thumb)))
        return creators

    def generate_video(
        self,
        script: str,
        *,
        creator: str | Twin | Creator,
        resolution: str = "fhd",
        webhook_id: str | None = None,
        max_credits: float | None = None,
    ) -> Job[Video]:
        """Render ``creator`` (a stock creator or your twin) saying ``script``.

        Args:
            script: what to say, 1 to 800 characters.
            creator: a creator name from :meth:`list_creators`, a :class:`Twin` or a
                :class:`Creator`.
            resolution: ``"fhd"`` or ``"4k"``.
            webhook_id: a webhook registered in the Captions dashboard, told when done.
            max_credits: refuse (before any request) when the estimate is above it.

        Returns:
            ``Job[Video]``; ``job.wait().download("out.mp4")`` streams the video to disk.
        """
        cost = self.estimate("generate_video", script=script)
        name = creator.id if isinstance(creator, Twin) else \
            creator.name if isinstance(creator, Creator) else creator
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput("creator must be a creator name (see list_creators()) or a "
                               "Twin", field="creator", limit="non-empty")
        vendor_resolution = resolution.strip().lower() if isinstance(resolution, str) else ""
        if vendor_resolution not in RESOLUTIONS:
            raise InvalidInput(f"resolution must be one of {', '.join(RESOLUTIONS)}, got "
                               f"{resolution!r}", field="resolution",
                               limit=" | ".join(RESOLUTIONS))
        if webhook_id is not None and (not isinstance(webhook_id, str) or not webhook_id):
            raise InvalidInput("webhook_id must be a non-empty string", field="webhook_id")
        self.check_budget(cost, max_credits)
        body: dict[str, Any] = {"script": script, "creatorName": name.strip(),
                                "resolution": vendor_resolution}
        if webhook_id is not None:
            body["webhookId"] = webhook_id
        answer = self._post("/creator/submit", body)
        operation, context = _operation_id(answer, self.name)
        if cost is not None:
            self._emit("credits_spent", credits=cost.credits, operation="generate_video",
                       estimated=True)
        return Job(self, "video", operation, context=context,
                   update=JobUpdate(JobState.PENDING, raw=_raw(answer)))

    def _refresh_video(self, job: Job[Video]) -> JobUpdate[Video]:
        body, status, state, progress = self._status("/creator/poll", job, _VIDEO_STATES)
        if state is JobState.SUCCEEDED:
            url = body.get("url") or body.get("videoUrl")
            if not isinstance(url, str) or not url:
                raise BadResponse(f"captions says video {job.id} is COMPLETE but sent no url",
                                  provider=self.name)
            video = Video(url=url, raw=body, fetch=self.download,
                          duration=_seconds(body.get("duration")))
            return JobUpdate(state, vendor_status=status, progress=1.0, result=video,
                             raw=body)
        if state is JobState.FAILED:
            return JobUpdate(state, vendor_status=status, progress=progress, raw=body,
                             error_message=_detail(body) or f"video {job.id} failed",
                             error_code=_code(body))
        return JobUpdate(state, vendor_status=status or None, progress=progress, raw=body)

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
            script = _check_script(args.get("script"))
            words = len(script.split())
            seconds = min(MAX_VIDEO_SECONDS, max(1, math.ceil(words / WORDS_PER_SECOND)))
            return Cost(credits=seconds, exact=False)
        return None


# -- helpers ---------------------------------------------------------------------------


def _progress(value: Any, previous: float | None) -> float | None:
    """:func:`parse_progress`, except that a bare ``1`` after a higher reading is the
    fraction 1.0 (a vendor counting 0..1), not 1 % (progress going backwards)."""
    progress = parse_progress(value)
    if progress == 0.01 and previous is not None and previous > 0.01 and \
            not isinstance(value, str):
        return 1.0
    return progress


def _check_script(script: Any) -> str:
    if not isinstance(script, str) or not script.strip():
        raise InvalidInput("script must be non-empty text", field="script", limit="non-empty")
    if len(script) > MAX_SCRIPT_CHARS:
        raise InvalidInput(f"script is {len(script)} characters, over the limit of "
                           f"{MAX_SCRIPT_CHARS}", field="script",
                           limit=f"{MAX_SCRIPT_CHARS} characters")
    return script


def _check_url(url: Any, field: str, extensions: tuple[str, ...], what: str) -> None:
    """InvalidInput unless ``url`` is an http(s) link whose path ends in ``extensions``."""
    parts = urllib.parse.urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"{field} must be an http(s) link to {what}, got {url!r}",
                           field=field, limit="http(s) URL")
    if not parts.path.lower().endswith(extensions):
        raise InvalidInput(f"{field} must link to {what} ({', '.join(extensions)}), got "
                           f"{parts.path.rsplit('/', 1)[-1]!r}", field=field,
                           limit=" | ".join(extensions))


def _list_in(body: Any, *fields: str) -> list[Any] | None:
    """The list a body carries: the body itself, under one of ``fields``, or the only list
    among its values (``{"data": [...]}``); None when there is none."""
    if isinstance(body, list):
        return body
    if not isinstance(body, Mapping):
        return None
    for field in fields:
        if field in body and body[field] is None:  # present but null: nothing listed
            return []
        if isinstance(body.get(field), list):
            return list(body[field])
    lists = [v for v in body.values() if isinstance(v, list)]
    return lists[0] if len(lists) == 1 else None


def _name_of(item: Any, *fields: str) -> str | None:
    """A non-empty name: the item itself if it is a string, else its first string field."""
    if isinstance(item, Mapping):
        item = next((item[f] for f in fields if isinstance(item.get(f), str)), None)
    return item.strip() if isinstance(item, str) and item.strip() else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _seconds(value: Any) -> float | None:
    """A duration in seconds from a number or a numeric string; None otherwise."""
    if isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _loose(name: str) -> str:
    """A name compared loosely: case and punctuation ignored (``Mary Jane`` ~ ``mary-jane``)."""
    return re.sub(r"[\W_]+", "", name.casefold())


def _language_list(body: Any) -> tuple[str, ...]:
    """Languages from ``[...]``, ``{"languages": [...]}``, ``{"supportedLanguages": ...}``;
    entries are names or objects (``{"name"|"language"|"label"|...: "English"}``); an object
    of names (``{"English": "en"}``) gives its keys."""
    items: Any = _list_in(body, "languages", "supportedLanguages")
    if items is None and isinstance(body, Mapping):
        inner = next((body[k] for k in ("languages", "supportedLanguages") if k in body), body)
        if isinstance(inner, Mapping) and inner and \
                all(isinstance(k, str) and not isinstance(v, (list, Mapping))
                    for k, v in inner.items()):
            items = list(inner)
    if items is None:
        raise BadResponse(f"captions sent no language list: {str(body)[:80]}",
                          provider=INFO.name)
    names = []
    for item in items:
        name = _name_of(item, "name", "language", "displayName", "label", "englishName")
        if name:
            names.append(name)
    return tuple(names)


def _operation_id(body: Any, provider: str) -> tuple[str, dict[str, str]]:
    """The operation id of a create/submit answer, and the job context to keep: a numeric
    id is remembered as such, to be sent back as a number."""
    if isinstance(body, Mapping):
        for field in ("operationId", "operation_id", "id"):
            value = body.get(field)
            if isinstance(value, bool) or not isinstance(value, (str, int)) or \
                    not str(value).strip():
                continue
            return str(value).strip(), ({_NUMERIC_ID: "int"} if isinstance(value, int)
                                        else {})
    raise BadResponse(f"captions sent no operationId: {str(body)[:80]}", provider=provider)


def _code(body: Mapping[str, Any]) -> str | None:
    code = body.get("code")
    return str(code) if code is not None else None


def _raw(body: Any) -> Mapping[str, Any]:
    return body if isinstance(body, Mapping) else {}


def _twin_order(twin: Twin) -> tuple[int, str]:
    match = _TWIN_NAME.match(twin.id)
    number = match.group(1) if match else ""
    return (int(number) if number.isdigit() else -1, twin.id)
