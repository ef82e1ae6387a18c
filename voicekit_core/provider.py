"""The base class every provider builds on.

A plugin's provider subclasses :class:`Provider` and the capability ABCs it implements::

    class GemeloProvider(Provider, ListVoices, Synthesize):
        info = INFO  # the ProviderInfo from the plugin's plugin.py

``Provider`` handles what is the same for every vendor: options and credentials, the base
URL, the HTTP client (created on first use), jobs, cost guards and events.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from .capabilities import capabilities_of
from .clock import SYSTEM_CLOCK, Clock
from .credentials import Secret, resolve_credentials
from .errors import ConfigurationError, CreditLimitExceeded, InvalidInput, NotFound
from .jobs import Job, JobRef, JobUpdate, PollPolicy
from .models import Cost, Event, ProviderInfo, Voice

if TYPE_CHECKING:
    from pathlib import Path

    from .http import ErrorDetails, HttpClient, HttpResponse
    from .registry import Registry

__all__ = ["Provider"]


class Provider:
    """Common ground of all providers.

    Options every provider accepts:
        base_url: the API root (default: ``NAME_BASE_URL`` env var, then the vendor's).
        timeout: seconds, or ``(connect, read)``; default (10, 60).
        max_retries: attempts after the first for safe requests (default 4).
        allow_http: allow plain ``http://`` to a non-loopback host (default False).
        clock: a :class:`~voicekit_core.clock.Clock` for polling and waits (tests).
        rate_limit_cap: longest wait, in seconds, for a rate-limit reset (default 60).
        credentials by option name, e.g. ``api_key=``.
    """

    #: The plugin's registration; the single source of the name and credential names.
    info: ClassVar[ProviderInfo]
    #: Polling rule per job kind, from the vendor's documentation.
    poll_policies: ClassVar[Mapping[str, PollPolicy]] = {}
    #: Whether the provider talks HTTP at all (False for local engines).
    remote: ClassVar[bool] = True
    #: Longest text one ``synthesize`` call takes (characters / UTF-8 bytes; None: unknown),
    #: for ``split=True``. A ``kit.operation(text=TextRules(...))`` declaration wins.
    max_text_chars: ClassVar[int | None] = None
    max_text_bytes: ClassVar[int | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("synthesize")
        if callable(own):  # every synthesize takes split=True (see voicekit_core.longtext)
            from .longtext import splittable

            cls.synthesize = splittable(own)  # type: ignore[attr-defined]

    def __init__(
        self,
        *,
        base_url: str | None = None,
        timeout: float | tuple[float, float] | None = None,
        max_retries: int | None = None,
        allow_http: bool = False,
        clock: Clock | None = None,
        rate_limit_cap: float = 60.0,
        registry: Registry | None = None,
        **credentials: Any,
    ) -> None:
        info = self.info
        self.name: str = info.name
        known = {info.option_name(e) for e in info.credentials}
        unknown = sorted(set(credentials) - known)
        if unknown:
            accepted = ", ".join(sorted(known)) or "none"
            raise ConfigurationError(
                f"{self.name} does not take option(s) {', '.join(unknown)} "
                f"(credential options: {accepted})",
                provider=self.name,
            )
        self._credentials: dict[str, Secret] = resolve_credentials(info, credentials)
        self.clock: Clock = clock or SYSTEM_CLOCK
        self.timeout = timeout
        self.max_retries = 4 if max_retries is None else max_retries
        self.rate_limit_cap = rate_limit_cap
        self.allow_http = allow_http
        self._registry = registry
        self.base_url: str | None = None
        if self.remote:
            url = base_url or os.environ.get(info.base_url_env) or info.default_base_url
            if not url:
                raise ConfigurationError(
                    f"{self.name} needs a base URL: pass base_url=... or set "
                    f"{info.base_url_env} (each deployment has its own host)",
                    provider=self.name,
                )
            from .http import check_base_url

            self.base_url = check_base_url(url, allow_http=allow_http, provider=self.name)

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
        return self._credentials[option]

    def auth_headers(self) -> dict[str, str]:
        """Headers that authenticate a request to the provider's own origin. Override."""
        return {}

    def parse_error(self, response: HttpResponse) -> ErrorDetails:
        """Read the vendor's error body. Override for the vendor's envelope."""
        from .http import default_error_details

        return default_error_details(response)

    @functools.cached_property
    def http(self) -> HttpClient:
        """The provider's HTTP client: one ``requests.Session``, created on first use."""
        from .http import HttpClient

        if self.base_url is None:
            raise ConfigurationError(f"{self.name} does not talk HTTP", provider=self.name)
        return HttpClient(
            self.base_url,
            provider=self.name,
            auth=self.auth_headers,
            secrets=tuple(self._credentials.values()),
            error_parser=self.parse_error,
            timeout=self.timeout,
            max_retries=self.max_retries,
            rate_limit_cap=self.rate_limit_cap,
            clock=self.clock,
            emit=self._emit,
        )

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
        http = self.__dict__.pop("http", None)
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

        None when the vendor's pricing is not known locally. Override per vendor.
        """
        return None

    def check_budget(self, cost: Cost | None, max_credits: float | None) -> None:
        """Raise CreditLimitExceeded when ``cost`` exceeds ``max_credits`` (None: no limit)."""
        if max_credits is None or cost is None:
            return
        if max_credits < 0:
            raise InvalidInput("max_credits must be >= 0", field="max_credits", limit=">= 0")
        if cost.credits > max_credits:
            raise CreditLimitExceeded(
                f"this would spend {cost.credits:g} {cost.unit}, over max_credits="
                f"{max_credits:g}; nothing was sent",
                max_credits=max_credits, need=cost.credits, provider=self.name,
            )

    # -- options ---------------------------------------------------------------------

    def reject_unknown(self, options: Mapping[str, Any], accepted: str, *, call: str,
                       what: str = "option") -> None:
        """Raise InvalidInput naming ``options`` left over after a method took its own.

        ``accepted`` lists, in words, what ``call`` does take (``"format, speed, pitch"``).
        """
        if options:
            names = sorted(options)
            raise InvalidInput(
                f"{self.name} {call}() got unknown {what}(s) {', '.join(names)}; "
                f"it takes {accepted}",
                field=names[0], limit=accepted, provider=self.name,
            )

    # -- voices ----------------------------------------------------------------------

    @staticmethod
    def voice_id(voice: str | int | Voice) -> str:
        """The id of ``voice`` (a Voice or an id); raises InvalidInput when empty."""
        value = voice.id if isinstance(voice, Voice) else voice
        if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
            raise InvalidInput(f"voice must be a voice id or a Voice, got {voice!r}",
                               field="voice", limit="a voice id")
        return str(value).strip()

    # -- jobs ------------------------------------------------------------------------

    def poll_policy(self, kind: str) -> PollPolicy:
        """The polling rule for jobs of ``kind``."""
        return self.poll_policies.get(kind) or self.poll_policies.get("*") or PollPolicy()

    def refresh_job(self, job: Job[Any]) -> JobUpdate[Any]:
        """Look at a job once; dispatches to ``_refresh_<kind>(job)`` of the subclass."""
        method = getattr(self, f"_refresh_{job.kind}", None)
        if method is None:
            raise NotFound(f"{self.name} has no jobs of kind {job.kind!r}", provider=self.name)
        update: JobUpdate[Any] = method(job)
        return update

    def job(self, ref: str | JobRef) -> Job[Any]:
        """Resume a job from ``job.to_ref()`` (a string or JobRef); it is refreshed once."""
        parsed = JobRef.parse(ref)
        if parsed.provider != self.name:
            raise InvalidInput(
                f"job {ref} belongs to {parsed.provider!r}, not {self.name!r}", field="ref"
            )
        job: Job[Any] = Job(self, parsed.kind, parsed.id, context=parsed.context)
        return job.refresh()
