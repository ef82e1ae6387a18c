"""The voicekit error tree.

Every error voicekit raises is a :class:`VoicekitError`. Errors that come from a
vendor carry the provider name, the HTTP status, the vendor's own error code and
the request id where they are known, so a user can act on them or quote them to
the vendor's support::

    VoicekitError
    ├── ConfigurationError
    │   ├── MissingCredentials
    │   ├── ProviderNotInstalled
    │   └── CapabilityNotSupported
    ├── InvalidInput                  (also a ValueError)
    │   └── CreditLimitExceeded       (``max_credits=`` is below the price)
    ├── ProviderError
    │   ├── InvalidRequest            (also an InvalidInput: the vendor rejected the input)
    │   ├── AuthenticationError
    │   ├── PermissionDenied
    │   ├── NotFound
    │   ├── InsufficientCredits
    │   ├── RateLimited
    │   ├── ServerError
    │   └── BadResponse
    ├── TransportError
    │   ├── Timeout
    │   ├── ConnectionFailed
    │   └── StreamInterrupted
    ├── JobFailed
    ├── JobTimeout
    └── CallbackFailed                (your on_update/on_progress callback raised)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "AuthenticationError",
    "BadResponse",
    "CallbackFailed",
    "CapabilityNotSupported",
    "ConfigurationError",
    "ConnectionFailed",
    "CreditLimitExceeded",
    "InsufficientCredits",
    "InvalidInput",
    "InvalidRequest",
    "JobFailed",
    "JobTimeout",
    "MissingCredentials",
    "NotFound",
    "PermissionDenied",
    "ProviderError",
    "ProviderNotInstalled",
    "RateLimited",
    "ServerError",
    "StreamInterrupted",
    "Timeout",
    "TransportError",
    "VoicekitError",
]


#: Credential values in use (16 characters or more), hidden from every error message as a
#: last line of defence; the HTTP client and streams scrub all of theirs first.
_KNOWN_SECRETS: set[str] = set()
_SECRET_MIN = 16


def register_secret(value: str) -> None:
    """Hide ``value`` from every VoicekitError's message from now on (long values only:
    a short one could be an ordinary word)."""
    if isinstance(value, str) and len(value) >= _SECRET_MIN:
        _KNOWN_SECRETS.add(value)


def _hide_secrets(text: str) -> str:
    for secret in _KNOWN_SECRETS:
        if secret in text:
            text = text.replace(secret, "***")
    return text


class VoicekitError(Exception):
    """Base of every error voicekit raises.

    Attributes:
        message: what went wrong and, where possible, what to do about it.
        provider: the provider name (``"gemelo"``), when one is involved.
        status: the HTTP status of the vendor's answer, if there was one.
        code: the vendor's own error code, if it sent one.
        request_id: the vendor's request id, if it sent one.
        received_bytes: for an error that ended a stream or download midway, the bytes
            that had arrived (None otherwise).
    """

    received_bytes: int | None = None

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        received_bytes: int | None = None,
    ) -> None:
        if _KNOWN_SECRETS:
            message = _hide_secrets(message) if isinstance(message, str) else message
            code = _hide_secrets(code) if isinstance(code, str) else code
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.status = status
        self.code = code
        self.request_id = request_id
        if received_bytes is not None:
            self.received_bytes = received_bytes

    def __str__(self) -> str:
        details = []
        if self.provider:
            details.append(f"provider={self.provider}")
        if self.status is not None:
            details.append(f"status={self.status}")
        if self.code:
            details.append(f"code={self.code}")
        if self.request_id:
            details.append(f"request_id={self.request_id}")
        return f"{self.message} [{', '.join(details)}]" if details else self.message


# -- configuration ---------------------------------------------------------------------


class ConfigurationError(VoicekitError):
    """voicekit, a provider or its credentials are not set up correctly."""


class MissingCredentials(ConfigurationError):
    """A provider needs credentials that were not given, set in the environment or stored."""

    def __init__(self, provider: str, missing: Sequence[str]) -> None:
        self.missing = tuple(missing)
        names = ", ".join(self.missing)
        super().__init__(
            f"{provider} needs {names}: pass it to connect(), set the environment "
            f"variable, or store it with `voicekit keys set {provider}`",
            provider=provider,
        )


class ProviderNotInstalled(ConfigurationError):
    """The named provider is not installed (or not known at all)."""

    def __init__(self, name: str, *, hint: str | None, installed: Sequence[str]) -> None:
        self.name = name
        self.hint = hint
        self.installed = tuple(installed)
        if hint:
            message = f"provider {name!r} is not installed: {hint}"
        else:
            message = f"no provider named {name!r} is installed or known"
        if self.installed:
            message += f" (installed: {', '.join(self.installed)})"
        close = _close_names(name, self.installed)
        if close:
            message += f"; did you mean {' or '.join(repr(c) for c in close)}?"
        super().__init__(message, provider=name)


def _close_names(name: str, known: Sequence[str]) -> list[str]:
    """Installed names close to a typo (``espek`` -> ``espeak``)."""
    if not isinstance(name, str) or not known:
        return []
    import difflib

    return difflib.get_close_matches(name.lower(), list(known), n=2, cutoff=0.6)


class CapabilityNotSupported(ConfigurationError):
    """A provider was asked for a capability it does not have."""

    def __init__(self, provider: str, capability: str, alternatives: Sequence[str]) -> None:
        self.capability = capability
        self.alternatives = tuple(alternatives)
        message = f"{provider} does not support {capability}"
        if self.alternatives:
            message += f"; installed providers that do: {', '.join(self.alternatives)}"
        else:
            message += "; no installed provider supports it"
        super().__init__(message, provider=provider)


# -- input -----------------------------------------------------------------------------


class InvalidInput(VoicekitError, ValueError):
    """An argument breaks a documented limit. Raised before any request is sent.

    Attributes:
        field: the argument at fault (``"text"``, ``"pitch_shift"``).
        limit: the rule it breaks, in words (``"at most 5000 UTF-8 bytes"``).
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        limit: str | None = None,
        provider: str | None = None,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        received_bytes: int | None = None,
    ) -> None:
        super().__init__(
            message, provider=provider, status=status, code=code, request_id=request_id,
            received_bytes=received_bytes,
        )
        self.field = field
        self.limit = limit


