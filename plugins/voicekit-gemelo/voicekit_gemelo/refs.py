"""Gemelo voice references: an integer ``voiceId`` plus a ``voiceType`` (system or cloned).

System and cloned ids may collide, so the type travels with the id: in a
:class:`~voicekit_core.models.Voice` (its ``kind``, or a ``voiceType`` Gemelo sent), or
written ``"cloned:501"`` / ``"system:35"``. A bare id (``35``, ``"35"``) has no type of its
own; the provider looks it up when it is used.
"""

from __future__ import annotations

from voicekit_core import validate
from voicekit_core.errors import InvalidInput
from voicekit_core.models import Voice

__all__ = ["VOICE_TYPES", "parse_ref", "typed"]

#: Gemelo's ``voiceType`` values.
VOICE_TYPES: tuple[str, ...] = ("system", "cloned")


def typed(voice: object) -> bool:
    """Whether ``voice`` names its type (a Voice, or ``"<type>:<id>"``)."""
    return isinstance(voice, Voice) or (isinstance(voice, str) and ":" in voice)


def parse_ref(voice: object, *, voice_type: str | None = None,
              default_type: str = "system") -> tuple[int, str]:
    """``(voiceId, voiceType)`` of ``voice``; an explicit ``voice_type`` wins, a bare id is
    ``default_type``. InvalidInput for anything that is not a Gemelo voice id."""
    if type(voice) is str and voice_type is None and voice.isdigit() and voice.isascii():
        return int(voice), default_type  # the common case, as voice_id() hands it on
    vtype: str | None = None
    value: object = voice
    if isinstance(voice, Voice):
        value, declared = voice.id, voice.raw.get("voiceType")
        vtype = declared.lower() if isinstance(declared, str) and \
            declared.lower() in VOICE_TYPES else "cloned" if voice.kind == "cloned" else "system"
    elif isinstance(voice, str):
        prefix, sep, rest = voice.strip().partition(":")
        value = voice.strip()
        if sep and prefix.strip().lower() in VOICE_TYPES:
            vtype, value = prefix.strip().lower(), rest.strip()
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"a gemelo voice id is an integer or a numeric string, got "
                           f"{validate.show(voice)}", field="voice", limit="an integer voice id")
    if voice_type is not None:
        vtype = validate.choice(voice_type, VOICE_TYPES, field="voice_type")
    return value, vtype or default_type
