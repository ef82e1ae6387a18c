"""Vendor error bodies read declaratively: :class:`ErrorMap`, and the status defaults.

A provider declares how its vendor writes errors::

    errors = kit.ErrorMap(codes={"not_enough_credits": InsufficientCredits},
                          statuses={403: InsufficientCredits},
                          extra={"needCredits": "need", "credits": "have"})

and the default ``Provider.parse_error`` reads every error response of the vendor's own
origin with it. Answers from other hosts (presigned storage links, CDNs) never go through
it: they get :func:`link_error_details`, a plain status mapping in which a refused link is
PermissionDenied, never InsufficientCredits.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .errors import (
    AuthenticationError,
    InsufficientCredits,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    ProviderError,
    RateLimited,
    ServerError,
)

if TYPE_CHECKING:
    from .http import HttpResponse

__all__ = [
    "STATUS_ERRORS",
    "ErrorDetails",
    "ErrorMap",
    "default_error_details",
    "error_for_status",
    "error_text",
    "link_error_details",
]


@attrs.frozen
class ErrorDetails:
    """What a provider's error parser reads from a vendor error response.

    Attributes:
        message: the vendor's message.
        code: the vendor's error code.
        error: an error class to raise instead of the one the HTTP status implies
            (e.g. InsufficientCredits for a vendor that answers 429 for it).
        extra: keyword arguments for that class (``have=``, ``need=``, ``retry_after=``).
    """

    message: str
    code: str | None = None
    error: type[ProviderError] | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


# -- messages ------------------------------------------------------------------------------

_MESSAGE_KEYS = ("message", "detail", "msg", "error", "reason", "text")
_MAX_DEPTH = 8


def error_text(value: Any, _depth: int = 0) -> str | None:
    """The human message inside an error field, whatever its shape: a string, a list of
    validation problems (``[{"loc": [...], "msg": ...}]`` joined as ``"a.b: msg; ..."``),
    or an object holding one of ``message``/``detail``/``msg``/``error``/``reason``/``text``.
    Never raises; gives up below a few levels of nesting."""
    if _depth > _MAX_DEPTH:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        parts = [part for part in (_problem_text(v, _depth + 1) for v in value[:50]) if part]
        return "; ".join(parts) or None
    if isinstance(value, dict):
        for key in _MESSAGE_KEYS:
            found = error_text(value.get(key), _depth + 1)
            if found:
                return found
    return None


def _problem_text(item: Any, depth: int) -> str | None:
    if isinstance(item, dict):
        message = error_text(item.get("msg"), depth) or error_text(item.get("message"), depth)
        loc = item.get("loc")
        where = ".".join(str(p) for p in loc[:20]) if isinstance(loc, list) else ""
        return f"{where}: {message}" if message and where else message
    return error_text(item, depth) if isinstance(item, str) else None


def _code_text(value: Any) -> str | None:
    """A vendor code: a number or one token of text (a sentence is a message, not a code)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, str)) or (isinstance(value, float) and math.isfinite(value)):
        text = str(value).strip()
        if not text or any(ch.isspace() for ch in text):
            return None
        return text[:200]
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


# -- status defaults -------------------------------------------------------------------------

#: The error class each HTTP status means when a vendor says nothing more specific.
STATUS_ERRORS: Mapping[int, type[ProviderError]] = {
    400: InvalidRequest,
    401: AuthenticationError,
    402: InsufficientCredits,
    403: PermissionDenied,
    404: NotFound,
    409: InvalidRequest,
    410: NotFound,
    413: InvalidRequest,
    415: InvalidRequest,
    422: InvalidRequest,
    429: RateLimited,
}

PROCESSED_NOTE = (" — the request may have been processed by the vendor (it was not "
                   "retried, to avoid spending twice); check before sending it again")


_BASE_KWARGS = frozenset({"provider", "status", "code", "request_id",
                          "may_have_been_processed"})


_ACCEPTED: dict[type[ProviderError], frozenset[str]] = {}


def _accepted_kwargs(cls: type[ProviderError]) -> frozenset[str]:
    """The keyword names ``cls(...)`` takes beyond the base ones (cached per class)."""
    found = _ACCEPTED.get(cls)
    if found is None:
        found = _ACCEPTED[cls] = _keyword_names(cls)
    return found


def _keyword_names(cls: type[ProviderError]) -> frozenset[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):  # pragma: no cover - builtins
            continue
        for p in params:
            if p.kind is p.KEYWORD_ONLY:
                names.add(p.name)
    return frozenset(names - _BASE_KWARGS)


def error_for_status(
    response: HttpResponse, details: ErrorDetails, *, may_have_been_processed: bool = False
) -> ProviderError:
    """The error-tree exception for a failed response (extras the class does not take are
    dropped, so a vendor field can never make the constructor fail)."""
    cls = details.error or STATUS_ERRORS.get(response.status)
    if cls is None:
        cls = ServerError if response.status >= 500 else ProviderError
    accepted = _accepted_kwargs(cls)
    kwargs: dict[str, Any] = {k: v for k, v in details.extra.items() if k in accepted}
    if issubclass(cls, RateLimited):
        info = response.rate_limit
        kwargs.setdefault("retry_after", info.wait)
        kwargs.setdefault("limit", info.limit)
        kwargs.setdefault("remaining", info.remaining)
    message = details.message
    if may_have_been_processed:
        message += PROCESSED_NOTE
    return cls(message, provider=response.provider, status=response.status, code=details.code,
               request_id=response.request_id, may_have_been_processed=may_have_been_processed,
               **kwargs)


