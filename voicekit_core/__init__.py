"""voicekit: one synchronous API over voice-AI vendors.

>>> import voicekit_core as vk
>>> tts = vk.connect("espeak")
>>> tts.synthesize("Hello!", voice="en").save("hello.wav")  # doctest: +SKIP

``import voicekit_core`` loads no plugin and does no entry-point discovery; that happens
on the first ``connect()`` / ``providers()``. Public names load on first use, from the one
table below (which drives ``__getattr__``, ``__all__`` and ``__dir__``).
"""

# ruff: noqa: I001  (one grouped re-export line per module, mirroring _EXPORTS)
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._lazy import ExportTable, lazy_exports

if TYPE_CHECKING:  # for type checkers (explicit re-exports); at run time see _EXPORTS
    from .audio import AudioSource as AudioSource
    from .capabilities import (
        CAPABILITIES as CAPABILITIES, Balance as Balance, Capability as Capability,
        CloneVoice as CloneVoice, ConvertVoice as ConvertVoice, CreateTwin as CreateTwin,
        Dub as Dub, GenerateVideo as GenerateVideo, ListVoices as ListVoices,
        StreamSynthesize as StreamSynthesize, Synthesize as Synthesize,
    )
    from .clock import Clock as Clock, ManualClock as ManualClock, SystemClock as SystemClock
    from .credentials import Secret as Secret
    from .errors import (
        AuthenticationError as AuthenticationError, BadResponse as BadResponse,
        CallbackFailed as CallbackFailed,
        CapabilityNotSupported as CapabilityNotSupported, ConfigurationError as ConfigurationError,
        ConnectionFailed as ConnectionFailed, CreditLimitExceeded as CreditLimitExceeded,
        InsufficientCredits as InsufficientCredits, InvalidInput as InvalidInput,
        InvalidRequest as InvalidRequest, JobFailed as JobFailed, JobTimeout as JobTimeout,
        MissingCredentials as MissingCredentials, NotFound as NotFound,
        PermissionDenied as PermissionDenied, ProviderError as ProviderError,
        ProviderNotInstalled as ProviderNotInstalled, RateLimited as RateLimited,
        ServerError as ServerError, StreamInterrupted as StreamInterrupted, Timeout as Timeout,
        TransportError as TransportError, VoicekitError as VoicekitError,
    )
    from .events import Event as Event
    from .hookspecs import hookimpl as hookimpl
    from .jobs import (
        Job as Job, JobRef as JobRef, JobState as JobState, JobUpdate as JobUpdate,
        PollPolicy as PollPolicy,
    )
    from .models import (
        Audio as Audio, AudioStream as AudioStream, Cost as Cost, DubResult as DubResult,
        DuplexStream as DuplexStream, SavedAudio as SavedAudio, Twin as Twin, Video as Video,
        Voice as Voice,
    )
    from .models import Balance as _Balance
    from .provider import Provider as Provider
    from .registry import (
        ProviderInfo as ProviderInfo, connect as connect, plugin_errors as plugin_errors,
        providers as providers, require as require,
    )

    BalanceInfo = _Balance

_EXPORTS: ExportTable = {
    "AudioSource": ("audio", "AudioSource"),
    "CAPABILITIES": ("capabilities", "CAPABILITIES"),
    "Balance": ("capabilities", "Balance"),
    "Capability": ("capabilities", "Capability"),
    "CloneVoice": ("capabilities", "CloneVoice"),
    "ConvertVoice": ("capabilities", "ConvertVoice"),
    "CreateTwin": ("capabilities", "CreateTwin"),
    "Dub": ("capabilities", "Dub"),
    "GenerateVideo": ("capabilities", "GenerateVideo"),
    "ListVoices": ("capabilities", "ListVoices"),
    "StreamSynthesize": ("capabilities", "StreamSynthesize"),
    "Synthesize": ("capabilities", "Synthesize"),
    "Clock": ("clock", "Clock"),
    "ManualClock": ("clock", "ManualClock"),
    "SystemClock": ("clock", "SystemClock"),
    "Secret": ("credentials", "Secret"),
    "AuthenticationError": ("errors", "AuthenticationError"),
    "BadResponse": ("errors", "BadResponse"),
    "CallbackFailed": ("errors", "CallbackFailed"),
    "CapabilityNotSupported": ("errors", "CapabilityNotSupported"),
    "ConfigurationError": ("errors", "ConfigurationError"),
    "ConnectionFailed": ("errors", "ConnectionFailed"),
    "CreditLimitExceeded": ("errors", "CreditLimitExceeded"),
    "InsufficientCredits": ("errors", "InsufficientCredits"),
    "InvalidInput": ("errors", "InvalidInput"),
    "InvalidRequest": ("errors", "InvalidRequest"),
    "JobFailed": ("errors", "JobFailed"),
    "JobTimeout": ("errors", "JobTimeout"),
    "MissingCredentials": ("errors", "MissingCredentials"),
    "NotFound": ("errors", "NotFound"),
    "PermissionDenied": ("errors", "PermissionDenied"),
    "ProviderError": ("errors", "ProviderError"),
    "ProviderNotInstalled": ("errors", "ProviderNotInstalled"),
    "RateLimited": ("errors", "RateLimited"),
    "ServerError": ("errors", "ServerError"),
    "StreamInterrupted": ("errors", "StreamInterrupted"),
    "Timeout": ("errors", "Timeout"),
    "TransportError": ("errors", "TransportError"),
    "VoicekitError": ("errors", "VoicekitError"),
    "hookimpl": ("hookspecs", "hookimpl"),
    "Job": ("jobs", "Job"),
    "JobRef": ("jobs", "JobRef"),
    "WaitInterrupted": ("jobs", "WaitInterrupted"),
    "JobState": ("jobs", "JobState"),
    "JobUpdate": ("jobs", "JobUpdate"),
    "PollPolicy": ("jobs", "PollPolicy"),
    "Audio": ("models", "Audio"),
    "AudioStream": ("models", "AudioStream"),
    "SavedAudio": ("models", "SavedAudio"),
    "Cost": ("models", "Cost"),
    "DubResult": ("models", "DubResult"),
    "DuplexStream": ("models", "DuplexStream"),
    "Event": ("events", "Event"),
    "ProviderInfo": ("registry", "ProviderInfo"),
    "Twin": ("models", "Twin"),
    "Video": ("models", "Video"),
    "Voice": ("models", "Voice"),
    "BalanceInfo": ("models", "Balance"),
    "Provider": ("provider", "Provider"),
    "connect": ("registry", "connect"),
    "plugin_errors": ("registry", "plugin_errors"),
    "providers": ("registry", "providers"),
    "require": ("registry", "require"),
}

__version__ = "0.1.0"

__all__ = sorted(_EXPORTS)

_getattr, _dir = lazy_exports(__name__, __name__, _EXPORTS, globals(), submodules=True)


def __getattr__(name: str) -> Any:
    """Load public names (and submodules) on first use, so that ``import voicekit_core``
    and ``voicekit --help`` stay fast."""
    return _getattr(name)


def __dir__() -> list[str]:
    return _dir()
