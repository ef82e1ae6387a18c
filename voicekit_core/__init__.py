"""voicekit: one synchronous API over voice-AI vendors.

>>> import voicekit_core as vk
>>> tts = vk.connect("espeak")
>>> tts.synthesize("Hello!", voice="en").save("hello.wav")  # doctest: +SKIP

``import voicekit_core`` loads no plugin and does no entry-point discovery; that happens
on the first ``connect()`` / ``providers()``.
"""

from __future__ import annotations

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
