"""What an operation hands its body and tells the CLI: :class:`Call`, :class:`OperationInfo`
and :func:`accepts`. The :func:`~voicekit_core.options.operation` decorator builds both."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from .models import Cost

if TYPE_CHECKING:
    from .inputs import AudioRules, TextRules
    from .options import Options
    from .provider import Provider

__all__ = ["Call", "OperationInfo", "accepts"]


@attrs.frozen
class Call:
    """What the operation wrapper hands the method body besides its arguments."""

    name: str
    max_credits: float | None
    on_upload_progress: Callable[[int, int | None], None] | None
    cost: Cost | None
    provider: Provider = attrs.field(repr=False, kw_only=True)

    def spent(self, credits: float, unit: str = "credits", **data: Any) -> None:
        """Report what the call spent (the ``credits_spent`` event, operation = the call)."""
        data.setdefault("operation", self.name)
        self.provider.spent(credits, unit, **data)


@attrs.frozen
class OperationInfo:
    """What :func:`~voicekit_core.options.operation` knows about a method
    (``method.__voicekit_operation__``)."""

    name: str
    options: type[Options]
    spends: bool
    inputs: Mapping[str, TextRules | AudioRules]
    uploads: bool
    #: the method's own keyword names (besides options), as the public signature shows them
    keywords: tuple[str, ...]


def accepts(method: Callable[..., Any], keyword: str) -> bool:
    """Whether ``method`` takes ``keyword`` by name (not only through ``**options``).

    Reads what :func:`~voicekit_core.options.operation` declared; for a method written
    without it, its signature.
    """
    info = getattr(method, "__voicekit_operation__", None)
    if isinstance(info, OperationInfo):
        return keyword in info.keywords or keyword in info.options.names()
    try:
        return keyword in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False
