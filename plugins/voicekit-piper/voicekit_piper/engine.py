"""Piper voices on onnxruntime: each model loaded once per process and shared.

Other plugins have ``emulator.py`` as their fourth module; Piper has no vendor API (the
model runs in this process), so this plugin's fourth module is the inference engine.

A loaded model is an ``onnxruntime.InferenceSession``, kept in a process-wide cache keyed
by (model file, its size and mtime, thread count): every provider asking for the same voice
with the same ``threads=`` shares one session (``InferenceSession.run`` is thread-safe).
Loading happens once even when many threads ask at the same time. onnxruntime and numpy
are imported on first use, never at import of this module.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import attrs

from voicekit_core.errors import ConfigurationError, ServerError

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np
    import onnxruntime  # type: ignore[import-untyped]

__all__ = ["Model", "Scales", "load_model", "to_pcm16"]

#: the inputs every Piper voice takes (a multi-speaker voice also takes ``sid``)
INPUTS = ("input", "input_lengths", "scales")


@attrs.frozen
class Scales:
    """Piper's three knobs, in the order of the ``scales`` input."""

    noise_scale: float
    length_scale: float
    noise_w: float


class Model:
    """One loaded voice model. Obtain it with :func:`load_model`."""

    def __init__(self, session: onnxruntime.InferenceSession, path: Path) -> None:
        import numpy

        self._np = numpy
        self.session = session
        self.path = path
        names = {i.name for i in session.get_inputs()}
        missing = [n for n in INPUTS if n not in names]
        if missing:
            raise ConfigurationError(f"{path} is not a Piper voice model: it lacks input(s) "
                                     f"{', '.join(missing)}", provider="piper")
        #: whether the model takes a speaker id (multi-speaker voice)
        self.takes_speaker = "sid" in names

    def feeds(self, ids: list[int], scales: Scales, speaker: int | None) -> dict[str, Any]:
        """The input tensors of one inference (also used by the benchmark's raw baseline)."""
        np = self._np
        feeds: dict[str, Any] = {
            "input": np.asarray([ids], dtype=np.int64),
            "input_lengths": np.asarray([len(ids)], dtype=np.int64),
            "scales": np.asarray([scales.noise_scale, scales.length_scale, scales.noise_w],
                                 dtype=np.float32),
        }
        if self.takes_speaker:
            feeds["sid"] = np.asarray([speaker or 0], dtype=np.int64)
        return feeds

    def infer(self, ids: list[int], scales: Scales, speaker: int | None = None) -> bytes:
        """16-bit little-endian mono PCM for phoneme ``ids`` (one ONNX call)."""
        try:
            output = self.session.run(None, self.feeds(ids, scales, speaker))[0]
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ServerError(f"piper inference failed on {self.path.name}: "
                              f"{type(exc).__name__}: {exc}", provider="piper",
                              code="inference_failed") from None
        return to_pcm16(output)


def to_pcm16(waveform: np.ndarray[Any, Any]) -> bytes:
    """A float waveform in [-1, 1] (any shape) as 16-bit little-endian PCM, clipped."""
    import numpy as np

    samples = np.clip(np.asarray(waveform, dtype=np.float32).reshape(-1) * 32767.0,
                      -32768.0, 32767.0)
    pcm: bytes = samples.astype("<i2").tobytes()
    return pcm


_models: dict[tuple[str, int, int, int], Model] = {}
_loading: dict[tuple[str, int, int, int], threading.Lock] = {}
_guard = threading.Lock()


def load_model(path: Path, *, threads: int = 0) -> Model:
    """The shared model of ``path`` for ``threads`` intra-op threads (0: onnxruntime's
    choice), loaded on first use. Raises ConfigurationError when it cannot be loaded."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise ConfigurationError(f"piper voice model {path} cannot be read: {exc}",
                                 provider="piper") from None
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, threads)
    model = _models.get(key)
    if model is not None:
        return model
    with _guard:
        lock = _loading.setdefault(key, threading.Lock())
    with lock:  # one load per key, however many threads ask at once
        model = _models.get(key)
        if model is None:
            model = _models[key] = Model(_session(path, threads), path)
    return model


def _session(path: Path, threads: int) -> onnxruntime.InferenceSession:
    try:
        import onnxruntime
    except ImportError:  # pragma: no cover - a dependency of this distribution
        raise ConfigurationError("piper needs onnxruntime: pip install voicekit-piper",
                                 provider="piper") from None
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: no warnings printed on the user's stderr
    try:
        return onnxruntime.InferenceSession(str(path), sess_options=options,
                                            providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime's own exception types (bad or truncated file)
        raise ConfigurationError(f"cannot load piper voice model {path}: "
                                 f"{type(exc).__name__}: {exc}", provider="piper") from None
