"""Fuzzing a plugin through its conformance suite's inputs.

A plugin's :class:`~voicekit_core.testing.conformance.ProviderConformance` subclass already
knows how to call each of its capabilities (``synthesize_args``, ``clone_args``...).
:func:`plugin_operations` turns that into fuzz operations: every capability once with
good arguments, and once per argument with a hostile value in its place.
:func:`fuzz_plugin` then records the emulator's real answers to those calls and runs
:func:`~voicekit_core.testing.fuzz.run_fuzz` with them as samples. ``bench/fuzz_all.py``
runs it for every plugin; ``ProviderConformance.test_fuzz_response_parsing`` runs a few
examples in each plugin's tests.
"""

from __future__ import annotations

import inspect
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from voicekit_core import capabilities as caps
from voicekit_core.provider import Provider
from voicekit_core.registry import connect
from voicekit_core.testing.fuzz import (
    FuzzReport,
    Operation,
    Runner,
    fuzz_connect,
    record_samples,
    run_fuzz,
)

__all__ = ["CALLS", "fuzz_plugin", "plugin_operations"]

#: capability -> (method, the suite's hook giving its keyword arguments); the conformance
#: suite's safety checks walk the same table
CALLS: tuple[tuple[type[caps.Capability], str, str], ...] = (
    (caps.Synthesize, "synthesize", "synthesize_args"),
    (caps.StreamSynthesize, "stream_synthesize", "stream_args"),
    (caps.ConvertVoice, "convert_voice", "convert_args"),
    (caps.CloneVoice, "clone_voice", "clone_args"),
    (caps.Dub, "dub", "dub_args"),
    (caps.CreateTwin, "create_twin", "twin_args"),
    (caps.GenerateVideo, "generate_video", "video_args"),
)


def _hook_args(suite: Any, hook: str, provider: Provider, tmp_path: Path
               ) -> dict[str, Any] | None:
    method = getattr(suite, hook)
    try:
        wants_path = "tmp_path" in inspect.signature(method).parameters
        args = method(provider, tmp_path) if wants_path else method(provider)
    except NotImplementedError:
        return None
    return dict(args)


def _call(method: str, args: dict[str, Any]) -> Operation:
    return lambda provider: getattr(provider, method)(**args)


def _hostile(method: str, args: dict[str, Any], key: str) -> Operation:
    return lambda provider, value: getattr(provider, method)(**{**args, key: value})


def _duplex(args: dict[str, Any]) -> Operation:
    def run(provider: Any) -> Any:
        with provider.open_stream(**{k: v for k, v in args.items() if k != "text"}) as duplex:
            duplex.send("Hello there.")
            duplex.finish()
            return duplex.read()

    return run


def plugin_operations(suite: Any, provider: Provider, tmp_path: Path
                      ) -> dict[str, Operation]:
    """Fuzz operations for ``provider`` from the conformance ``suite``'s argument hooks
    (called with ``provider`` connected to the real emulator, so voices exist)."""
    ops: dict[str, Operation] = {"probe": suite.probe}
    if isinstance(provider, caps.ListVoices):
        ops["list_voices"] = lambda p: p.list_voices()
    if isinstance(provider, caps.Balance):
        ops["balance"] = lambda p: p.balance()
    for capability, method, hook in CALLS:
        if not isinstance(provider, capability):
            continue
        args = _hook_args(suite, hook, provider, tmp_path)
        if args is None:
            continue
        ops[method] = _call(method, args)
        keys = list(args)
        if "max_credits" in inspect.signature(getattr(provider, method)).parameters:
            keys.append("max_credits")
        for key in keys:
            ops[f"{method}({key}=?)"] = _hostile(method, args, key)
        if method == "stream_synthesize":
            ops["open_stream"] = _duplex(args)
    ops["job(?)"] = lambda p, value: p.job(value)
    ops["job(ref)"] = lambda p: p.job(f"{p.name}:{_first_kind(p)}:job-1").wait(timeout=600)
    return ops


def _first_kind(provider: Provider) -> str:
    kinds = [getattr(kind, "name", "") for kind in getattr(provider, "jobs", ())]
    kinds += [name[len("_refresh_"):] for name in dir(provider) if name.startswith("_refresh_")]
    return next((k for k in kinds if k), "job")


def fuzz_plugin(suite_class: type[Any], *, examples: int = 100, seed: int = 0,
                stop_on_first: bool = False, time_limit: float = 10.0,
                operations: Callable[[dict[str, Operation]], dict[str, Operation]]
                | None = None, minimise: bool = False) -> FuzzReport:
    """Fuzz the plugin behind ``suite_class`` (a ProviderConformance subclass with an
    ``emulator_class``): record real answers, then ``examples`` hostile ones.
    ``operations`` may filter or extend the generated operations; ``minimise`` replays
    each finding with simpler answers (:func:`~voicekit_core.testing.fuzz_minimise.
    minimise`) before it is reported."""
    emulator_class = suite_class.emulator_class
    if emulator_class is None:
        raise ValueError(f"{suite_class.__name__} has no emulator_class: nothing to fuzz")
    suite = suite_class()
    name = emulator_class.provider
    with tempfile.TemporaryDirectory() as tmp, emulator_class() as emulator:
        real = connect(name, **emulator.connect_options())
        try:
            ops = plugin_operations(suite, real, Path(tmp))
        finally:
            real.close()
        if operations is not None:
            ops = operations(ops)
        samples, _ = record_samples(
            emulator_class, lambda emu: connect(name, **emu.connect_options()), ops)
        make = fuzz_connect(name, **emulator.credentials)
        report = run_fuzz(make, ops, examples=examples, seed=seed, samples=samples,
                          time_limit=time_limit, stop_on_first=stop_on_first)
        if minimise and report.found:
            from voicekit_core.testing.fuzz_minimise import minimise as shrink

            with Runner(make, ops, time_limit=time_limit) as runner:
                report.found = {key: shrink(runner, escape)
                                for key, escape in report.found.items()}
        return report
