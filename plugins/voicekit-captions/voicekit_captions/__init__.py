"""voicekit-captions: the Captions provider for voicekit (AI Twins and AI Creator videos).

Use it through ``voicekit_core.connect("captions")``; the provider class lives in
:mod:`voicekit_captions.provider` and the API emulator in :mod:`voicekit_captions.emulator`
(neither is imported here: the ``voicekit`` entry point imports this package).
"""

from __future__ import annotations

__all__: list[str] = []
