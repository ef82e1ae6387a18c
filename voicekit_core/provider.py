"""The base class every provider builds on.

A plugin's provider subclasses :class:`Provider` and the capability ABCs it implements::

    class GemeloProvider(Provider, ListVoices, Synthesize):
        info = INFO  # the ProviderInfo from the plugin's plugin.py

``Provider`` handles what is the same for every vendor: options and credentials, the base
URL, the HTTP client (created on first use), jobs, cost guards and events.
"""

from __future__ import annotations

import functools
import math
import os
import threading
import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from . import validate
from .capabilities import capabilities_of
from .clock import SYSTEM_CLOCK, Clock
from .credentials import Secret, resolve_credentials, stored_setting
from .errormap import ErrorMap
from .errors import ConfigurationError, CreditLimitExceeded, InvalidInput, NotFound
from .events import Event
from .jobs import Job, JobKind, JobRef, JobUpdate, PollPolicy
from .models import Cost, Voice
from .registry import ProviderInfo
from .validate import show, surrogate_at

if TYPE_CHECKING:
    from pathlib import Path

    from .errormap import ErrorDetails
    from .http import HttpClient, HttpResponse
    from .options import Options
    from .registry import Registry

__all__ = ["DEFAULT_POOL_SIZE", "Provider"]

#: Connections kept per host (``pool_size=``): enough for a thread pool of this size.
DEFAULT_POOL_SIZE = 16
_HTTP_LOCK = threading.Lock()  # creating a provider's client happens once: one lock is enough


