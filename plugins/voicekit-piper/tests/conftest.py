"""Fixtures of the piper tests: tiny Piper-shaped voices built here, so CI downloads nothing.

A tiny voice is an ONNX model with the inputs and output of a real Piper voice (``input``
int64 [1, N], ``input_lengths`` int64 [1], ``scales`` float32 [3], optionally ``sid``
int64 [1]; ``output`` float32 [1, 1, 1, T]) and random weights, plus its ``.onnx.json``
with a phoneme_id_map. It turns each phoneme id into 32 samples (a random embedding through
tanh), stretched by length_scale, so its output depends on the ids like a real voice's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from voicekit_piper.provider import PiperProvider

import voicekit_core as vk
from voicekit_core.testing import media

#: the symbols of the tiny voices: pad, start, end, punctuation, letters and IPA
SYMBOLS = ("_^$ !'(),-.:;?" + "abcdefghijklmnopqrstuvwxyz"
           + "æçðøŋœɐɑɒɔɕəɚɛɜɝɡɪɫɬɯɲɹɾʁʃʊʌʒʔʲˈˌːθχᵻ" + "\u0303\u0329")
SAMPLES_PER_ID = 32
NUM_SYMBOLS = 256


def phoneme_id_map() -> dict[str, list[int]]:
    return {symbol: [i] for i, symbol in enumerate(SYMBOLS)}


def build_model(path: Path, *, speakers: int = 1, seed: int = 7,
                inputs: tuple[str, ...] = ("input", "input_lengths", "scales")) -> None:
    """Write a tiny Piper-shaped ONNX model to ``path`` (random weights, fixed seed)."""
    from onnx import TensorProto, helper, numpy_helper, save_model

    rng = np.random.default_rng(seed)
    weights = rng.uniform(-1.5, 1.5, (NUM_SYMBOLS, SAMPLES_PER_ID)).astype(np.float32)
    inits = [
        numpy_helper.from_array(weights, "embedding"),
        numpy_helper.from_array(np.array([1, 1, 1, -1], dtype=np.int64), "flat_shape"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "one_index"),
        numpy_helper.from_array(np.array([0.0, 0.0, 0.0, 1.0], dtype=np.float32), "mask"),
        numpy_helper.from_array(np.array([1.0, 1.0, 1.0, 0.0], dtype=np.float32), "unmask"),
        numpy_helper.from_array(np.array(0.8, dtype=np.float32), "gain"),
    ]
    nodes = [
        helper.make_node("Gather", ["embedding", "input"], ["embedded"], axis=0),
        helper.make_node("Tanh", ["embedded"], ["wave"]),
        helper.make_node("Mul", ["wave", "gain"], ["quiet"]),
        helper.make_node("Reshape", ["quiet", "flat_shape"], ["flat"]),
        # length: sizes = shape(flat) * [1, 1, 1, length_scale], floored
        helper.make_node("Shape", ["flat"], ["flat_dims"]),
        helper.make_node("Cast", ["flat_dims"], ["flat_dims_f"], to=TensorProto.FLOAT),
        helper.make_node("Gather", ["scales", "one_index"], ["length_scale"], axis=0),
        helper.make_node("Mul", ["mask", "length_scale"], ["stretch_part"]),
        helper.make_node("Add", ["stretch_part", "unmask"], ["stretch"]),
        helper.make_node("Mul", ["flat_dims_f", "stretch"], ["sizes_f"]),
        helper.make_node("Floor", ["sizes_f"], ["sizes_floor"]),
        helper.make_node("Cast", ["sizes_floor"], ["sizes"], to=TensorProto.INT64),
        helper.make_node("Resize", ["flat", "", "", "sizes"], ["stretched"], mode="nearest"),
    ]
    last = "stretched"
    # input_lengths is read (times zero) so the graph takes it like a real voice
    nodes += [
        helper.make_node("Cast", ["input_lengths"], ["lengths_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["lengths_f", "zero"], ["lengths_zero"]),
        helper.make_node("Add", [last, "lengths_zero"], ["with_lengths"]),
    ]
    inits.append(numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"))
    last = "with_lengths"
    if speakers > 1:  # each speaker has its own loudness
        gains = np.linspace(1.0, 0.25, speakers).astype(np.float32)
        inits.append(numpy_helper.from_array(gains, "speaker_gains"))
        nodes += [
            helper.make_node("Gather", ["speaker_gains", "sid"], ["speaker_gain"], axis=0),
            helper.make_node("Mul", [last, "speaker_gain"], ["spoken"]),
        ]
        last = "spoken"
    nodes.append(helper.make_node("Identity", [last], ["output"]))
    declared = {
        "input": helper.make_tensor_value_info("input", TensorProto.INT64,
                                               ["batch_size", "phonemes"]),
        "input_lengths": helper.make_tensor_value_info("input_lengths", TensorProto.INT64,
                                                       ["batch_size"]),
        "scales": helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
    }
    graph_inputs = [declared[name] for name in inputs]
    if "scales" not in inputs:  # a model that is not a Piper voice: scales is a constant
        inits.append(numpy_helper.from_array(np.array([0.667, 1.0, 0.8], np.float32), "scales"))
    if speakers > 1:
        graph_inputs.append(helper.make_tensor_value_info("sid", TensorProto.INT64, [1]))
    output = helper.make_tensor_value_info("output", TensorProto.FLOAT,
                                           ["batch_size", 1, 1, "samples"])
    graph = helper.make_graph(nodes, "tiny_piper", graph_inputs, [output], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="voicekit-piper-tests")
    model.ir_version = 8
    save_model(model, str(path))


def build_voice(folder: Path, name: str = "en_US-tiny-low", *, sample_rate: int = 16000,
                language: str = "en_US", espeak_voice: str = "en-us", speakers: int = 1,
                inference: dict[str, float] | None = None, **config: Any) -> Path:
    """A tiny voice ``name`` in ``folder``: ``name.onnx`` + ``name.onnx.json``; returns the
    model's path."""
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / f"{name}.onnx"
    build_model(model, speakers=speakers)
    family, _, region = language.partition("_")
    body: dict[str, Any] = {
        "audio": {"sample_rate": sample_rate, "quality": "low"},
        "espeak": {"voice": espeak_voice},
        "inference": inference or {"noise_scale": 0.667, "length_scale": 1, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_map": {},
        "phoneme_id_map": phoneme_id_map(),
        "num_symbols": NUM_SYMBOLS,
        "num_speakers": speakers,
        "speaker_id_map": {f"speaker{i}": i for i in range(speakers)} if speakers > 1 else {},
        "language": {"code": language, "family": family, "region": region},
        "dataset": name.split("-")[1] if "-" in name else name,
        **config,
    }
    model.with_name(model.name + ".json").write_text(json.dumps(body), encoding="utf-8")
    return model


@pytest.fixture(scope="session")
def voices_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of two tiny voices: en_US-tiny-low (16 kHz) and fr_FR-petit-low (22.05 kHz)."""
    folder = tmp_path_factory.mktemp("voices")
    build_voice(folder, "en_US-tiny-low")
    build_voice(folder, "fr_FR-petit-low", sample_rate=22050, language="fr_FR",
                espeak_voice="fr")
    return folder


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The user's own voice folder and environment never leak into a test."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("VOICEKIT_PIPER_VOICES", raising=False)


@pytest.fixture
def piper(voices_dir: Path) -> Iterator[PiperProvider]:
    """A provider seeing only the tiny voices (installed voice packages are left out)."""
    provider = vk.connect("piper", voices_dir=voices_dir, voice_packages=False)
    assert isinstance(provider, PiperProvider)
    yield provider
    provider.close()


@pytest.fixture
def rms() -> Callable[[bytes], float]:
    return media.rms


@pytest.fixture
def read_wav() -> Callable[[bytes], tuple[int, int, int, bytes]]:
    return media.read_wav
