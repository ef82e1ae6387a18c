"""What ends a stream: close codes (:class:`CloseMap`) and the vendor's JSON error frames
(:class:`StreamErrors`) mapped onto the error tree, reasons scrubbed of secrets."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence

import attrs

from .errormap import STATUS_ERRORS, ErrorMap, error_text
from .errors import (
    InvalidRequest,
    PermissionDenied,
    ProviderError,
    ServerError,
    StreamInterrupted,
    VoicekitError,
)
from .urls import scrub_secrets

__all__ = ["CloseError", "CloseMap", "StreamErrors", "default_close_error"]

#: Maps a close (code, reason) to the error to raise; None means "a normal end".
CloseError = Callable[[int, str], "VoicekitError | None"]

#: Close codes of RFC 6455 that mean something besides "error".
_PROTOCOL_CLOSES: dict[int, type[VoicekitError]] = {
    1001: StreamInterrupted,  # going away: the server shut down mid-stream
    1003: InvalidRequest, 1007: InvalidRequest, 1009: InvalidRequest,
    1008: PermissionDenied,
    1011: ServerError, 1012: ServerError, 1013: ServerError, 1014: ServerError,
    1005: StreamInterrupted, 1006: StreamInterrupted,  # no status / abnormal closure
}


@attrs.frozen
class CloseMap:
    """How a vendor's WebSocket close codes map onto the error tree.

    Attributes:
        codes: close code -> error class, consulted first.
        http_mirror: 4xxx codes mirror the HTTP status ``xxx`` (4401 AuthenticationError,
            4402 InsufficientCredits, 4403 PermissionDenied, 4404 NotFound, 4429
            RateLimited, 4400/4422 InvalidRequest, 4500 and up ServerError).
        hints: ``(regex, class)`` searched in the close reason when the code alone says
            no more than ProviderError or PermissionDenied (e.g. an auth failure).

    1000 is a normal end; 1005/1006 (no status, dropped) are StreamInterrupted; 1011-1014
    are ServerError; anything else is ProviderError.
    """

    codes: Mapping[int, type[VoicekitError]] = attrs.field(factory=dict)
    http_mirror: bool = True
    hints: Sequence[tuple[str, type[VoicekitError]]] = ()

    def error_class(self, code: int, reason: str = "") -> type[VoicekitError] | None:
        """The class for ``code`` (None for a normal close)."""
        if code == 1000:
            return None
        cls = self.codes.get(code)
        if cls is None and self.http_mirror and 4000 <= code <= 4999:
            status = code - 4000
            cls = STATUS_ERRORS.get(status) or (ServerError if 500 <= status <= 599 else None)
        if cls is None:
            cls = _PROTOCOL_CLOSES.get(code)
        if cls is None or cls in (ProviderError, PermissionDenied):
            for pattern, hinted in self.hints:
                if re.search(pattern, reason, re.I):
                    return hinted
        return cls or ProviderError

    def error(self, code: int, reason: str, *, provider: str, received_bytes: int = 0,
              secrets: Sequence[str] = ()) -> VoicekitError | None:
        """The error for a close (None for a normal one); the reason scrubbed of secrets."""
        cls = self.error_class(code, reason)
        if cls is None:
            return None
        reason = scrub_secrets(reason.strip(), secrets)[:300]
        what = reason or ("no status code" if code == 1005 else "no reason given")
        return _make(cls, f"{provider} closed the stream after {received_bytes} bytes: {what} "
                          f"(close code {code})", provider=provider, code=str(code),
                     received_bytes=received_bytes)


def _make(cls: type[VoicekitError], message: str, *, provider: str, code: str | None,
          received_bytes: int) -> VoicekitError:
    """``cls`` built with what a stream knows; a class whose constructor wants other
    arguments (a plugin's, or CreditLimitExceeded) falls back to ProviderError."""
    try:
        return cls(message, provider=provider, code=code, received_bytes=received_bytes)
    except TypeError:
        return ProviderError(message, provider=provider, code=code,
                             received_bytes=received_bytes)


class StreamErrors:
    """How one stream ends: remembers a JSON error frame (``{"type": "error", ...}`` or
    ``{"error": ...}``) and uses it for the close that follows.

    An error frame followed by a normal close (1000) still raises (ProviderError, or the
    class ``errors`` gives its code); a close without a reason takes the frame's message.
    """

    def __init__(self, provider: str, close_map: CloseMap | None = None, *,
                 errors: ErrorMap | None = None, secrets: Sequence[str] = ()) -> None:
        self.provider = provider
        self.close_map = close_map or CloseMap()
        self.errors = errors or ErrorMap()
        self.secrets = tuple(secrets)
        self.reported: tuple[str, str | None] | None = None  # (message, vendor code)

    def on_text(self, message: str) -> None:
        """Look at a text frame; remember it when it reports an error."""
        try:
            body = json.loads(message)
        except (ValueError, RecursionError):
            return
        if not isinstance(body, dict):
            return
        kind = body.get("type")
        kind = kind if isinstance(kind, str) else ""
        if kind.lower() != "error" and not body.get("error") and body.get("status") != "error":
            return
        fields = self.errors.unwrap(body)
        text = next((t for t in (error_text(fields.get(k)) for k in self.errors.message)
                     if t), None) or error_text(fields) or "unknown error"
        code = fields.get("code")
        vendor_code = str(code)[:100] if isinstance(code, (str, int)) \
            and not isinstance(code, bool) else None
        self.reported = (scrub_secrets(text, self.secrets)[:300], vendor_code)

    def close_error(self, code: int, reason: str, received_bytes: int = 0
                    ) -> VoicekitError | None:
        """The error a close means, given what the stream reported before it."""
        if self.reported is not None:
            text, vendor_code = self.reported
            if code == 1000:
                cls = self.errors.classify(0, vendor_code, text) or ProviderError
                return _make(cls, f"{self.provider} reported an error during the stream: "
                                  f"{text}", provider=self.provider, code=vendor_code,
                             received_bytes=received_bytes)
            if not reason.strip():
                reason = text
        return self.close_map.error(code, reason, provider=self.provider,
                                    received_bytes=received_bytes, secrets=self.secrets)


def default_close_error(provider: str) -> CloseError:
    """1000 is a normal end; any other code maps through a default :class:`CloseMap`."""
    close_map = CloseMap()

    def close_error(code: int, reason: str) -> VoicekitError | None:
        return close_map.error(code, reason, provider=provider)

    return close_error
