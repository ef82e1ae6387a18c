"""A vendor's answer (:class:`HttpResponse`) and what a failed exchange means
(:func:`transport_cause`, :func:`never_sent`) — the parts of HTTP that read, not send."""

from __future__ import annotations

import functools
import json as jsonlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import requests
import urllib3.exceptions

from .clock import Clock, wall_time
from .errors import BadResponse, StreamInterrupted, VoicekitError
from .retry import RateLimitInfo

__all__ = ["CHUNK_SIZE", "HttpResponse", "never_sent", "transport_cause"]

CHUNK_SIZE = 64 * 1024


class HttpResponse:
    """A vendor's answer: status, headers, body, rate-limit info and request id.

    ``link`` is True for an answer from another host than the vendor's API, or to a request
    sent without credentials (a signed link): the vendor's error map does not apply to it.
    ``scrub`` hides the provider's credentials in any text taken from the body.
    """

    def __init__(self, response: requests.Response, *, url: str, provider: str,
                 now: float | None = None, link: bool = False,
                 scrub: Callable[[str], str] = lambda text: text,
                 clock: Clock | None = None) -> None:
        self._response = response
        self.status: int = response.status_code
        self.headers: Mapping[str, str] = response.headers
        self.url = url  # redacted
        self.provider = provider
        self.link = link
        self.scrub = scrub
        self._now = now  # the Unix time on the provider's clock, for Unix-time resets
        self._clock = clock  # or the clock to read it from, when it is needed
        self._lowered: dict[str, str] | None = None

    @functools.cached_property
    def rate_limit(self) -> RateLimitInfo:
        """The X-RateLimit-* / Retry-After headers, parsed (on first use)."""
        now = self._now
        if now is None and self._clock is not None:
            now = wall_time(self._clock)
        return RateLimitInfo.from_headers(self.headers, now=now)

    def _lower_headers(self) -> dict[str, str]:
        """The headers by lower-case name (made once; a plain dict is quick to ask)."""
        lower_items = getattr(self.headers, "lower_items", None)  # requests' headers
        lowered = self._lowered = dict(lower_items()) if lower_items is not None else {
            name.lower(): value for name, value in self.headers.items()}
        return lowered

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or None."""
        return (self._lowered or self._lower_headers()).get(name.lower())

    @property
    def request_id(self) -> str | None:
        h = self._lowered or self._lower_headers()
        found = h.get("x-request-id") or h.get("request-id") or h.get("x-amzn-requestid")
        return found[:200] if found else None

    @property
    def unread(self) -> bool:
        """Whether the body is still to be read (a streamed request nobody has read yet)."""
        raw = self._response
        return getattr(raw, "_content", None) is False and \
            not getattr(raw, "_content_consumed", True)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        """The media type of the body, lower-case, without parameters (``""`` if none)."""
        found = (self._lowered or self._lower_headers()).get("content-type")
        return found.split(";")[0].strip().lower() if found else ""

    @property
    def content(self) -> bytes:
        """The whole body (read on first access).

        A body that breaks off raises StreamInterrupted; one that cannot be decoded (a
        broken gzip) raises BadResponse.
        """
        try:
            return self._response.content
        except requests.exceptions.ContentDecodingError:
            raise self.bad("sent a body that cannot be decoded "
                           f"(Content-Encoding {self.headers.get('Content-Encoding')!r})"
                           ) from None
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError,
                OSError) as exc:
            raise StreamInterrupted(
                f"the response from {self.url} broke off mid-body ({type(exc).__name__})",
                received_bytes=0, provider=self.provider, status=self.status,
            ) from exc

    @property
    def text(self) -> str:
        """The body as text in its declared charset (UTF-8 when none, or an unknown one)."""
        data = self.content
        encoding = self._response.encoding or "utf-8"
        try:
            return data.decode(encoding, errors="replace")
        except Exception:
            return data.decode("utf-8", errors="replace")

    def bad(self, what: str) -> BadResponse:
        """A BadResponse saying ``<provider> <what> (status) from <url>``, scrubbed."""
        return BadResponse(self.scrub(f"{self.provider} {what} (status {self.status}) "
                                      f"from {self.url}"),
                           provider=self.provider, status=self.status,
                           request_id=self.request_id)

    def json(self) -> Any:
        """The body as JSON; BadResponse if it is not (or is nested absurdly deep)."""
        body = self.content
        if not body:
            return None
        try:
            return jsonlib.loads(body)
        except RecursionError:
            raise self.bad("sent JSON nested too deeply to read") from None
        except ValueError:
            raise self.bad(f"sent a malformed JSON body: {body[:80]!r}") from None

    def json_object(self) -> dict[str, Any] | None:
        """The body as a JSON object, or None when it is not one (for error parsers)."""
        try:
            body = jsonlib.loads(self.content or b"null")
        except (ValueError, RecursionError, VoicekitError):
            return None
        return body if isinstance(body, dict) else None

    def summary(self) -> str:
        """The start of a non-JSON body, or ``HTTP <status>``: an error message of last
        resort (scrubbed of credentials)."""
        try:
            text = self.text.strip()[:200]
        except VoicekitError:
            text = ""
        return self.scrub(text) or f"HTTP {self.status}"

    def iter_bytes(self, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """Stream the body; a body that ends short raises StreamInterrupted."""
        received = 0
        expected = self.expected_length
        raw = self._response.raw
        try:
            while True:
                # read1 hands over what has arrived (up to chunk_size), so the bytes before
                # a break are counted and the first bytes are not held back
                chunk = raw.read1(chunk_size, decode_content=True)
                if not chunk:
                    break
                received += len(chunk)
                yield chunk
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StreamInterrupted(
                f"download from {self.url} broke off after {received} bytes",
                received_bytes=received, provider=self.provider, status=self.status,
            ) from exc
        if expected is not None and received != expected:
            raise StreamInterrupted(
                f"download from {self.url} ended after {received} of {expected} bytes",
                received_bytes=received, provider=self.provider, status=self.status,
            )

    @property
    def expected_length(self) -> int | None:
        """The Content-Length of an unencoded body (None when absent, encoded or junk)."""
        h = self._lowered or self._lower_headers()
        if h.get("content-encoding"):
            return None
        try:
            value = int(h["content-length"].strip())
        except (KeyError, ValueError, AttributeError):
            return None
        return value if value >= 0 else None

    def _expected_length(self) -> int | None:  # kept for callers of the old name
        return self.expected_length

    def close(self) -> None:
        self._response.close()

    def __repr__(self) -> str:
        return f"<HttpResponse {self.status} {self.url}>"


# -- failed exchanges ------------------------------------------------------------------


def _root(exc: BaseException) -> BaseException | None:
    """The urllib3 / socket error inside a requests exception."""
    inner: BaseException | None = exc.args[0] if exc.args else None
    if isinstance(inner, urllib3.exceptions.MaxRetryError):
        inner = inner.reason
    return inner if isinstance(inner, BaseException) else None


def transport_cause(exc: requests.exceptions.RequestException) -> str:
    """Why a send failed, in words: refused, DNS, timeout, TLS, closed."""
    inner = _root(exc)
    chain = [inner, getattr(inner, "__cause__", None), getattr(inner, "__context__", None)]
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "timed out connecting"
    if isinstance(exc, requests.exceptions.Timeout):
        return "timed out waiting for the answer"
    if isinstance(inner, urllib3.exceptions.NameResolutionError):
        return "the host name does not resolve (DNS)"
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or \
            "refused" in str(inner).lower():
        return "connection refused (is the server running and the port right?)"
    if isinstance(exc, requests.exceptions.SSLError):
        return "the TLS handshake failed"
    if isinstance(inner, urllib3.exceptions.NewConnectionError):
        return "cannot open a connection"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "the body ended early"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return f"bad Content-Encoding ({type(inner).__name__ if inner else 'unknown'})"
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
                        requests.exceptions.MissingSchema, requests.exceptions.InvalidHeader)):
        return f"invalid request ({type(exc).__name__})"
    return f"the connection failed ({type(inner or exc).__name__})"


def never_sent(exc: requests.exceptions.RequestException) -> bool:
    """True when the request provably never reached the server."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, (requests.exceptions.SSLError, requests.exceptions.InvalidURL,
                        requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema)):
        return True
    if isinstance(exc, requests.exceptions.InvalidHeader):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        return isinstance(_root(exc), (urllib3.exceptions.NewConnectionError,
                                       urllib3.exceptions.NameResolutionError))
    return False