class CreditLimitExceeded(InvalidInput):
    """An operation would spend more than the caller's ``max_credits=``. Nothing was spent.

    Attributes:
        max_credits: the caller's limit.
        need: what the operation costs.
    """

    def __init__(self, message: str, *, max_credits: float, need: float, **kwargs: Any) -> None:
        super().__init__(message, field="max_credits", limit=f"at most {max_credits:g}",
                         **kwargs)
        self.max_credits = max_credits
        self.need = need


# -- the vendor's answers ----------------------------------------------------------------


class ProviderError(VoicekitError):
    """The vendor answered with an error.

    ``may_have_been_processed`` is True when a request that may spend credits failed after
    it may have reached the vendor: it was not retried, and the caller should check
    (a balance, a job list) before sending it again.
    """

    may_have_been_processed: bool = False

    def __init__(self, message: str, **kwargs: Any) -> None:
        processed = kwargs.pop("may_have_been_processed", False)
        super().__init__(message, **kwargs)
        self.may_have_been_processed = processed


class InvalidRequest(ProviderError, InvalidInput):
    """The vendor rejected the request's input (HTTP 400/422)."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        ProviderError.__init__(self, message, **kwargs)
        self.field = None
        self.limit = None


class AuthenticationError(ProviderError):
    """The vendor did not accept the credentials (HTTP 401)."""


class PermissionDenied(ProviderError):
    """The credentials are valid but not allowed to do this (HTTP 403)."""


class NotFound(ProviderError):
    """The voice, job or resource does not exist (HTTP 404), or a local voice is unknown."""


class InsufficientCredits(ProviderError):
    """The account has too few credits. Never retried.

    Attributes:
        have: the credits the account holds, when the vendor says.
        need: the credits the operation needs, when known.
    """

    def __init__(
        self, message: str, *, have: float | None = None, need: float | None = None, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.have = have
        self.need = need


class RateLimited(ProviderError):
    """The vendor's rate limit was hit and retries did not get through.

    Attributes:
        retry_after: seconds until the vendor accepts requests again, when it says.
        limit, remaining: the X-RateLimit-Limit / -Remaining values, when sent.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        limit: int | None = None,
        remaining: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        self.limit = limit
        self.remaining = remaining


class ServerError(ProviderError):
    """The vendor failed (HTTP 5xx)."""


class BadResponse(ProviderError):
    """The vendor's answer could not be understood (malformed JSON, missing fields, short body)."""


# -- transport -------------------------------------------------------------------------


class TransportError(VoicekitError):
    """The network failed between voicekit and the vendor.

    Attributes:
        may_have_been_processed: the request may have reached the vendor (a spending
            request is then not retried; check before sending it again).
        never_sent: the request provably never reached the vendor (connection refused,
            DNS, connect timeout), so retrying it cannot spend twice.
    """

    may_have_been_processed: bool = False
    never_sent: bool = False

    def __init__(self, message: str, **kwargs: Any) -> None:
        processed = kwargs.pop("may_have_been_processed", False)
        never_sent = kwargs.pop("never_sent", False)
        super().__init__(message, **kwargs)
        self.may_have_been_processed = processed
        self.never_sent = never_sent


class Timeout(TransportError):
    """The vendor did not answer in time."""


class ConnectionFailed(TransportError):
    """The connection could not be made, or broke."""


class StreamInterrupted(TransportError):
    """A stream or download ended before it was complete.

    Attributes:
        received_bytes: how many bytes arrived before it broke.
    """

    received_bytes: int

    def __init__(self, message: str, *, received_bytes: int, **kwargs: Any) -> None:
        super().__init__(message, received_bytes=received_bytes, **kwargs)


# -- jobs ------------------------------------------------------------------------------


class JobFailed(VoicekitError):
    """A long-running job (clone, dub, twin, speech) ended in failure at the vendor.

    Attributes:
        job_id: the vendor's id of the job.
        vendor_status: the vendor's final status string.
    """

    def __init__(
        self,
        message: str,
        *,
        job_id: str,
        vendor_status: str | None = None,
        provider: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message, provider=provider, code=code)
        self.job_id = job_id
        self.vendor_status = vendor_status


class JobTimeout(VoicekitError):
    """``Job.wait(timeout=...)`` ran out before the job finished. The job goes on at the vendor.

    Attributes:
        job_id: the vendor's id of the job; resume with ``provider.job(ref)``.
        last_status: the vendor status seen last.
        ref: the job reference to resume waiting later.
    """

    def __init__(
        self,
        message: str,
        *,
        job_id: str,
        last_status: str | None,
        ref: str,
        provider: str | None = None,
    ) -> None:
        super().__init__(message, provider=provider)
        self.job_id = job_id
        self.last_status = last_status
        self.ref = ref


# -- callbacks -------------------------------------------------------------------------


class CallbackFailed(VoicekitError):
    """A callback you passed (``on_update``, ``on_progress``, ``on_upload_progress``) raised;
    the work it reported on stopped there. The original exception is ``__cause__``.

    Attributes:
        callback: the name of the parameter the callback was given as.
    """

    def __init__(self, message: str, *, callback: str, provider: str | None = None) -> None:
        super().__init__(message, provider=provider)
        self.callback = callback
