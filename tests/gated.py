"""An in-process Synthesize provider for adapter tests: records calls, fails on demand."""

from __future__ import annotations

import threading
from typing import Any

import voicekit_core as vk
from voicekit_core.testing.media import tone_wav

GATED_INFO = vk.ProviderInfo(name="gated", factory="gated:GatedProvider",
                             capabilities=("Synthesize",))


class GatedProvider(vk.Provider, vk.Synthesize):
    """Answers every text with 0.1 s of tone; ``fail_on`` maps a text to the error it raises.

    ``started[i]`` is set when call ``i`` (0-based) begins.
    """

    info = GATED_INFO
    remote = False

    def __init__(self, *, fail_on: dict[str, Exception] | None = None, rate: int = 22050,
                 **options: Any) -> None:
        super().__init__(**options)
        self.fail_on = dict(fail_on or {})
        self.rate = rate
        self.calls: list[dict[str, Any]] = []
        self.started = [threading.Event() for _ in range(64)]
        self._lock = threading.Lock()

    def synthesize(self, text: str, *, voice: Any = None, format: str | None = None,
                   **options: Any) -> vk.Audio:
        with self._lock:
            index = len(self.calls)
            self.calls.append({"text": text, "voice": voice, "format": format, **options})
        if index < len(self.started):
            self.started[index].set()
        if text in self.fail_on:
            raise self.fail_on[text]
        if format not in (None, "wav"):
            raise vk.InvalidInput(f"gated makes wav, not {format}", field="format",
                                  limit="wav")
        return vk.Audio(data=tone_wav(0.1, sample_rate=self.rate), format="wav")

    @property
    def texts(self) -> list[str]:
        return [c["text"] for c in self.calls]
