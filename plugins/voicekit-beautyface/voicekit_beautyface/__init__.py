"""voicekit-beautyface: the white-label Voice Clone & Text-to-Speech API for voicekit.

Use it through ``voicekit_core.connect("beautyface", base_url=...)``; the provider class lives
in :mod:`voicekit_beautyface.provider` and the API emulator in
:mod:`voicekit_beautyface.emulator` (neither is imported here: the ``voicekit`` entry point
imports this package).
"""

from __future__ import annotations

__all__: list[str] = []
