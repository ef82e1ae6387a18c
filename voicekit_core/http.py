"""HttpClient: one ``requests.Session`` per provider, with voicekit's reliability contract.

* Timeouts are always set (connect 10 s, read 60 s by default; per provider and per call).
* Credentials are attached only to requests for the provider's own origin; redirects are
  followed by hand and re-checked at each hop, so a key never reaches another host.
* Uploads stream from files (multipart too, through requests-toolbelt); downloads stream to
  a temporary file beside the target that is renamed into place only when complete.
* Failures map onto the error tree; retries follow :mod:`voicekit_core.retry`.
* DEBUG logs and error messages carry redacted URLs and never a credential.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import requests
import requests.adapters
import urllib3.exceptions

from . import transfers
from .audio import AudioSource
from .clock import SYSTEM_CLOCK, Clock
from .credentials import Secret
from .errormap import (
    PROCESSED_NOTE,
    ErrorDetails,
    ErrorMap,
    default_error_details,
    error_for_status,
    link_error_details,
)
from .errors import (
    BadResponse,
    ConnectionFailed,
    ProviderError,
    StreamInterrupted,
    Timeout,
    VoicekitError,
)
from .response import HttpResponse, never_sent, transport_cause
from .retry import IDEMPOTENT_METHODS, RateLimitInfo, RetryPolicy
from .transfers import ProgressCallback, encode_body, saving_audio
from .urls import link_problem, origin_of, redact_url, scrub_secrets, websocket_url

if TYPE_CHECKING:
    from .websocket import WebSocketSession

__all__ = ["HttpClient", "HttpResponse"]  # URL and error helpers: urls.py, errormap.py

log = logging.getLogger("voicekit.http")

DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 60.0)
MAX_REDIRECTS = 5
USER_AGENT = "voicekit/0.1 (+https://pypi.org/project/voicekit-core/)"

_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


# -- logs ------------------------------------------------------------------------------


class _QueryRedactingFilter(logging.Filter):
    """Hides query strings in urllib3's own DEBUG lines (they would show signatures)."""

    _QUERY = re.compile(r"\?[^\s\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg = self._QUERY.sub("?<redacted>", message)
            record.args = ()
        return True


_URLLIB3_FILTER = _QueryRedactingFilter()


def _guard_urllib3_logs() -> None:
    logger = logging.getLogger("urllib3.connectionpool")
    if _URLLIB3_FILTER not in logger.filters:
        logger.addFilter(_URLLIB3_FILTER)


# -- the client ------------------------------------------------------------------------

class HttpClient:
    """HTTP for one provider instance. Plugins call :meth:`request`, :meth:`json`,
    :meth:`upload` and :meth:`download`; paths are relative to ``base_url``."""

    def __init__(
        self,
        base_url: str,
        *,
        provider: str,
        auth: Callable[[], Mapping[str, str]] | None = None,
        secrets: Sequence[Secret] = (),
        error_parser: Callable[[HttpResponse], ErrorDetails] = default_error_details,
        timeout: float | tuple[float, float] | None = None,
        max_retries: int = 4,
        rate_limit_cap: float = 60.0,
        clock: Clock = SYSTEM_CLOCK,
        emit: Callable[..., None] | None = None,
        session: requests.Session | None = None,
        pool_size: int = 16,
        errors: ErrorMap | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.origin = origin_of(self.base_url)
        self.provider = provider
        self._auth = auth or (lambda: {})
        self._secrets = tuple(s.reveal() for s in secrets if s)
        self._error_parser = error_parser
        self.errors = errors  # its failure_flag turns a 2xx JSON "failure" into an error
        self.timeout = _timeouts(timeout) or DEFAULT_TIMEOUT
        self.retry = RetryPolicy(max_retries=max_retries, rate_limit_cap=rate_limit_cap)
        self.clock = clock
        self._emit = emit
        if session is None:
            session = requests.Session()
            adapter = requests.adapters.HTTPAdapter(pool_connections=pool_size,
                                                    pool_maxsize=pool_size)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        self.session = session
        _guard_urllib3_logs()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.trust_env = True
        self.last_rate_limit: RateLimitInfo | None = None

    def close(self) -> None:
        self.session.close()

    def __repr__(self) -> str:
        return f"<HttpClient {self.provider} {self.base_url}>"

    # -- URL helpers -------------------------------------------------------------------

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` (absolute URLs pass through, checked: a malformed
        link, typically one the vendor sent, is BadResponse)."""
        if not isinstance(path, str):
            raise BadResponse(f"{self.provider} gave a link that is not text: "
                              f"{type(path).__name__}", provider=self.provider)
        if _ABSOLUTE.match(path):
            problem = link_problem(path)
            if problem is not None:
                raise BadResponse(f"{self.provider} gave a malformed link "
                                  f"{self.scrub(self.redact(path))[:200]!r}: {problem}",
                                  provider=self.provider)
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def websocket_url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """``path`` on the provider's origin as a ws:// or wss:// URL."""
        return websocket_url(self.url(path), params)

    def websocket(self, path: str, *, params: Mapping[str, Any] | None = None,
                  headers: Mapping[str, str] | None = None, authenticated: bool = True,
                  **options: Any) -> WebSocketSession:
        """A :class:`~voicekit_core.websocket.WebSocketSession` to ``path`` on the provider's
        origin: credentials in the handshake (unless ``authenticated`` is False), this
        client's secrets scrubbed from close reasons, the URL redacted in errors, the read
        timeout as the frame timeout. ``options``: ``close_map``, ``errors``, ``timeout``..."""
        from .websocket import WebSocketSession

        handshake = {**(self._auth() if authenticated else {}), **(headers or {})}
        options.setdefault("timeout", self.timeout[1])
        return WebSocketSession(self.websocket_url(path, params), provider=self.provider,
                                headers=handshake, secrets=self._secrets,
                                redact=self.redact, **options)

    def is_own_origin(self, url: str) -> bool:
        """Whether ``url`` is on the provider's own origin (the only one given credentials)."""
        return origin_of(url) == self.origin

    def redact(self, url: str) -> str:
        """``url`` fit for logs and errors (:func:`~voicekit_core.urls.redact_url`)."""
        if "?" not in url and "@" not in url and "#" not in url:
            return url  # nothing to hide (the common case: no parsing per request)
        return redact_url(url, trusted_origin=self.origin)

    def scrub(self, text: str) -> str:
        """``text`` with every credential value replaced by ``***`` (whole tokens for short
        credentials, so no word is garbled)."""
        return scrub_secrets(text, self._secrets)

    # -- requests ----------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        multipart: Mapping[str, Any] | None = None,
        content: bytes | AudioSource | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | tuple[float, float] | None = None,
        idempotent: bool | None = None,
        stream: bool = False,
        on_upload_progress: ProgressCallback | None = None,
        authenticated: bool = True,
        retry: bool = True,
    ) -> HttpResponse:
        """Send one request (with retries) and return the successful response.

        Args:
            params: query parameters; lists are sent repeated (``?a=1&a=2``).
            json / data / multipart / content: the body (one of them). ``multipart`` maps
                field names to strings or :class:`AudioSource` values (streamed).
            idempotent: whether the request may be retried after it may have reached the
                server (default: by method — GET, HEAD, DELETE, PUT).
            stream: leave the body unread (for :meth:`HttpResponse.iter_bytes`).
            authenticated: attach credentials (only ever to the provider's own origin);
                False for links that carry their own signature.
            retry: False sends once (for callers running their own retry loop).

        Raises:
            ProviderError subclasses for error statuses, TransportError subclasses for the
            network; a non-idempotent request that failed after it may have been sent says
            ``may_have_been_processed``.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        url = self.url(path)
        if not stream and saving_audio():  # a call with to=PATH: read_audio streams it
            stream = True
        timeouts = _timeouts(timeout) or self.timeout
        call: Callable[[], HttpResponse]
        if multipart is None and not isinstance(content, AudioSource):
            # JSON, form data or bytes: encoded once, sent as is by every attempt
            body, body_headers = encode_body(None, json=json, data=data, content=content)
            send_headers = _with_body_headers(headers, body_headers, replace=False)
            call = functools.partial(self._send_following_redirects, method, url, params,
                                     send_headers, timeouts, stream, idempotent,
                                     authenticated, body)
        else:  # files: opened afresh by each attempt, closed when it ends
            call = functools.partial(self._send_files, method, url, params, multipart,
                                     content, headers, timeouts, stream, idempotent,
                                     on_upload_progress, authenticated)
        if not retry:
            return call()
        return self.retry.run(call, idempotent=idempotent, clock=self.clock,
                              on_retry=functools.partial(self._report_retry, method, url))

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """:meth:`request`, returning the JSON body (BadResponse if malformed). A 2xx body
        that reports a failure by the provider's ``ErrorMap.failure_flag`` raises the mapped
        error, like an error status."""
        response = self.request(method, path, **kwargs)
        body = response.json()
        if self.errors is not None and not response.link and self.errors.failed(body):
            details = self._parse(response)
            raise error_for_status(response, attrs.evolve(
                details, message=self.scrub(details.message),
                error=details.error or ProviderError))
        return body

    def on_retry(
        self, method: str, url: str
    ) -> Callable[[int, BaseException, float | None], None]:
        """The retry reporter for ``method url``: a DEBUG line and a ``retry`` event."""
        return functools.partial(self._report_retry, method, url)

    def _report_retry(self, method: str, url: str, attempt: int, exc: BaseException,
                      delay: float | None) -> None:
        redacted = self.redact(url)
        log.debug("retrying %s %s (attempt %d) after %s", method, redacted, attempt + 1,
                  type(exc).__name__)
        if self._emit is not None:
            self._emit("retry", method=method, url=redacted, attempt=attempt + 1,
                       error=type(exc).__name__, wait=delay)

    def _send_files(
        self, method: str, url: str, params: Any, multipart: Mapping[str, Any] | None,
        content: bytes | AudioSource | None, headers: Mapping[str, str] | None,
        timeout: tuple[float, float], stream: bool, idempotent: bool,
        on_upload_progress: ProgressCallback | None, authenticated: bool,
    ) -> HttpResponse:
        """One attempt of a request whose body streams files (multipart or an AudioSource)."""
        with contextlib.ExitStack() as stack:
            body, body_headers = encode_body(stack, multipart=multipart, content=content,
                                             on_progress=on_upload_progress)
            # a multipart boundary must be the encoder's
            send_headers = _with_body_headers(headers, body_headers,
                                              replace=multipart is not None)
            return self._send_following_redirects(method, url, params, send_headers, timeout,
                                                  stream, idempotent, authenticated, body)

    def _send_following_redirects(
        self, method: str, url: str, params: Any, headers: dict[str, str],
        timeout: tuple[float, float], stream: bool, idempotent: bool, authenticated: bool,
        body: Any,
    ) -> HttpResponse:
        for _hop in range(MAX_REDIRECTS + 1):
            response = self._send_raw(method, url, params, headers, timeout, stream,
                                      idempotent, authenticated, body)
            location = response.header("location")
            if response.status not in (301, 302, 303, 307, 308) or not location:
                return self._check(response, method=method, idempotent=idempotent)
            response.close()
            if method not in ("GET", "HEAD"):
                raise BadResponse(f"{self.provider} redirected a {method} request; not followed",
                                  provider=self.provider, status=response.status)
            try:
                target = urllib.parse.urljoin(url, location.strip())
            except ValueError:
                target = location
            problem = link_problem(target)
            if problem is not None:
                raise BadResponse(f"{self.provider} redirected to a malformed location "
                                  f"{self.scrub(self.redact(target))[:200]!r}: {problem}",
                                  provider=self.provider, status=response.status)
            url = target
            params = None
        raise BadResponse(f"more than {MAX_REDIRECTS} redirects", provider=self.provider)

    def _send_raw(
        self, method: str, url: str, params: Any, headers: dict[str, str],
        timeout: tuple[float, float], stream: bool, idempotent: bool, authenticated: bool,
        body: Any,
    ) -> HttpResponse:
        own = self.is_own_origin(url)
        request_headers = dict(headers)
        if authenticated and own:
            request_headers.update(self._auth())
        redacted = self.redact(url)
        debug = log.isEnabledFor(logging.DEBUG)
        if self._emit is not None:
            self._emit("request", method=method, url=redacted)
        started = time.perf_counter()
        try:
            raw = self.session.request(
                method, url, params=params, data=body, headers=request_headers,
                timeout=timeout, stream=stream, allow_redirects=False,
            )
        except requests.exceptions.RequestException as exc:
            raise self._transport_error(exc, method, redacted, idempotent) from None
        except (urllib3.exceptions.HTTPError, ValueError, OverflowError) as exc:
            # requests reads a redirect's body and Location even with allow_redirects=False
            # (a Content-Length too large for an index overflows there)
            raise BadResponse(f"{self.provider} sent a broken answer to {method} {redacted} "
                              f"({type(exc).__name__})", provider=self.provider,
                              may_have_been_processed=not idempotent) from None
        elapsed_ms = (time.perf_counter() - started) * 1000
        if debug:
            log.debug("%s %s -> %d (%.1f ms)", method, redacted, raw.status_code, elapsed_ms)
        if self._emit is not None:
            self._emit("response", method=method, url=redacted, status=raw.status_code,
                       elapsed_ms=elapsed_ms)
        link = not authenticated or not own
        return HttpResponse(raw, url=redacted, provider=self.provider, clock=self.clock,
                            link=link, scrub=self.scrub)

    def _check(self, response: HttpResponse, *, method: str, idempotent: bool) -> HttpResponse:
        if response.header("x-ratelimit-limit") is not None or \
                response.header("x-ratelimit-remaining") is not None:
            self.last_rate_limit = response.rate_limit
        if response.ok:
            return response
        try:
            details = self._parse(response)
        finally:
            response.close()
        details = attrs.evolve(details, message=self.scrub(details.message))
        processed = not idempotent and response.status >= 500
        raise error_for_status(response, details, may_have_been_processed=processed)

    def _parse(self, response: HttpResponse) -> ErrorDetails:
        """The error details of ``response``: the provider's parser for its own origin, plain
        status mapping for links; a parser that fails falls back to the default envelope."""
        if response.link:  # storage / signed links: plain status mapping
            return link_error_details(response)
        try:
            return self._error_parser(response)
        except Exception:
            log.debug("error parser of %s failed", self.provider, exc_info=True)
            return default_error_details(response)

    def _transport_error(
        self, exc: requests.exceptions.RequestException, method: str, url: str, idempotent: bool
    ) -> VoicekitError:
        """The error-tree error for a failed send, naming host, port and cause."""
        unsent = never_sent(exc)
        processed = not idempotent and not unsent
        suffix = PROCESSED_NOTE if processed else ""
        _scheme, host, port = origin_of(url)
        where = f"{host}:{port}" if port else host
        cause = self.scrub(transport_cause(exc))
        kwargs: dict[str, Any] = {"provider": self.provider,
                                  "may_have_been_processed": processed,
                                  "never_sent": unsent}
        if isinstance(exc, requests.exceptions.ContentDecodingError):
            return BadResponse(f"{self.provider} sent a body that cannot be decoded from {url} "
                               f"({cause})", provider=self.provider)
        if isinstance(exc, requests.exceptions.ChunkedEncodingError):
            return StreamInterrupted(f"the answer to {method} {url} broke off mid-body "
                                     f"({cause}){suffix}", received_bytes=0, **kwargs)
        if isinstance(exc, requests.exceptions.Timeout):
            return Timeout(f"{method} {url}: {cause} ({where}){suffix}", **kwargs)
        return ConnectionFailed(f"cannot reach {where} for {method} {url}: {cause}{suffix}",
                                **kwargs)

    # -- transfers (see voicekit_core.transfers) -----------------------------------------

    def upload(self, url: str, source: AudioSource, *, method: str = "PUT",
               content_type: str | None = None,
               on_progress: ProgressCallback | None = None) -> HttpResponse:
        """Stream ``source`` to a presigned URL, without credentials (:func:`transfers.upload`)."""
        return transfers.upload(self, url, source, method=method, content_type=content_type,
                                on_progress=on_progress)

    def download(self, url: str, path: str | os.PathLike[str], *,
                 on_progress: ProgressCallback | None = None, expected_size: int | None = None,
                 authenticated: bool = True) -> Path:
        """Stream ``url`` to ``path`` atomically (:func:`transfers.download`)."""
        return transfers.download(self, url, path, on_progress=on_progress,
                                  expected_size=expected_size, authenticated=authenticated)


def _timeouts(value: float | tuple[float, float] | None) -> tuple[float, float] | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        return (float(value[0]), float(value[1]))
    return (float(value), float(value))


def _with_body_headers(headers: Mapping[str, str] | None, body_headers: Mapping[str, str],
                       *, replace: bool) -> dict[str, str]:
    """The caller's headers plus what the body needs (``replace``: the body's win)."""
    merged = dict(headers) if headers else {}
    for name, value in body_headers.items():
        if replace:
            merged[name] = value
        else:
            merged.setdefault(name, value)
    return merged
