"""Synthesis metrics as events, and a small collector to read them.

voicekit's adapters (:mod:`voicekit_core.adapters`), long-text synthesis and the cache emit
these through the ``voicekit_on_event`` hook, as :class:`~voicekit_core.models.Event`:

``synthesis``
    one request finished: ``operation``, ``characters``, ``text_bytes``,
    ``first_audio_seconds`` (time to the first audio byte), ``elapsed_seconds``,
    ``audio_seconds`` (None when unknown), ``credits`` (the provider's estimate, or None),
    ``cached`` (True when served from the cache: nothing billed).
``fallback_switch``
    a fallback adapter moved on: ``from_provider``, ``to_provider``, ``error``, ``message``.
``cache``
    ``action`` (``hit``, ``store``, ``evict``), ``bytes``.

Providers themselves emit ``credits_spent`` (``credits``, ``unit``) when they know what a
call billed. :class:`MetricsCollector` attaches to the registry and sums all of these::

    with vk.metrics.MetricsCollector() as metrics:
        tts.synthesize("Hello!", voice="en")
    print(metrics.summary())
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from .events import Event
from .hookspecs import hookimpl
from .models import AudioStream

__all__ = ["MetricsCollector", "emit", "measured_stream", "observed", "timed"]

T = TypeVar("T")


def _registry(provider: Any) -> Any:
    registry = getattr(provider, "_registry", None)
    if registry is None:
        from .registry import get_registry

        registry = get_registry()
    return registry


def observed(provider: Any) -> bool:
    """Whether anyone observes events (so that building one is worth it)."""
    return bool(_registry(provider).has_observers)


def emit(provider: Any, kind: str, **data: Any) -> None:
    """Send event ``kind`` on behalf of ``provider`` (a provider or an adapter)."""
    registry = _registry(provider)
    if registry.has_observers:
        registry.emit(Event(kind=kind, provider=str(getattr(provider, "name", provider)),
                            data=data))


def _credits(provider: Any, operation: str, text: str, kwargs: dict[str, Any]) -> float | None:
    from .estimates import estimate_call

    try:
        cost = estimate_call(provider, operation, text, kwargs)
    except Exception:  # an estimate is informational here; never fail the call for it
        return None
    return None if cost is None else float(cost.credits)


_state = threading.local()


def timed(provider: Any, operation: str, text: str, call: Callable[[], T], *,
          kwargs: dict[str, Any] | None = None, cached: bool = False) -> T:
    """Run ``call`` (a whole, non-streamed synthesis of ``text``) and emit ``synthesis``.

    Layers nest (long text over a cache over a provider): only the outermost emits, and
    it reports ``cached=True`` when an inner layer answered from the cache.
    """
    if getattr(_state, "depth", 0):
        if cached:
            _state.cached = True
        return call()
    _state.depth, _state.cached = 1, cached
    start = time.perf_counter()
    try:
        result = call()
    finally:
        _state.depth = 0
    elapsed = time.perf_counter() - start
    cached = bool(_state.cached)
    if observed(provider):
        emit(provider, "synthesis", operation=operation, characters=len(text),
             text_bytes=len(text.encode("utf-8", "surrogatepass")),
             first_audio_seconds=elapsed, elapsed_seconds=elapsed,
             audio_seconds=getattr(result, "duration", None),
             credits=0.0 if cached else _credits(provider, operation, text, kwargs or {}),
             cached=cached)
    return result


def measured_stream(provider: Any, operation: str, text: str, stream: AudioStream, *,
                    start: float | None = None) -> AudioStream:
    """``stream`` whose consumption emits ``synthesis`` with its time to first audio."""
    began = time.perf_counter() if start is None else start

    def chunks() -> Iterator[bytes]:
        first: float | None = None
        size = 0
        for chunk in stream:
            if first is None and chunk:
                first = time.perf_counter() - began
            size += len(chunk)
            yield chunk
        rate, channels = stream.sample_rate, stream.channels or 1
        audio = (size / (2 * channels * rate) if rate and stream.format in ("wav", "pcm")
                 else None)
        emit(provider, "synthesis", operation=operation, characters=len(text),
             text_bytes=len(text.encode("utf-8", "surrogatepass")),
             first_audio_seconds=first, elapsed_seconds=time.perf_counter() - began,
             audio_seconds=audio, credits=None, cached=False)

    return AudioStream(chunks(), format=stream.format, sample_rate=stream.sample_rate,
                       channels=stream.channels, on_close=stream.close)


class MetricsCollector:
    """Collects voicekit events while attached (a context manager, or attach()/detach()).

    Thread-safe: events from adapter worker threads are counted too.
    """

    def __init__(self, registry: Any = None) -> None:
        self._registry = registry
        self._lock = threading.Lock()
        self.events: list[Event] = []

    @hookimpl
    def voicekit_on_event(self, event: Event) -> None:
        with self._lock:
            self.events.append(event)

    def attach(self) -> MetricsCollector:
        """Start observing (registers this collector with the plugin registry)."""
        if self._registry is None:
            from .registry import get_registry

            self._registry = get_registry()
        self._registry.pm.register(self, name=f"voicekit-metrics-{id(self)}")
        return self

    def detach(self) -> None:
        """Stop observing (idempotent)."""
        if self._registry is not None and self._registry.pm.is_registered(self):
            self._registry.pm.unregister(self)

    def __enter__(self) -> MetricsCollector:
        return self.attach()

    def __exit__(self, *exc: object) -> None:
        self.detach()

    def of_kind(self, kind: str) -> list[Event]:
        """The events of ``kind`` seen so far."""
        with self._lock:
            return [e for e in self.events if e.kind == kind]

    def summary(self) -> dict[str, Any]:
        """Totals: requests, characters, audio seconds, credits, time to first audio."""
        synth = self.of_kind("synthesis")
        first = [float(e.data["first_audio_seconds"]) for e in synth
                 if e.data.get("first_audio_seconds") is not None]
        billed = [e for e in synth if not e.data.get("cached")]
        return {
            "requests": len(billed),
            "cache_hits": len(synth) - len(billed),
            "characters": sum(int(e.data.get("characters") or 0) for e in billed),
            "audio_seconds": sum(float(e.data.get("audio_seconds") or 0.0) for e in synth),
            "estimated_credits": sum(float(e.data.get("credits") or 0.0) for e in billed),
            "credits_spent": sum(float(e.data.get("credits") or 0.0)
                                 for e in self.of_kind("credits_spent")),
            "first_audio_seconds_median": statistics.median(first) if first else None,
            "fallback_switches": len(self.of_kind("fallback_switch")),
        }
