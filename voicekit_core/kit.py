"""The plugin author's import: every building block of a provider, in one place.

>>> from voicekit_core import kit
>>> class AcmeProvider(kit.Provider): ...  # doctest: +SKIP

Names load on first use (``kit.paginate`` imports ``voicekit_core.paging``), so
``from voicekit_core import kit`` in a plugin costs nothing until the provider runs.
"""

# ruff: noqa: I001  (one grouped re-export line per module, mirroring _EXPORTS)
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._lazy import ExportTable, lazy_exports

if TYPE_CHECKING:  # for type checkers (explicit re-exports); at run time see _EXPORTS
    from .envelopes import listing as listing
    from .errormap import ErrorMap as ErrorMap, error_text as error_text
    from .hookspecs import hookimpl as hookimpl
    from .hookspecs import provides as provides
    from .inputs import (
        AudioRules as AudioRules, TextRules as TextRules, segment as segment,
        language_code as language_code, language_name as language_name,
    )
    from .jobs import (
        JobKind as JobKind, StatusMap as StatusMap, PollPolicy as PollPolicy, Job as Job,
        JobUpdate as JobUpdate, JobState as JobState,
    )
    from .options import Options as Options, opt as opt, operation as operation, Call as Call
    from .paging import (
        Page as Page, paginate as paginate, next_cursor as next_cursor, names_next as names_next,
        next_page_number as next_page_number,
    )
    from .provider import Provider as Provider
    from .registry import ProviderInfo as ProviderInfo
    from .schema import (
        vendor_converter as vendor_converter, structure as structure, wrap_bare as wrap_bare,
        duration_seconds as duration_seconds, VendorStatus as VendorStatus,
        progress_fraction as progress_fraction,
        reader as reader,
    )
    from .transfers import read_audio as read_audio
    from .websocket import CloseMap as CloseMap

_EXPORTS: ExportTable = {
    "Provider": ("provider", "Provider"),
    "ProviderInfo": ("registry", "ProviderInfo"),
    "hookimpl": ("hookspecs", "hookimpl"),
    "provides": ("hookspecs", "provides"),
    # declared options and the operation wrapper
    "Options": ("options", "Options"),
    "opt": ("options", "opt"),
    "operation": ("options", "operation"),
    "Call": ("options", "Call"),
    # inputs
    "AudioRules": ("inputs", "AudioRules"),
    "TextRules": ("inputs", "TextRules"),
    "segment": ("inputs", "segment"),
    "language_code": ("inputs", "language_code"),
    "language_name": ("inputs", "language_name"),
    # paging
    "Page": ("paging", "Page"),
    "paginate": ("paging", "paginate"),
    "next_cursor": ("paging", "next_cursor"),
    "names_next": ("paging", "names_next"),
    "next_page_number": ("paging", "next_page_number"),
    # vendor error bodies
    "ErrorMap": ("errormap", "ErrorMap"),
    "error_text": ("errormap|http", "error_text"),
    # jobs
    "JobKind": ("jobs", "JobKind"),
    "StatusMap": ("jobs", "StatusMap"),
    "PollPolicy": ("jobs", "PollPolicy"),
    "Job": ("jobs", "Job"),
    "JobUpdate": ("jobs", "JobUpdate"),
    "JobState": ("jobs", "JobState"),
    # vendor JSON
    "vendor_converter": ("schema", "vendor_converter"),
    "structure": ("schema", "structure"),
    "wrap_bare": ("schema", "wrap_bare"),
    "duration_seconds": ("schema", "duration_seconds"),
    "VendorStatus": ("schema", "VendorStatus"),
    "progress_fraction": ("schema", "progress_fraction"),
    "reader": ("schema", "reader"),
    "listing": ("envelopes", "listing"),
    # responses and streams
    "read_audio": ("transfers", "read_audio"),
    "CloseMap": ("websocket", "CloseMap"),
}

__all__ = sorted(_EXPORTS)

_getattr, _dir = lazy_exports(__name__, "voicekit_core", _EXPORTS, globals())


def __getattr__(name: str) -> Any:
    """Import ``name`` from its module on first use."""
    return _getattr(name)


def __dir__() -> list[str]:
    return _dir()
