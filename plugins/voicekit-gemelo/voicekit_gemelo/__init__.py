"""voicekit-gemelo: the Gemelo provider for voicekit.

Use it through ``voicekit_core.connect("gemelo")``; the provider class lives in
:mod:`voicekit_gemelo.provider` and the API emulator in :mod:`voicekit_gemelo.emulator`
(neither is imported here: the ``voicekit`` entry point imports this package).
"""

from __future__ import annotations

__all__: list[str] = []
