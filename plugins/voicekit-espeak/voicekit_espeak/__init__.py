"""voicekit-espeak: the embedded, offline default voice of voicekit.

``voicekit_core.connect("espeak")`` speaks through espeak-ng, loaded from the
``espeakng-loader`` wheel: no account, no network, no system package. Nothing heavy is
imported here (the ``voicekit`` entry point imports this package); the provider lives in
:mod:`voicekit_espeak.provider` and the ctypes binding in :mod:`voicekit_espeak.engine`.
"""

from __future__ import annotations

__all__: list[str] = []
