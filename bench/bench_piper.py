"""piper benchmark: real-time factor and time to first audio, against raw onnxruntime
inference of the same voice model.

Run: ``python bench/bench_piper.py`` (needs ``pip install './plugins/voicekit-piper[voice-en]'``
or any Piper voice in the voice folder; without a voice it is reported as skipped).

The floor is the model alone: one ``InferenceSession.run`` per sentence on phoneme ids
computed beforehand, then nothing else. voicekit adds sentence splitting, espeak-ng
phonemes, the id mapping, float -> 16-bit PCM and the WAV container. Both sides use one
onnxruntime thread (``threads=1``) and run interleaved (median of several runs), with
``noise_w=0`` so that every run makes audio of the same length (the voice's random
phoneme durations would otherwise change the work from run to run by several percent).

Figures:
    voice, audio_seconds: the voice used and the length of the paragraph's audio.
    load_seconds: loading the model (first use in the process).
    rtf_voicekit / rtf_raw: seconds of audio per wall second for the paragraph (higher is
        faster; 1.0 is real time), medians; rtf_ratio = rtf_voicekit / rtf_raw (goal
        >= 0.95); cpu_ratio: the same from the CPU time of the calling thread, which other
        load on the machine barely moves (wall-time ratios do move with it).
    first_audio_ms_voicekit: ``stream_synthesize()`` to its first PCM chunk (the first
        sentence) vs first_audio_ms_raw: inference of the first sentence alone;
        first_audio_ratio = raw / voicekit (goal >= 0.95); cpu_first_audio_ratio likewise
        in CPU time.
    synthesize_ms_voicekit / first_audio_share: the whole ``synthesize()`` of the paragraph
        and the part of it a stream makes you wait before audio starts.
    rtf_all_cores: the paragraph with ``threads=0`` (onnxruntime's choice of threads).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import timed

PARAGRAPH = (
    "Piper voices run on the processor of this machine, with no account and no network. "
    "Each sentence becomes phonemes, then one pass of the neural model. "
    "A stream hands over the first sentence while the next ones are still being made."
)
RUNS = 9
#: the first sentence alone is short: more runs for the same confidence
FIRST_RUNS = 21


def measured(call: Callable[[], object]) -> Callable[[], tuple[float, float]]:
    """``call`` made to return (wall seconds, CPU seconds of this thread). With one
    onnxruntime thread, inference runs on the calling thread, so the CPU time barely moves
    with other load on the machine, unlike the wall time."""

    def run() -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.thread_time()
        call()
        return time.perf_counter() - wall, time.thread_time() - cpu

    return run


def compare(ours: Callable[[], tuple[float, float]], raw: Callable[[], tuple[float, float]],
            runs: int = RUNS) -> dict[str, float]:
    """Run both ``runs`` times, interleaved in alternating order after one warm-up each."""
    ours(), raw()
    a: list[tuple[float, float]] = []
    b: list[tuple[float, float]] = []
    for i in range(runs):
        if i % 2:
            a.append(ours())
            b.append(raw())
        else:
            b.append(raw())
            a.append(ours())
    return {
        "ours": statistics.median(w for w, _ in a),
        "raw": statistics.median(w for w, _ in b),
        "ratio": statistics.median(w for w, _ in b) / statistics.median(w for w, _ in a),
        "cpu_ratio": statistics.median(c for _, c in b) / statistics.median(c for _, c in a),
    }


def _raw_session(model: Path) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(model), sess_options=options,
                                        providers=["CPUExecutionProvider"])


def run() -> dict[str, object]:
    from voicekit_piper.engine import Scales
    from voicekit_piper.phonemes import get_phonemizer, phoneme_ids, sentences

    import voicekit_core as vk

    provider: Any = vk.connect("piper", threads=1)
    voice = next(iter(provider.list_voices()), None)
    if voice is None:
        raise ModuleNotFoundError("no Piper voice installed", name="a Piper voice "
                                  "(pip install './plugins/voicekit-piper[voice-en]')")
    entry = provider.resolve_voice(voice)
    start = time.perf_counter()
    model = provider.model(entry)
    load = time.perf_counter() - start

    # the floor: the same model, ids computed beforehand, one run per sentence
    options = {"noise_w": 0.0}
    scales = Scales(**{**entry.inference, **options})
    phonemizer = get_phonemizer()
    feeds = [model.feeds(phoneme_ids(phonemizer.phonemize(s, voice=entry.espeak_voice),
                                     entry.phoneme_id_map), scales, None)
             for s in sentences(PARAGRAPH)]
    raw = _raw_session(entry.model)

    def raw_all() -> None:
        for feed in feeds:
            raw.run(None, feed)

    def raw_first() -> None:
        raw.run(None, feeds[0])

    def voicekit_all(target: Any = provider) -> Any:
        return target.synthesize(PARAGRAPH, voice=voice, **options)

    def voicekit_first() -> None:
        with provider.stream_synthesize(PARAGRAPH, voice=voice, format="pcm",
                                        **options) as stream:
            next(stream)

    audio = voicekit_all()
    whole = compare(measured(voicekit_all), measured(raw_all))
    first = compare(measured(voicekit_first), measured(raw_first), FIRST_RUNS)
    every_core: Any = vk.connect("piper", threads=0)
    voicekit_all(every_core)  # loads its session
    all_cores = min(timed(lambda: voicekit_all(every_core))() for _ in range(3))
    seconds = audio.duration
    return {
        "voice": voice.id,
        "audio_seconds": round(seconds, 2),
        "load_seconds": round(load, 2),
        "rtf_voicekit": round(seconds / whole["ours"], 2),
        "rtf_raw": round(seconds / whole["raw"], 2),
        "rtf_ratio": round(whole["ratio"], 3),
        "cpu_ratio": round(whole["cpu_ratio"], 3),
        "first_audio_ms_voicekit": round(first["ours"] * 1000, 1),
        "first_audio_ms_raw": round(first["raw"] * 1000, 1),
        "first_audio_ratio": round(first["ratio"], 3),
        "cpu_first_audio_ratio": round(first["cpu_ratio"], 3),
        "synthesize_ms_voicekit": round(whole["ours"] * 1000, 1),
        "first_audio_share": round(first["ours"] / whole["ours"], 3),
        "rtf_all_cores": round(seconds / all_cores, 2),
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
    sys.exit(0)
