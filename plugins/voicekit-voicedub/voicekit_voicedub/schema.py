"""VoiceDub's API objects, as attrs models generated from its OpenAPI 3.1 spec.

One class per schema of ``components.schemas`` (the three ``dub`` / ``voice`` payload
variants of the spec share one shape each: :class:`DubPrivate`, :class:`VoicePrivate`).
Field names are the spec's, in snake case (``inputDuration`` -> ``input_duration``). Every
field the spec marks required has no default, so a response that lacks one fails to
structure; fields the spec types ``[..., "null"]`` are ``Optional`` and default to None (an
answer that leaves one out reads as null: the spec gives ``dubUrl`` and ``requiredCredits``
``default: null``); statuses and the catalogue's closed vocabularies are enums (statuses,
``inputSource`` and ``avatarFormat`` keep a value the spec does not list as a plain string;
unknown catalogue genres/languages/styles are skipped). Fields the spec does not know are
ignored. Numbers are read leniently (``12.0`` or ``"12"`` for an integer, an id sent as a
number becomes its string), never booleans as numbers or numbers as booleans.

:func:`structure` turns a vendor JSON body into a model and raises
:class:`~voicekit_core.errors.BadResponse` when the body breaks the contract.
"""

from __future__ import annotations

import enum
import math
import re
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from voicekit_core.errors import BadResponse
from voicekit_core.models import make_converter

__all__ = [
    "AvatarFormat",
    "CloneVoiceResponse",
    "CreateDubRequest",
    "CreateDubResponse",
    "CreateVoiceRequest",
    "CreateVoiceResponse",
    "DubEnvelope",
    "DubPrivate",
    "DubStatus",
    "ErrorBody",
    "Genre",
    "GetMeResponse",
    "GetPublicVoicesResponse",
    "InputSource",
    "Language",
    "Style",
    "UserPrivate",
    "VoiceEnvelope",
    "VoicePrivate",
    "VoicePublic",
    "VoiceStatus",
    "converter",
    "structure",
    "unstructure",
]

T = TypeVar("T")


# -- enums -------------------------------------------------------------------------------


class DubStatus(str, enum.Enum):
    """``DubPrivate.status``."""

    NEW = "new"
    PREPROCESSING = "preprocessing"
    PREPROCESSED = "preprocessed"
    QUEUED = "queued"
    STARTING = "starting"
    PROCESSING = "processing"
    FINALIZING = "finalizing"
    DONE = "done"
    ERROR = "error"


class VoiceStatus(str, enum.Enum):
    """``VoicePrivate.status`` (training)."""

    NEW = "new"
    QUEUED = "queued"
    STARTING = "starting"
    PROCESSING = "processing"
    FINALIZING = "finalizing"
    DONE = "done"
    ERROR = "error"


class InputSource(str, enum.Enum):
    """``DubPrivate.inputSource``."""

    UPLOAD = "upload"
    LINK = "link"


class Language(str, enum.Enum):
    """Catalogue languages (``VoicePublic.languages``, the ``languages`` filter)."""

    ENGLISH = "english"
    SPANISH = "spanish"
    KOREAN = "korean"
    JAPANESE = "japanese"
    FRENCH = "french"
    RUSSIAN = "russian"
    THAI = "thai"


class Genre(str, enum.Enum):
    """Catalogue genres (``VoicePublic.genres``, the ``genres`` filter)."""

    POP = "pop"
    RAP = "rap"
    ROCK = "rock"
    COUNTRY = "country"
    RNB = "rnb"
    ALTERNATIVE = "alternative"
    JAZZ = "jazz"


class Style(str, enum.Enum):
    """Catalogue styles (``VoicePublic.styles``, the ``styles`` filter)."""

    SINGING = "singing"
    RAPPING = "rapping"
    SPEAKING = "speaking"
    CHARACTER = "character"
    OTHER = "other"


class AvatarFormat(str, enum.Enum):
    """``VoicePublic.avatarFormat``."""

    WEBP = "webp"
    GIF = "gif"


# -- objects -----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class DubPrivate:
    """A dub (``DubPrivate``; also the ``dub`` of the create/preprocess/generate answers).

    A status or input source outside the spec's enum is kept as its string."""

    id: str
    voice_id: str | None = None
    link: str | None = None
    separate: bool
    status: DubStatus | str
    input_duration: int | None = None  # milliseconds, null before preprocessed
    input_source: InputSource | str
    pitch_shift: int
    error_code: str | None = None
    error_message: str | None = None
    api_credits_used: int
    api_credits_left: int | None = None
    completed_at: str | None = None
    created_at: str
    updated_at: str
    dub_url: str | None = None
    required_credits: float | None = None  # null before preprocessed


