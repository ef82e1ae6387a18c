"""voicekit: one synchronous API over voice-AI vendors.

>>> import voicekit_core as vk
>>> tts = vk.connect("espeak")
>>> tts.synthesize("Hello!", voice="en").save("hello.wav")  # doctest: +SKIP

``import voicekit_core`` loads no plugin and does no entry-point discovery; that happens
on the first ``connect()`` / ``providers()``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below are loaded on first use (see __getattr__)
    from .audio import AudioSource
    from .capabilities import (
        CAPABILITIES,
        Balance,
        Capability,
        CloneVoice,
        ConvertVoice,
        CreateTwin,
        Dub,
        ListVoices,
        StreamSynthesize,
        Synthesize,
    )
    from .clock import Clock, ManualClock, SystemClock
    from .credentials import Secret
    from .errors import (
        AuthenticationError,
        BadResponse,
        CapabilityNotSupported,
        ConfigurationError,
        ConnectionFailed,
        CreditLimitExceeded,
        InsufficientCredits,
        InvalidInput,
        InvalidRequest,
        JobFailed,
        JobTimeout,
        MissingCredentials,
        NotFound,
        PermissionDenied,
        ProviderError,
        ProviderNotInstalled,
        RateLimited,
        ServerError,
        StreamInterrupted,
        Timeout,
        TransportError,
        VoicekitError,
    )
    from .hookspecs import hookimpl
    from .jobs import Job, JobRef, JobState, JobUpdate, PollPolicy
    from .models import (
        Audio,
        AudioStream,
        Cost,
        DubResult,
        DuplexStream,
        Event,
        ProviderInfo,
        Twin,
        Video,
        Voice,
    )
    from .models import Balance as BalanceInfo
    from .provider import Provider
    from .registry import connect, plugin_errors, providers, require


_EXPORTS: dict[str, tuple[str, str]] = {
    "AudioSource": ("audio", "AudioSource"),
    "CAPABILITIES": ("capabilities", "CAPABILITIES"),
    "Balance": ("capabilities", "Balance"),
    "Capability": ("capabilities", "Capability"),
    "CloneVoice": ("capabilities", "CloneVoice"),
    "ConvertVoice": ("capabilities", "ConvertVoice"),
    "CreateTwin": ("capabilities", "CreateTwin"),
    "Dub": ("capabilities", "Dub"),
    "ListVoices": ("capabilities", "ListVoices"),
    "StreamSynthesize": ("capabilities", "StreamSynthesize"),
    "Synthesize": ("capabilities", "Synthesize"),
    "Clock": ("clock", "Clock"),
    "ManualClock": ("clock", "ManualClock"),
    "SystemClock": ("clock", "SystemClock"),
    "Secret": ("credentials", "Secret"),
    "AuthenticationError": ("errors", "AuthenticationError"),
    "BadResponse": ("errors", "BadResponse"),
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
    "JobState": ("jobs", "JobState"),
    "JobUpdate": ("jobs", "JobUpdate"),
    "PollPolicy": ("jobs", "PollPolicy"),
    "Audio": ("models", "Audio"),
    "AudioStream": ("models", "AudioStream"),
    "Cost": ("models", "Cost"),
    "DubResult": ("models", "DubResult"),
    "DuplexStream": ("models", "DuplexStream"),
    "Event": ("models", "Event"),
    "ProviderInfo": ("models", "ProviderInfo"),
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

__all__ = [
    "CAPABILITIES",
    "Audio",
    "AudioSource",
    "AudioStream",
    "AuthenticationError",
    "BadResponse",
    "Balance",
    "BalanceInfo",
    "Capability",
    "CapabilityNotSupported",
    "Clock",
    "CloneVoice",
    "ConfigurationError",
    "ConnectionFailed",
    "ConvertVoice",
    "Cost",
    "CreateTwin",
    "CreditLimitExceeded",
    "Dub",
    "DubResult",
    "DuplexStream",
    "Event",
    "InsufficientCredits",
    "InvalidInput",
    "InvalidRequest",
    "Job",
    "JobFailed",
    "JobRef",
    "JobState",
    "JobTimeout",
    "JobUpdate",
    "ListVoices",
    "ManualClock",
    "MissingCredentials",
    "NotFound",
    "PermissionDenied",
    "PollPolicy",
    "Provider",
    "ProviderError",
    "ProviderInfo",
    "ProviderNotInstalled",
    "RateLimited",
    "Secret",
    "ServerError",
    "StreamInterrupted",
    "StreamSynthesize",
    "Synthesize",
    "SystemClock",
    "Timeout",
    "TransportError",
    "Twin",
    "Video",
    "Voice",
    "VoicekitError",
    "connect",
    "hookimpl",
    "plugin_errors",
    "providers",
    "require",
]


def __getattr__(name: str) -> Any:
    """Load public names (and submodules) on first use, so that ``import voicekit_core``
    and ``voicekit --help`` stay fast."""
    target = _EXPORTS.get(name)
    if target is None:
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{target[0]}"), target[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