# -- links on other hosts ----------------------------------------------------------------------

_XML_FIELD = re.compile(r"<(Code|Message)>([^<]{1,200})</\1>")


def link_error_details(response: HttpResponse) -> ErrorDetails:
    """Plain status mapping for an answer from a host other than the vendor's API
    (presigned storage, CDN) or for a signed link: the vendor's error map does not apply.

    401/402/403 there mean the link was refused or has expired (PermissionDenied, never
    InsufficientCredits); other statuses keep their default meaning. Never raises.
    """
    try:
        host = response.url.split("://", 1)[-1].split("/", 1)[0].split("?")[0]
        said = _link_text(response)
    except Exception:
        host, said = "the storage host", ""
    status = response.status
    suffix = f": {said}" if said else ""
    if status in (401, 402, 403):
        return ErrorDetails(f"{host} refused the link (HTTP {status}); it was refused or "
                            f"has expired{suffix}", error=PermissionDenied)
    if status in (404, 410):
        return ErrorDetails(f"{host} has nothing at this link (HTTP {status}){suffix}",
                            error=NotFound)
    return ErrorDetails(f"{host} answered HTTP {status}{suffix}")


def _link_text(response: HttpResponse) -> str:
    text = response.summary()
    fields: dict[str, str] = {m.group(1): m.group(2) for m in _XML_FIELD.finditer(text)}
    if fields:
        return " ".join(f for f in (fields.get("Code"), fields.get("Message")) if f)
    return "" if text == f"HTTP {response.status}" else text[:120]


# -- the declarative map ---------------------------------------------------------------------

#: A hint: (regex on "<code> <message>", class) or (regex, class, statuses it applies to).
Hint = (tuple[str, type[ProviderError]]
        | tuple[str, type[ProviderError], Collection[int]])


def _fold_codes(codes: Mapping[Any, type[ProviderError]]) -> Mapping[str, type[ProviderError]]:
    return {str(k).casefold(): v for k, v in codes.items()}


def _fold_explain(explain: Mapping[Any, str]) -> Mapping[str, str]:
    return {str(k).casefold(): v for k, v in explain.items()}


def _compile_hints(
    hints: Sequence[Hint],
) -> tuple[tuple[re.Pattern[str], type[ProviderError], frozenset[int] | None], ...]:
    compiled = []
    for hint in hints:
        pattern, cls = hint[0], hint[1]
        statuses = frozenset(hint[2]) if len(hint) > 2 else None
        compiled.append((re.compile(pattern, re.I), cls, statuses))
    return tuple(compiled)


