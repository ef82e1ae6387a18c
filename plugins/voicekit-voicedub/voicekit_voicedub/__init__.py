"""voicekit provider for VoiceDub (https://voicedub.ai): AI voice dubs, voice training,
the public voice catalogue and API credits.

Use it through voicekit: ``voicekit_core.connect("voicedub")``. This package imports
nothing heavy; the provider lives in :mod:`voicekit_voicedub.provider`, its declared
options in :mod:`voicekit_voicedub.options`, the vendor's response models in
:mod:`voicekit_voicedub.schema` and the emulator in :mod:`voicekit_voicedub.emulator`.
"""

from __future__ import annotations

__all__: list[str] = []
