"""URLs and secrets in text: origins, base-URL checks, log-safe URLs, credential scrubbing.

Pure string work (no ``requests`` import), shared by HTTP, WebSocket and error parsing.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import ConfigurationError

__all__ = [
    "check_base_url",
    "is_loopback",
    "link_problem",
    "origin_of",
    "redact_url",
    "scrub_secrets",
    "websocket_url",
]

_SENSITIVE_QUERY = re.compile(
    r"(sig|signature|token|key|secret|credential|auth|policy|x-amz-|x-goog-|password)", re.I
)
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


@functools.lru_cache(maxsize=512)
def origin_of(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port made explicit.

    Never raises: a URL whose port is not a number gets port None.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = urllib.parse.urlsplit(url.split("?")[0].split("#")[0]), None
        try:
            host = (parts.hostname or "").lower()
        except ValueError:  # pragma: no cover - urlsplit refuses before this
            host = ""
        return {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme), host, None
    port = port or _DEFAULT_PORTS.get(parts.scheme)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return scheme, (parts.hostname or "").lower(), port


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: object, *, allow_http: bool = False, provider: str | None = None) -> str:
    """Validate a provider base URL (ConfigurationError naming the problem).

    Refused: non-http(s) schemes, no host, a bad port, user info, a query or fragment, ``.``
    or ``..`` path segments, whitespace or control characters, and plain http off loopback
    unless ``allow_http``. Returns the URL without a trailing slash.
    """
    if not isinstance(url, str):
        raise ConfigurationError(f"base_url must be a string, got {type(url).__name__}",
                                 provider=provider)
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise ConfigurationError("base_url must not contain whitespace or control characters",
                                 provider=provider)
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
        _ = parts.port
    except ValueError as exc:
        raise ConfigurationError(f"base_url is not a valid URL ({exc}): {redact_url(url)!r}",
                                 provider=provider) from None
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigurationError(f"base_url must be an http(s) URL, got {redact_url(url)!r}",
                                 provider=provider)
    if parts.username or parts.password:
        raise ConfigurationError("base_url must not carry credentials; pass them as options",
                                 provider=provider)
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise ConfigurationError("base_url must not have a query or fragment (?... / #...); "
                                 "give the API root only", provider=provider)
    segments = urllib.parse.unquote(parts.path).split("/")
    if any(seg in (".", "..") for seg in segments):
        raise ConfigurationError(f"base_url must not contain '.' or '..' path segments, got "
                                 f"{parts.path!r}", provider=provider)
    if parts.scheme == "http" and not allow_http and not is_loopback(host):
        raise ConfigurationError(
            f"refusing plain http to {host}: keys would travel unencrypted. Use "
            "https, or pass allow_http=True if this is really what you want",
            provider=provider,
        )
    return url.rstrip("/")


def link_problem(url: object) -> str | None:
    """Why ``url`` is not a usable absolute http(s) link (None when it is): not text, a
    missing host, another scheme, a bad port, whitespace or control characters."""
    if not isinstance(url, str) or not url:
        return "it is not a URL"
    if any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in url):
        return "it contains whitespace or control characters"
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
        _ = parts.port
    except ValueError as exc:
        return f"it does not parse ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"its scheme is not http(s) ({parts.scheme or 'none'})"
    if not host:
        return "it names no host"
    return None


def redact_url(url: str, *, trusted_origin: tuple[str, str, int | None] | None = None) -> str:
    """``url`` fit for logs and errors: signatures and keys in the query are hidden.

    For URLs off ``trusted_origin`` (presigned storage links) the whole query is hidden.
    User info (``user:password@``) is always hidden.
    """
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return url.split("?")[0].split("#")[0]
    if "@" in parts.netloc:
        parts = parts._replace(netloc="<redacted>@" + parts.netloc.rsplit("@", 1)[1])
    if not parts.query:
        return urllib.parse.urlunsplit(parts)
    if trusted_origin is not None and origin_of(url) != trusted_origin:
        query = "<redacted>"
    else:
        pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        query = "&".join(
            f"{k}={'<redacted>' if _SENSITIVE_QUERY.search(k) else v}" for k, v in pairs
        )
    return urllib.parse.urlunsplit(parts._replace(query=query))


def websocket_url(url: str, params: Mapping[str, Any] | None = None) -> str:
    """The ws:// or wss:// form of an http(s) URL, with ``params`` appended as a query."""
    if url.startswith("https://"):
        url = "wss://" + url[len("https://"):]
    elif url.startswith("http://"):
        url = "ws://" + url[len("http://"):]
    if params:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params, doseq=True)
    return url


# -- secrets in text ---------------------------------------------------------------------

#: Secrets at least this long are hidden wherever they appear; shorter ones only as a whole
#: token (so a 1-character test key never turns "Unauthorized" into "Unauthoriz***d").
_SUBSTRING_MIN = 16
_TOKEN_CHARS = "A-Za-z0-9_"


@functools.lru_cache(maxsize=64)
def _secret_pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    long = [re.escape(s) for s in secrets if len(s) >= _SUBSTRING_MIN]
    short = [re.escape(s) for s in secrets if 0 < len(s) < _SUBSTRING_MIN]
    alternatives = []
    if long:
        alternatives.append("|".join(sorted(long, key=len, reverse=True)))
    if short:
        joined = "|".join(sorted(short, key=len, reverse=True))
        alternatives.append(rf"(?<![{_TOKEN_CHARS}])(?:{joined})(?![{_TOKEN_CHARS}])")
    return re.compile("|".join(f"(?:{a})" for a in alternatives)) if alternatives else None


def scrub_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each secret replaced by ``***`` (whole tokens for short secrets)."""
    pattern = _secret_pattern(tuple(sorted({s for s in secrets if s})))
    if pattern is None or not text:
        return text
    return pattern.sub("***", text)

