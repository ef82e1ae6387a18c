"""What providers tell observers: :class:`Event`, delivered to ``voicekit_on_event`` hooks."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

__all__ = ["Event"]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _freeze(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value)) if value else _EMPTY


@attrs.frozen
class Event:
    """What ``voicekit_on_event`` observers receive.

    ``kind`` is one of ``request``, ``response``, ``retry``, ``job_update``,
    ``credits_spent``; ``data`` holds its details (never a credential).
    """

    kind: str
    provider: str
    data: Mapping[str, Any] = attrs.field(default=_EMPTY, converter=_freeze)
