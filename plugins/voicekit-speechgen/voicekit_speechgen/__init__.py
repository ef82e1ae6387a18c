"""voicekit-speechgen: the Speechgen provider for voicekit.

Use it through ``voicekit_core.connect("speechgen")``; the provider class lives in
:mod:`voicekit_speechgen.provider` and the API emulator in
:mod:`voicekit_speechgen.emulator` (neither is imported here: the ``voicekit`` entry point
imports this package).
"""

from __future__ import annotations

__all__: list[str] = []