class Provider:
    """Common ground of all providers.

    Options every provider accepts:
        base_url: the API root (default: ``NAME_BASE_URL`` env var, then the vendor's).
        timeout: seconds, or ``(connect, read)``; default (10, 60).
        max_retries: attempts after the first for safe requests (default 4).
        allow_http: allow plain ``http://`` to a non-loopback host (default False).
        clock: a :class:`~voicekit_core.clock.Clock` for polling and waits (tests).
        rate_limit_cap: longest wait, in seconds, for a rate-limit reset (default 60).
        pool_size: connections kept open per host, for threads sharing the provider
            (default 16).
        credentials by option name, e.g. ``api_key=``.
    """

    #: The plugin's registration; the single source of the name and credential names.
    info: ClassVar[ProviderInfo]
    #: The vendor's kinds of jobs (poll rule, status words, refresh method of each).
    jobs: ClassVar[tuple[JobKind[Any], ...]] = ()
    #: Polling rule per job kind name, for kinds not declared in :attr:`jobs`.
    poll_policies: ClassVar[Mapping[str, PollPolicy]] = {}
    #: Whether the provider talks HTTP at all (False for local engines).
    remote: ClassVar[bool] = True
    #: The vendor's documented rate limit, ``(requests, per_seconds)``, if it states one
    #: (batches pace themselves by it; the vendor's rate-limit headers refine it).
    rate_limit: ClassVar[tuple[int, float] | None] = None
    #: Operations that can be started without waiting for the result: operation name ->
    #: the method that returns a Job (``{"synthesize": "submit_speech"}``). Batches use it
    #: to submit many and poll many instead of holding a thread per item.
    submits: ClassVar[Mapping[str, str]] = {}
    #: How the vendor writes errors; the default :meth:`parse_error` reads them with it.
    errors: ClassVar[ErrorMap] = ErrorMap()
    #: Longest text one ``synthesize`` call takes (characters / UTF-8 bytes; None: unknown),
    #: for ``split=True``; with a ``kit.operation(text=TextRules(...))`` the tighter applies.
    max_text_chars: ClassVar[int | None] = None
    max_text_bytes: ClassVar[int | None] = None
    #: the provider's own ``connect()`` settings, declared like a call's options
    #: (:class:`~voicekit_core.options.Options`); parsed into ``self.settings``
    Settings: ClassVar[type[Options] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("estimate")
        if callable(own) and not getattr(own, "__voicekit_checked__", False):
            cls.estimate = _checked_estimate(own)  # type: ignore[method-assign]
        synthesize = cls.__dict__.get("synthesize")
        if callable(synthesize):  # every synthesize takes split=True (voicekit_core.longtext)
            from .longtext import splittable

            cls.synthesize = splittable(synthesize)  # type: ignore[attr-defined]

    def __init__(
        self,
        *,
        base_url: str | None = None,
        timeout: float | tuple[float, float] | None = None,
        max_retries: int | None = None,
        allow_http: bool = False,
        clock: Clock | None = None,
        rate_limit_cap: float = 60.0,
        pool_size: int | None = None,
        registry: Registry | None = None,
        **credentials: Any,
    ) -> None:
        info = self.info
        self.name: str = info.name
        settings = self._settings(credentials)
        known = {info.option_name(e) for e in info.credentials}
        unknown = sorted(set(credentials) - known)
        if unknown:
            accepted = ", ".join(sorted(known)) or "none"
            own = f"; settings: {', '.join(self.Settings.names())}" if self.Settings else ""
            raise ConfigurationError(
                f"{self.name} does not take option(s) {', '.join(unknown)} "
                f"(credential options: {accepted}{own})",
                provider=self.name,
            )
        #: the provider's own connect() settings, parsed (an instance of ``Settings``)
        self.settings: Any = settings
        self._credential_sources: dict[str, str] = {}
        self._credentials: dict[str, Secret] = resolve_credentials(
            info, credentials, sources=self._credential_sources)
        self.clock: Clock = clock or SYSTEM_CLOCK
        self.timeout = _setting(_timeout, timeout, "timeout", self.name)
        self.max_retries: int = 4 if max_retries is None else _setting(
            _retries, max_retries, "max_retries", self.name)
        self.rate_limit_cap: float = _setting(_cap, rate_limit_cap, "rate_limit_cap", self.name)
        self.allow_http: bool = _setting(validate.flag, allow_http, "allow_http", self.name)
        self.pool_size: int = DEFAULT_POOL_SIZE if pool_size is None else _setting(
            _pool, pool_size, "pool_size", self.name)
        self._registry = registry
        self.base_url: str | None = None
        if self.remote:
            url = base_url or os.environ.get(info.base_url_env) or info.default_base_url
            if not url:
                url = stored_setting(info.name, info.base_url_env)
            if not url:
                raise ConfigurationError(
                    f"{self.name} needs a base URL (each deployment has its own host): pass "
                    f"base_url=..., set {info.base_url_env}, or store it with "
                    f"`voicekit keys set {self.name}` (CLI: --base-url URL)",
                    provider=self.name,
                )
            from .urls import check_base_url

            self.base_url = check_base_url(url, allow_http=allow_http, provider=self.name)

    def _settings(self, given: dict[str, Any]) -> Any:
        """Take this provider's own settings out of ``given`` and parse them with
        :attr:`Settings`; an invalid one is a ConfigurationError naming it."""
        declared = self.Settings
        if declared is None:
            return None
        names = set(declared.names())
        mine = {k: given.pop(k) for k in list(given) if k in names}
        try:
            return declared.parse(mine, call="connect", provider=self.name)
        except InvalidInput as exc:
            raise ConfigurationError(exc.message, provider=self.name) from None

    # -- introspection -------------------------------------------------------------

    @property
    def capabilities(self) -> tuple[str, ...]:
        """Names of the capability ABCs this provider implements (derived from its bases)."""
        return capabilities_of(self)

    def __repr__(self) -> str:
        where = f" base_url={self.base_url!r}" if self.base_url else ""
        return f"<{type(self).__name__} {self.name!r}{where}>"

    # -- credentials and HTTP --------------------------------------------------------

    def credential(self, option: str) -> Secret:
        """The resolved credential for ``option`` (``"api_key"``)."""
        _need(option, str, "option", "a credential option name", self.name)
        try:
            return self._credentials[option]
        except KeyError:
            known = ", ".join(sorted(self._credentials)) or "none"
            raise InvalidInput(f"{self.name} has no credential {show(option)}; it has {known}",
                               field="option", limit=known, provider=self.name) from None

    def auth_headers(self) -> dict[str, str]:
        """Headers that authenticate a request to the provider's own origin. Override."""
        return {}

    def parse_error(self, response: HttpResponse) -> ErrorDetails:
        """Read an error answer of the vendor's own origin with :attr:`errors` (never
        raises). Override only for what an :class:`~voicekit_core.errormap.ErrorMap` cannot
        say; answers from storage hosts and signed links never come here."""
        return self.errors.details(response)

    @property
    def http(self) -> HttpClient:
        """The provider's HTTP client: one ``requests.Session``, created on first use
        (thread-safe: threads sharing a provider share one client and its pool)."""
        client: HttpClient | None = self.__dict__.get("_http")
        if client is not None:
            return client
        with _HTTP_LOCK:
            client = self.__dict__.get("_http")
            if client is None:
                client = self.__dict__["_http"] = self._make_http()
        return client

    def _make_http(self) -> HttpClient:
        from .http import HttpClient

        if self.base_url is None:
            raise ConfigurationError(f"{self.name} does not talk HTTP", provider=self.name)
        return HttpClient(
            self.base_url,
            provider=self.name,
            auth=self.auth_headers,
            secrets=tuple(self._credentials.values()),
            error_parser=self._error_details,
            timeout=self.timeout,
            max_retries=self.max_retries,
            rate_limit_cap=self.rate_limit_cap,
            clock=self.clock,
            emit=self._emit,
            pool_size=getattr(self, "pool_size", DEFAULT_POOL_SIZE),
            errors=self.errors,
        )

    def _error_details(self, response: HttpResponse) -> ErrorDetails:
        """:meth:`parse_error`, plus where the key came from on a 401 (env or key file)."""
        details = self.parse_error(response)
        sources = getattr(self, "_credential_sources", None)
        if response.status == 401 and sources:
            import attrs

            origin = "; ".join(sorted(set(sources.values())))
            details = attrs.evolve(details, message=f"{details.message} (the key came from "
                                                    f"{origin})")
        return details

    #: Whether result links (``DubResult.url``...) need the provider's credentials.
    authenticated_downloads: ClassVar[bool] = True

    def download(
        self, url: str, path: str | os.PathLike[str], *, on_progress: Any = None
    ) -> Path:
        """Stream ``url`` to ``path`` atomically; credentials only go to the API origin
        (and not at all when the class sets ``authenticated_downloads = False``)."""
        return self.http.download(url, path, on_progress=on_progress,
                                  authenticated=self.authenticated_downloads)

    def close(self) -> None:
        """Release connections."""
        with _HTTP_LOCK:
            http = self.__dict__.pop("_http", None)
        if http is not None:
            http.close()

    def __enter__(self) -> Provider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- events ----------------------------------------------------------------------

    def _emit(self, kind: str, **data: Any) -> None:
        registry = self._registry
        if registry is None:
            from .registry import get_registry

            registry = self._registry = get_registry()
        if registry.has_observers:
            registry.emit(Event(kind=kind, provider=self.name, data=data))

    # -- costs -----------------------------------------------------------------------

    def estimate(self, operation: str, **args: Any) -> Cost | None:
        """What ``operation`` (``"synthesize"``, ``"clone_voice"``, ``"dub"``...) would spend.

        None when the vendor's pricing is not known locally. Override per vendor (an
        override is wrapped so that ``operation`` is checked to be text first).
        """
        _need(operation, str, "operation", "an operation name", self.name)
        return None

    def check_budget(self, cost: Cost | None, max_credits: float | None) -> None:
        """Raise CreditLimitExceeded when ``cost`` exceeds ``max_credits`` (None: no limit).

        ``max_credits`` must be a finite number >= 0 (NaN, negatives, bools and strings are
        InvalidInput), checked even when the price is not known.
        """
        if cost is not None:
            _need(cost, Cost, "cost", "a Cost or None", self.name)
        budget = validate.max_credits(max_credits)
        if budget is None or cost is None:
            return
        if cost.credits > budget:
            raise CreditLimitExceeded(
                f"this would spend {cost.credits:g} {cost.unit}, over max_credits="
                f"{budget:g}; nothing was sent",
                max_credits=budget, need=cost.credits, provider=self.name,
            )

    def spent(self, credits: float, unit: str = "credits", **data: Any) -> None:
        """Report credits a call spent: the ``credits_spent`` event (``credits``, ``unit`` and
        ``data``, e.g. ``operation="dub"``). A value that is not a finite number (a vendor's
        odd answer) emits nothing rather than raising after the work was done."""
        if isinstance(credits, (int, float)) and not isinstance(credits, bool) \
                and math.isfinite(credits):
            self._emit("credits_spent", credits=float(credits), unit=unit, **data)

    # -- options ---------------------------------------------------------------------

    def reject_unknown(self, options: Mapping[str, Any], accepted: str, *, call: str,
                       what: str = "option") -> None:
        """Raise InvalidInput naming ``options`` left over after a method took its own.

        ``accepted`` lists, in words, what ``call`` does take (``"format, speed, pitch"``).
        """
        _need(options, Mapping, "options", "a mapping of option names", self.name)
        if options:
            names = sorted(map(str, options))
            raise InvalidInput(
                f"{self.name} {call}() got unknown {what}(s) {', '.join(names)}; "
                f"it takes {accepted}",
                field=names[0], limit=accepted, provider=self.name,
            )

    # -- voices ----------------------------------------------------------------------

    def voice_id(self, voice: str | int | Voice) -> str:
        """The id of ``voice`` (a Voice of this provider, or an id); raises InvalidInput when
        it is empty, not text, has control characters, or is a Voice of another provider."""
        if isinstance(voice, Voice):
            if voice.provider and voice.provider != self.name:
                raise InvalidInput(
                    f"voice {voice.id!r} belongs to {voice.provider}; pass a {self.name} voice",
                    field="voice", limit=f"a {self.name} voice", provider=self.name)
            value: Any = voice.id
        else:
            value = voice
        if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
            raise InvalidInput(f"voice must be a voice id or a Voice, got {show(voice)}",
                               field="voice", limit="a voice id", provider=self.name)
        text = str(value).strip()
        if surrogate_at(text) is not None or any(ord(c) < 32 or ord(c) == 127 for c in text):
            raise InvalidInput(f"voice {show(text)} has control characters or unpaired "
                               "surrogates", field="voice", limit="a voice id",
                               provider=self.name)
        return text

    # -- jobs ------------------------------------------------------------------------

    def job_kind(self, kind: str) -> JobKind[Any] | None:
        """The declared :class:`JobKind` named ``kind``, if any."""
        _need(kind, str, "kind", "a job kind name", self.name)
        return next((k for k in self.jobs if k.name == kind), None)

    def poll_policy(self, kind: str) -> PollPolicy:
        """The polling rule for jobs of ``kind``."""
        declared = self.job_kind(kind)  # checks kind is text
        if declared is not None:
            return declared.poll
        return self.poll_policies.get(kind) or self.poll_policies.get("*") or PollPolicy()

    def refresh_job(self, job: Job[Any]) -> JobUpdate[Any]:
        """Look at a job once, with the method its :class:`JobKind` registered (falling back
        to a ``_refresh_<kind>(job)`` method)."""
        _need(job, Job, "job", "a Job", self.name)
        declared = self.job_kind(job.kind)
        method = None
        if declared is not None and declared.method is not None:
            method = getattr(self, declared.method, None)
        if method is None:
            method = getattr(self, f"_refresh_{job.kind}", None)
            if method is not None and declared is None:
                warnings.warn(f"{type(self).__name__}: declare job kind {job.kind!r} in "
                              "`jobs = (JobKind(...),)` instead of relying on the "
                              f"_refresh_{job.kind} name", DeprecationWarning, stacklevel=2)
        if method is None:
            raise NotFound(f"{self.name} has no jobs of kind {job.kind!r}", provider=self.name)
        update: JobUpdate[Any] = method(job)
        return update

    def job(self, ref: str | JobRef) -> Job[Any]:
        """Resume a job from ``job.to_ref()`` (a string or JobRef); it is refreshed once.

        Raises:
            InvalidInput: ``ref`` is not a job reference of this provider.
            NotFound: the provider has no jobs of that kind (nothing was sent).
        """
        parsed = JobRef.parse(ref)
        if parsed.provider != self.name:
            raise InvalidInput(
                f"job {parsed} belongs to {parsed.provider!r}, not {self.name!r}", field="ref",
                provider=self.name)
        job: Job[Any] = Job(self, parsed.kind, parsed.id, context=parsed.context)
        return job.refresh()


# -- connect() settings -------------------------------------------------------------------


def _need(value: Any, kind: type | tuple[type, ...], field: str, what: str,
          provider: str) -> None:
    """InvalidInput unless ``value`` is a ``kind`` (public helpers never raise TypeError)."""
    if not isinstance(value, kind):
        raise InvalidInput(f"{field} must be {what}, got {show(value)}", field=field,
                           limit=what, provider=provider)


def _checked_estimate(method: Callable[..., Cost | None]) -> Callable[..., Cost | None]:
    """A provider's own ``estimate``, with ``operation`` checked to be text first."""

    @functools.wraps(method)
    def estimate(self: Provider, operation: str, *args: Any, **kwargs: Any) -> Cost | None:
        _need(operation, str, "operation", "an operation name", self.name)
        return method(self, operation, *args, **kwargs)

    estimate.__voicekit_checked__ = True  # type: ignore[attr-defined]
    return estimate


def _setting(check: Callable[..., Any], value: Any, field: str, provider: str) -> Any:
    """``check(value, field=...)``, its InvalidInput turned into a ConfigurationError."""
    try:
        return check(value, field=field)
    except InvalidInput as exc:
        raise ConfigurationError(exc.message, provider=provider) from None


def _timeout(value: Any, *, field: str) -> float | tuple[float, float] | None:
    """None, seconds > 0, or ``(connect, read)`` seconds > 0 (finite, not bools)."""
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise InvalidInput(f"{field} must be seconds or (connect, read), got "
                               f"{show(value)}", field=field, limit="(connect, read)")
        connect, read = (_seconds(v, field) for v in value)
        return (connect, read)
    return _seconds(value, field)


def _seconds(value: Any, field: str) -> float:
    seconds = validate.number(value, field=field, low=0)
    if seconds <= 0:
        raise InvalidInput(f"{field} must be more than 0 seconds, got {show(value)}",
                           field=field, limit="> 0")
    return seconds


def _pool(value: Any, *, field: str) -> int:
    return validate.integer(value, field=field, low=1, high=1000)


def _retries(value: Any, *, field: str) -> int:
    return validate.integer(value, field=field, low=0, high=100)


def _cap(value: Any, *, field: str) -> float:
    return validate.number(value, field=field, low=0)