@attrs.frozen
class VoicePublic:
    """A voice of the public catalogue (``VoicePublic``; an avatar format outside the
    spec's enum is kept as its string)."""

    id: str
    name: str
    languages: tuple[Language, ...]
    genres: tuple[Genre, ...]
    styles: tuple[Style, ...]
    avatar_format: AvatarFormat | str
    created_at: str
    updated_at: str
    avatar_url: str


@attrs.frozen(kw_only=True)
class VoicePrivate:
    """A voice the account trains (``VoicePrivate``; also the ``voice`` of the
    get/create/clone answers, where ``requiredCredits`` is never null). A status outside
    the spec's enum is kept as its string."""

    id: str
    name: str
    status: VoiceStatus | str
    separate: bool
    max_minutes: int
    error_code: str | None = None
    error_message: str | None = None
    api_credits_used: int
    api_credits_left: int | None = None
    completed_at: str | None = None
    created_at: str
    updated_at: str
    required_credits: float | None = None


@attrs.frozen
class UserPrivate:
    """``UserPrivate``: the account."""

    api_credits: int


@attrs.frozen
class ErrorBody:
    """The error envelope shared by every error schema: ``{code, message}``."""

    code: str
    message: str


# -- request bodies ----------------------------------------------------------------------


@attrs.frozen
class CreateDubRequest:
    """``CreateDubRequest`` (POST /v1/me/dubs)."""

    voice_id: str
    link: str | None = None
    pitch_shift: int = 0
    separate: bool = True


@attrs.frozen
class CreateVoiceRequest:
    """``CreateVoiceRequest`` (POST /v1/me/voices)."""

    name: str
    number_of_files: int
    max_minutes: int = 10
    separate: bool = True


# -- response envelopes ------------------------------------------------------------------


@attrs.frozen
class DubEnvelope:
    """``{dub}``: GET /v1/me/dubs/{id}, ``PreprocessDubResponse``, ``GenerateDubResponse``."""

    dub: DubPrivate


@attrs.frozen
class CreateDubResponse:
    """``CreateDubResponse``: the dub and, when no link was given, its upload URL."""

    dub: DubPrivate
    upload_url: str | None = None


@attrs.frozen
class VoiceEnvelope:
    """``{voice}``: ``GetVoiceResponse``, ``CloneVoiceResponse``."""

    voice: VoicePrivate


@attrs.frozen
class CreateVoiceResponse:
    """``CreateVoiceResponse``: the voice and one upload URL per training file."""

    voice: VoicePrivate
    upload_urls: tuple[str, ...]


@attrs.frozen
class GetPublicVoicesResponse:
    """``GetPublicVoicesResponse``: a page of the catalogue."""

    voices: tuple[VoicePublic, ...]
    next_cursor: str | None = None


@attrs.frozen
class GetMeResponse:
    """``GetMeResponse``."""

    user: UserPrivate


CloneVoiceResponse = VoiceEnvelope

# -- the converter ------------------------------------------------------------------------

_CAMEL = re.compile(r"_([a-z])")


def _camel(name: str) -> str:
    return _CAMEL.sub(lambda m: m.group(1).upper(), name)


_MODELS: tuple[type, ...] = (
    DubPrivate, VoicePublic, VoicePrivate, UserPrivate, ErrorBody, CreateDubRequest,
    CreateVoiceRequest, DubEnvelope, CreateDubResponse, VoiceEnvelope, CreateVoiceResponse,
    GetPublicVoicesResponse, GetMeResponse,
)
_VOCABULARIES: tuple[type[enum.Enum], ...] = (Language, Genre, Style)
#: enums of fields typed ``Enum | str`` (values outside the spec are kept as strings)
_OPEN_ENUMS: tuple[type[enum.Enum], ...] = (DubStatus, VoiceStatus, InputSource, AvatarFormat)
_ENUMS: tuple[type[enum.Enum], ...] = (DubStatus, VoiceStatus, InputSource, AvatarFormat,
                                       *_VOCABULARIES)


def _enum_hook(value: Any, enum_cls: type[enum.Enum]) -> enum.Enum:
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in enum_cls)
        raise ValueError(f"{value!r} is not one of {allowed}") from None