@attrs.frozen
class ErrorMap:
    """How a vendor writes its errors, as data; :meth:`details` reads a response with it.

    Attributes:
        message: body fields holding the message, tried in order (any shape
            :func:`error_text` reads).
        code: body fields holding the vendor's error code, tried in order.
        nested: envelope fields merged into the top level first (``{"error": {...}}``).
        codes: vendor code (compared case-folded) -> error class.
        statuses: HTTP status -> error class, overriding the defaults (``{403:
            InsufficientCredits}`` for a vendor whose only 403 is about credits).
        hints: ``(regex, class)`` searched (case-insensitively) in ``"<code> <message>"``;
            a third element limits a hint to some statuses. Without it a hint applies to
            statuses below 500.
        extra: body field -> error keyword (``{"needCredits": "need"}``); numbers only.
        failure_flag: ``(field, value)`` marking a 2xx body that reports a failure
            (``("success", False)``), checked by :meth:`check_success`.
        min_retry_after: the shortest wait after a rate limit (a vendor whose reset, in
            whole seconds, may be due while its server still counts the old window); a
            reset already reached then waits this long.
        title: body fields holding a status title (``{"text": "Not Found", "message":
            ...}``), put before the message (``"Not Found: Voice not found"``) unless it is
            the message itself; hints and codes see the message alone.
        field: body fields naming the request parameter at fault (``{"param": "speed"}``),
            shown after the message as ``"(param: speed)"``.
        explain: vendor code (compared case-folded) -> what it means for the user, put
            before the vendor's message: ``"<explanation> (<provider>: <message>)"``.
        prefix: error class -> text put before the message of an error of that class (or a
            subclass; the first that matches), e.g. ``{InsufficientCredits: "not enough API
            credits: "}``.

    Precedence: ``codes``, then ``hints``, then ``statuses``, then the status defaults.
    """

    message: tuple[str, ...] = ("message", "detail", "msg", "error", "reason")
    code: tuple[str, ...] = ("code", "error_code")
    nested: tuple[str, ...] = ("error",)
    codes: Mapping[str, type[ProviderError]] = attrs.field(factory=dict, converter=_fold_codes)
    statuses: Mapping[int, type[ProviderError]] = attrs.field(factory=dict)
    hints: Sequence[Hint] = ()
    extra: Mapping[str, str] = attrs.field(factory=dict)
    failure_flag: tuple[str, Any] | None = None
    min_retry_after: float | None = None
    title: tuple[str, ...] = ()
    field: tuple[str, ...] = ()
    explain: Mapping[str, str] = attrs.field(factory=dict, converter=_fold_explain)
    prefix: Mapping[type[ProviderError], str] = attrs.field(factory=dict)
    _compiled: tuple[tuple[re.Pattern[str], type[ProviderError], frozenset[int] | None], ...] = \
        attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_compiled", _compile_hints(self.hints))

    def details(self, response: HttpResponse) -> ErrorDetails:
        """Read a vendor error response. Never raises: anything unreadable gives the
        status's default error with the body's first characters as the message."""
        try:
            return self._details(response)
        except Exception:
            return ErrorDetails(f"HTTP {response.status}", error=self.statuses.get(
                response.status))

    def _details(self, response: HttpResponse) -> ErrorDetails:
        body = response.json_object()
        if body is None:
            message = response.summary()
            return ErrorDetails(message, error=self.classify(response.status, None, message))
        body = self.unwrap(body)
        found = next((m for m in (error_text(body.get(k)) for k in self.message) if m), None)
        code = next((c for c in (_code_text(body.get(k)) for k in self.code) if c), None)
        message = found or (code.replace("_", " ").lower() if code
                            else f"HTTP {response.status}")
        param = next((p for p in (error_text(body.get(k)) for k in self.field) if p), None)
        if param is not None:
            message += f" (param: {param[:100]})"
        extra = {kw: n for field, kw in self.extra.items()
                 if (n := _number(body.get(field))) is not None}
        error = self.classify(response.status, code, message)
        if self.min_retry_after is not None and (error is RateLimited or (
                error is None and response.status == 429)):
            error = RateLimited
            wait = response.rate_limit.wait
            if wait is None and any(h in response.headers
                                    for h in ("X-RateLimit-Reset", "Retry-After")):
                wait = 0.0  # a reset already reached, or unreadable: soon
            if wait is not None:
                extra["retry_after"] = max(self.min_retry_after, wait)
        if error is not None and issubclass(error, InsufficientCredits) \
                and extra.get("need") is not None:
            need, have = extra["need"], extra.get("have")
            message += (f": this needs {need:g} credits, the account has {have:g}"
                        if have is not None else f": this needs {need:g} credits")
        title = next((t for t in (error_text(body.get(k)) for k in self.title) if t), None)
        if title is not None and title != message:
            message = f"{title}: {message}"
        return ErrorDetails(self._decorate(message, code, error, response)[:1000], code=code,
                            error=error, extra=extra)

    def _decorate(self, message: str, code: str | None, error: type[ProviderError] | None,
                  response: HttpResponse) -> str:
        """``message`` with ``explain`` (by code) and ``prefix`` (by class) applied."""
        why = self.explain.get(code.casefold()) if code is not None else None
        if why is not None:
            message = f"{why} ({response.provider}: {message})"
        cls = error or STATUS_ERRORS.get(response.status) or (
            ServerError if response.status >= 500 else ProviderError)
        text = next((t for c, t in self.prefix.items() if issubclass(cls, c)), None)
        return message if text is None else text + message

    def unwrap(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``body`` with the ``nested`` envelopes merged into the top level."""
        merged = dict(body)
        for key in self.nested:
            inner = body.get(key)
            if isinstance(inner, Mapping):
                merged = {**merged, **inner}
                if merged.get(key) is inner:
                    del merged[key]
        return merged

    def classify(self, status: int, code: str | None, message: str | None
                 ) -> type[ProviderError] | None:
        """The error class for a vendor code / message / status (None: the default)."""
        if code is not None:
            found = self.codes.get(code.casefold())
            if found is not None:
                return found
        text = f"{code or ''} {message or ''}"
        for pattern, cls, statuses in self._compiled:
            applies = status in statuses if statuses is not None else status < 500
            if applies and pattern.search(text):
                return cls
        return self.statuses.get(status)

    def failed(self, body: Any) -> bool:
        """Whether a 2xx ``body`` reports a failure by ``failure_flag``."""
        if self.failure_flag is None or not isinstance(body, Mapping):
            return False
        field, value = self.failure_flag
        if field not in body:
            return False
        found = body[field]
        return type(found) is type(value) and found == value

    def check_success(self, response: HttpResponse, body: Any) -> None:
        """Raise the mapped error when a 2xx ``body`` reports a failure by ``failure_flag``
        (the message scrubbed of credentials); do nothing otherwise."""
        if not self.failed(body):
            return
        details = self.details(response)
        details = attrs.evolve(details, message=response.scrub(details.message),
                               error=details.error or ProviderError)
        raise error_for_status(response, details)


_DEFAULT_MAP = ErrorMap()


def default_error_details(response: HttpResponse) -> ErrorDetails:
    """Read the common envelopes with a default :class:`ErrorMap` (never raises)."""
    return _DEFAULT_MAP.details(response)
