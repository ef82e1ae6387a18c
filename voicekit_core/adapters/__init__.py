"""Adapters: wrap providers to give them what they lack, generically.

>>> import voicekit_core as vk
>>> tts = vk.adapters.stream(vk.connect("espeak"))          # doctest: +SKIP
>>> safe = vk.adapters.fallback([vk.connect("gemelo"), tts],  # doctest: +SKIP
...                             voices={"gemelo": "v-anna", "espeak": "en"})

Each adapter stands in for the provider it wraps (other attributes are the provider's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ..cache import CachedProvider, SynthesisCache
    from ..clock import Clock
    from .fallback_adapter import FallbackAdapter
    from .stream_adapter import StreamAdapter

__all__ = ["cached", "fallback", "stream"]


def stream(provider: Any, *, ahead: int = 1, max_chars: int | None = None,
           max_bytes: int | None = None) -> StreamAdapter:
    """Sentence-by-sentence ``stream_synthesize`` / ``open_stream`` for a Synthesize provider
    (see :class:`~voicekit_core.adapters.stream_adapter.StreamAdapter`)."""
    from .stream_adapter import StreamAdapter

    return StreamAdapter(provider, ahead=ahead, max_chars=max_chars, max_bytes=max_bytes)


def fallback(providers: Sequence[Any], *, voices: Mapping[str, Any] | None = None,
             cooldown: float = 60.0, clock: Clock | None = None) -> FallbackAdapter:
    """Try ``providers`` in order, moving on only when a failure proves nothing was billed
    (see :class:`~voicekit_core.adapters.fallback_adapter.FallbackAdapter`)."""
    from .fallback_adapter import FallbackAdapter

    return FallbackAdapter(providers, voices=voices, cooldown=cooldown, clock=clock)


def cached(provider: Any, cache: SynthesisCache | str | None = None, *,
           max_bytes: int | None = None) -> CachedProvider:
    """``provider`` whose ``synthesize`` answers repeated requests from a disk cache
    (see :mod:`voicekit_core.cache`)."""
    from ..cache import CachedProvider

    return CachedProvider(provider, cache, max_bytes=max_bytes)
