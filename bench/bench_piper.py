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
        faster; 1.0 is real time); rtf_ratio = rtf_voicekit / rtf_raw (goal >= 0.95).
    first_audio_ms_voicekit: ``stream_synthesize()`` to its first PCM chunk (the first
        sentence) vs first_audio_ms_raw: inference of the first sentence alone;
        first_audio_ratio = raw / voicekit (goal >= 0.95).
    synthesize_ms_voicekit / first_audio_share: the whole ``synthesize()`` of the paragraph
        and the part of it a stream makes you wait before audio starts.
    rtf_all_cores: the paragraph with ``threads=0`` (onnxruntime's choice of threads).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import median_pair, timed

PARAGRAPH = (
    "Piper voices run on the processor of this machine, with no account and no network. "
    "Each sentence becomes phonemes, then one pass of the neural model. "
    "A stream hands over the first sentence while the next ones are still being made."
)
RUNS = 9


def cpu_timed(call: Any) -> Any:
    """``call`` made to return the CPU seconds it used on this thread (with one onnxruntime
    thread, inference runs on the calling thread): other load on the machine barely
    moves it, unlike wall time."""

    def run() -> float:
        start = time.thread_time()
        call()
        return time.thread_time() - start

    return run


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
    ours, floor = median_pair(timed(voicekit_all), timed(raw_all), RUNS, warmup=1)
    first_ours, first_floor = median_pair(timed(voicekit_first), timed(raw_first), RUNS,
                                          warmup=1)
    cpu_ours, cpu_floor = median_pair(cpu_timed(voicekit_all), cpu_timed(raw_all), RUNS,
                                      warmup=0)
    cpu_first_ours, cpu_first_floor = median_pair(cpu_timed(voicekit_first),
                                                  cpu_timed(raw_first), RUNS, warmup=0)
    every_core: Any = vk.connect("piper", threads=0)
    voicekit_all(every_core)  # loads its session
    all_cores = min(timed(lambda: voicekit_all(every_core))() for _ in range(3))
    seconds = audio.duration
    return {
        "voice": voice.id,
        "audio_seconds": round(seconds, 2),
        "load_seconds": round(load, 2),
        "rtf_voicekit": round(seconds / ours, 2),
        "rtf_raw": round(seconds / floor, 2),
        "rtf_ratio": round(floor / ours, 3),
        "cpu_ratio": round(cpu_floor / cpu_ours, 3),
        "first_audio_ms_voicekit": round(first_ours * 1000, 1),
        "first_audio_ms_raw": round(first_floor * 1000, 1),
        "first_audio_ratio": round(first_floor / first_ours, 3),
        "cpu_first_audio_ratio": round(cpu_first_floor / cpu_first_ours, 3),
        "synthesize_ms_voicekit": round(ours * 1000, 1),
        "first_audio_share": round(first_ours / ours, 3),
        "rtf_all_cores": round(seconds / all_cores, 2),
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
    sys.exit(0)
