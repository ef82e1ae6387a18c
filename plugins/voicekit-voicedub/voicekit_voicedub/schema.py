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
import functools
from typing import Any, TypeVar

import attrs
import cattrs

from voicekit_core.schema import camel as _camel  # noqa: F401 (the contract test uses it)
from voicekit_core.schema import reader, vendor_converter
from voicekit_core.schema import unstructure as _unstructure

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

#: enums of fields typed ``Enum | str`` (values outside the spec are kept as strings)
_OPEN_ENUMS: tuple[type[enum.Enum], ...] = (DubStatus, VoiceStatus, InputSource, AvatarFormat)
#: the catalogue's vocabularies (values the spec does not list are skipped)
_VOCABULARIES: tuple[type[enum.Enum], ...] = (Language, Genre, Style)


@functools.cache
def converter() -> cattrs.Converter:
    """The plugin's cattrs converter (the core's vendor rules, camelCase), built on first use."""
    return vendor_converter(camel_case=True, open_enums=_OPEN_ENUMS,
                            vocabularies=_VOCABULARIES)


#: ``structure(body, Model, what=...)``: vendor JSON as ``Model``; BadResponse when it
#: breaks the spec
structure = reader(converter, "voicedub")


def unstructure(value: Any) -> Any:
    """A request model as the vendor's JSON (camelCase; fields that are None left out)."""
    return _unstructure(converter(), value)
