"""voicekit-piper: natural-sounding neural voices (Piper), offline, in this process.

``voicekit_core.connect("piper")`` speaks with Piper voices (VITS models exported to ONNX)
through onnxruntime, with espeak-ng phonemes from the ``espeakng-loader`` wheel: no account,
no network. Nothing heavy is imported here (the ``voicekit`` entry point imports this
package): the provider lives in :mod:`voicekit_piper.provider`, the model runner in
:mod:`voicekit_piper.engine`, the phonemizer in :mod:`voicekit_piper.phonemes` and voice
discovery in :mod:`voicekit_piper.voices`.
"""

from __future__ import annotations

__all__: list[str] = []