def _number(value: Any) -> int | float | None:
    """A JSON number, or a string that spells one ("30", "12.5"); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        if not math.isfinite(number):
            return None
        return int(number) if number.is_integer() and "." not in value else number
    return None


def _scalar(kind: type, conv: cattrs.Converter) -> None:
    # cattrs would turn "false" into True and 12.7 into 12; the spec's types are kept, with
    # the lenient readings a faithful server may still produce: an integer sent as 12.0 or
    # "12", a non-integral count (kept as sent), a number sent as "12.5", an id sent as 12
    def hook(value: Any, _: Any) -> Any:
        if kind is bool:
            if not isinstance(value, bool):
                raise TypeError(f"expected a boolean, got {value!r}")
            return value
        if kind is str:
            if isinstance(value, int) and not isinstance(value, bool):
                return str(value)
            if not isinstance(value, str):
                raise TypeError(f"expected a string, got {value!r}")
            return value
        number = _number(value)
        if number is None:
            raise TypeError(f"expected a{'n integer' if kind is int else ' number'}, "
                            f"got {value!r}")
        if kind is int:
            return int(number) if float(number).is_integer() else number
        return float(number)

    conv.register_structure_hook(kind, hook)


def _open_enum(enum_cls: type[enum.Enum], conv: cattrs.Converter) -> None:
    # ``Enum | str`` fields: a value the spec lists becomes its member, any other string is
    # kept (a server may grow a status or format; the caller decides what it means)
    def hook(value: Any, _: Any) -> enum.Enum | str:
        if not isinstance(value, str):
            raise TypeError(f"expected a string, got {value!r}")
        try:
            return enum_cls(value)
        except ValueError:
            return value

    wanted = enum_cls | str
    conv.register_structure_hook_func(lambda t: t == wanted, hook)


def _vocabulary_tuple(enum_cls: type[enum.Enum], conv: cattrs.Converter) -> None:
    # the catalogue may grow new genres or languages: unknown ones are skipped, not fatal
    def hook(value: Any, _: Any) -> tuple[enum.Enum, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise TypeError(f"expected a list, got {value!r}")
        known = {m.value: m for m in enum_cls}
        return tuple(known[v] for v in value if v in known)

    wanted = tuple[enum_cls, ...]  # type: ignore[valid-type]
    conv.register_structure_hook_func(lambda t: t == wanted, hook)


def _build() -> cattrs.Converter:
    conv = make_converter()
    for kind in (bool, int, float, str):
        _scalar(kind, conv)
    for enum_cls in _ENUMS:  # exact values only (the str hook above would accept anything)
        conv.register_structure_hook(enum_cls, _enum_hook)
    for enum_cls in _OPEN_ENUMS:
        _open_enum(enum_cls, conv)
    for vocabulary in _VOCABULARIES:
        _vocabulary_tuple(vocabulary, conv)
    for model in _MODELS:
        renames: dict[str, Any] = {f.name: override(rename=_camel(f.name))
                                   for f in attrs.fields(model)}
        conv.register_structure_hook(model, make_dict_structure_fn(model, conv, **renames))
        conv.register_unstructure_hook(
            model, make_dict_unstructure_fn(model, conv, **renames))
    return conv


#: The plugin's cattrs converter (built on ``voicekit_core.models.make_converter()``).
converter = _build()


def structure(body: Any, model: type[T], *, what: str = "response") -> T:
    """Structure vendor JSON into ``model``; BadResponse when it breaks the spec."""
    try:
        return converter.structure(body, model)
    except (cattrs.BaseValidationError, KeyError, TypeError, ValueError) as exc:
        detail = "; ".join(_flatten(exc))[:300]
        raise BadResponse(
            f"voicedub sent a {what} that does not match its API spec "
            f"({model.__name__}): {detail}",
            provider="voicedub",
        ) from None


def unstructure(value: Any) -> Any:
    """A request model as the vendor's JSON (camelCase; fields that are None left out)."""
    body = converter.unstructure(value)
    return {k: v for k, v in body.items() if v is not None}


def _flatten(exc: BaseException) -> list[str]:
    if isinstance(exc, cattrs.BaseValidationError):
        out: list[str] = []
        for inner in exc.exceptions:
            note = getattr(inner, "__notes__", None)
            prefix = f"{note[0]}: " if note else ""
            out.extend(prefix + m for m in _flatten(inner))
        return out
    if isinstance(exc, KeyError):
        return [f"missing field {exc.args[0]!r}"]
    return [str(exc)]
