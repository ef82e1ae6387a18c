"""FallbackAdapter: several providers in order, moving on only when nothing was billed.

A call goes to the first available provider. It moves on to the next one only when the
failure proves the request was not processed (so nothing was billed and nothing will be
spoken twice):

- the connection could not be made (``ConnectionFailed`` / ``Timeout`` that never reached
  the vendor: ``may_have_been_processed`` is False);
- the vendor answered 5xx to a request that is safe to repeat (``ServerError`` with
  ``may_have_been_processed`` False);
- 429 ``RateLimited``; ``AuthenticationError``; ``InsufficientCredits`` (refused, unbilled).

Anything else (bad input, an unknown voice, a 5xx after a spending request may have been
processed) is raised as it is. A provider that failed is marked unavailable for
``cooldown`` seconds (or the vendor's ``Retry-After`` when longer); after that it is
probed again by the next call, in its place in the order. When every provider is cooling
down, they are tried anyway, soonest-back first. Each switch emits a ``fallback_switch``
event (see :mod:`voicekit_core.metrics`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from ..capabilities import StreamSynthesize, Synthesize
from ..clock import SYSTEM_CLOCK, Clock
from ..errors import (
    AuthenticationError,
    ConnectionFailed,
    InsufficientCredits,
    InvalidInput,
    RateLimited,
    ServerError,
    Timeout,
    VoicekitError,
)
from ..metrics import emit
from ..models import Audio, AudioStream, Cost, DuplexStream

__all__ = ["FallbackAdapter", "proves_unbilled"]

T = TypeVar("T")


def proves_unbilled(exc: BaseException) -> bool:
    """Whether ``exc`` proves the request was neither processed nor billed."""
    if isinstance(exc, (AuthenticationError, RateLimited, InsufficientCredits)):
        return True
    if isinstance(exc, (ConnectionFailed, Timeout, ServerError)):
        return not exc.may_have_been_processed
    return False


class FallbackAdapter(Synthesize, StreamSynthesize):
    """``vk.adapters.fallback([p1, p2, ...], voices={name: voice})``.

    Args:
        providers: in order of preference (each a Synthesize provider or adapter).
        voices: the voice to use with each provider, by provider name; a ``voice=`` given
            to a call is used for providers not named here.
        cooldown: seconds a failed provider is skipped before it is probed again.
        clock: a :class:`~voicekit_core.clock.Clock` (tests use a ManualClock).
    """

    def __init__(self, providers: Sequence[Any], *, voices: Mapping[str, Any] | None = None,
                 cooldown: float = 60.0, clock: Clock | None = None) -> None:
        chain = list(providers) if not isinstance(providers, (str, bytes)) else []
        if not chain:
            raise InvalidInput("fallback needs at least one provider", field="providers",
                               limit="one or more providers")
        for provider in chain:
            if not callable(getattr(provider, "synthesize", None)):
                raise InvalidInput(f"{getattr(provider, 'name', provider)!s} cannot "
                                   "synthesize", field="providers", limit="Synthesize providers")
        if isinstance(cooldown, bool) or not isinstance(cooldown, (int, float)) or not (
                0 <= cooldown < float("inf")):
            raise InvalidInput(f"cooldown must be a number of seconds >= 0, got {cooldown!r}",
                               field="cooldown", limit=">= 0")
        self.providers = chain
        self.voices = dict(voices or {})
        self.cooldown = float(cooldown)
        self.clock: Clock = clock or SYSTEM_CLOCK
        self.name = "fallback(" + ",".join(str(p.name) for p in chain) + ")"
        self._until: dict[int, float] = {}  # index -> clock time it may be probed again

    # -- state -------------------------------------------------------------------------

    def available(self) -> list[Any]:
        """The providers not cooling down, in order."""
        now = self.clock.now()
        return [p for i, p in enumerate(self.providers) if self._until.get(i, 0.0) <= now]

    def _order(self) -> list[int]:
        now = self.clock.now()
        ready = [i for i in range(len(self.providers)) if self._until.get(i, 0.0) <= now]
        if ready:
            return ready
        return sorted(range(len(self.providers)), key=lambda i: self._until[i])

    def _mark_down(self, index: int, exc: VoicekitError) -> None:
        wait = self.cooldown
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, (int, float)) and retry_after > wait:
            wait = float(retry_after)
        self._until[index] = self.clock.now() + wait

    def _voice(self, provider: Any, voice: Any) -> Any:
        chosen = self.voices.get(str(provider.name), voice)
        if chosen is None:
            raise InvalidInput(f"no voice for {provider.name}: pass voice= or "
                               f"voices={{'{provider.name}': ...}}", field="voice",
                               limit="a voice per provider")
        return chosen

    def _run(self, operation: str, call: Callable[[Any, Any], T], voice: Any) -> T:
        order = self._order()
        chosen = {i: self._voice(self.providers[i], voice) for i in order}  # before any call
        last: VoicekitError | None = None
        for position, index in enumerate(order):
            provider = self.providers[index]
            try:
                result = call(provider, chosen[index])
            except VoicekitError as exc:
                if not proves_unbilled(exc):
                    raise
                self._mark_down(index, exc)
                last = exc
                following = order[position + 1:]
                if following:
                    emit(provider, "fallback_switch", operation=operation,
                         from_provider=provider.name,
                         to_provider=self.providers[following[0]].name,
                         error=type(exc).__name__, message=exc.message)
                continue
            self._until.pop(index, None)
            return result
        assert last is not None
        raise last

    # -- capabilities ------------------------------------------------------------------

    @property
    def capabilities(self) -> tuple[str, ...]:
        return ("Synthesize", "StreamSynthesize")

    def synthesize(self, text: str, *, voice: Any = None, format: str | None = None,
                   **options: Any) -> Audio:
        """``synthesize`` with the first provider that takes the request."""
        if format is not None:
            options["format"] = format

        def call(provider: Any, chosen: Any) -> Audio:
            result: Audio = provider.synthesize(text, voice=chosen, **options)
            return result

        return self._run("synthesize", call, voice)

    def stream_synthesize(self, text: str, *, voice: Any = None, **options: Any
                          ) -> AudioStream:
        """``stream_synthesize`` of the first provider that opens the stream (providers
        without streaming get a :class:`StreamAdapter`). A stream that breaks after it
        started is not switched: its audio was already billed."""

        def call(provider: Any, chosen: Any) -> AudioStream:
            result: AudioStream = _streaming(provider).stream_synthesize(text, voice=chosen,
                                                                         **options)
            return result

        return self._run("stream_synthesize", call, voice)

    def open_stream(self, *, voice: Any = None, **options: Any) -> DuplexStream:
        """``open_stream`` of the first provider that opens one."""

        def call(provider: Any, chosen: Any) -> DuplexStream:
            result: DuplexStream = _streaming(provider).open_stream(voice=chosen, **options)
            return result

        return self._run("open_stream", call, voice)

    def estimate(self, operation: str, **args: Any) -> Cost | None:
        """The estimate of the provider a call would go to first (its voice mapped)."""
        from ..estimates import estimate_call

        provider = self.providers[self._order()[0]]
        text = args.pop("text", "")
        args["voice"] = self.voices.get(str(provider.name), args.get("voice"))
        return estimate_call(provider, operation, text, args)

    def check_budget(self, cost: Cost | None, max_credits: float | None) -> None:
        """The budget check of the provider a call would go to first."""
        from ..estimates import innermost

        innermost(self.providers[self._order()[0]]).check_budget(cost, max_credits)

    def close(self) -> None:
        """Close every provider."""
        for provider in self.providers:
            close = getattr(provider, "close", None)
            if close is not None:
                close()

    def __enter__(self) -> FallbackAdapter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<FallbackAdapter {self.name}>"


def _streaming(provider: Any) -> Any:
    if isinstance(provider, StreamSynthesize):
        return provider
    from .stream_adapter import StreamAdapter

    return StreamAdapter(provider)
