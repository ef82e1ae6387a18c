"""``voicekit say`` and ``voicekit cache ...`` (imported only when one of them runs).

``say`` writes the format the user asked for (``--format``, else the suffix of ``-o``):
the vendor is asked for it, and when it cannot make it (refused before any request) its
default is converted (``voicekit-core[convert]``), or the command refuses, before spending.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, TypeVar

from . import registry
from .capabilities import Capability, StreamSynthesize, Synthesize
from .cli_checks import (
    check_output,
    pick_provider,
    save_paid_audio,
    spend_options,
    wanted_format,
)
from .cli_commands import _connect, _default_voice, _err, _read_text, _stdout_sink
from .cli_output import print_json
from .convert import (
    check_deliverable,
    check_encodable,
    convert,
    refused_format,
)
from .errors import InvalidInput
from .models import Audio, AudioStream
from .options import accepts

__all__ = ["cmd_cache_clear", "cmd_cache_info", "cmd_say"]

T = TypeVar("T")


def _asking_format(call: Callable[..., T], target: str | None, sample_rate: int | None,
                   *args: Any, **kwargs: Any) -> T:
    """``call(format=target, ...)``; if the provider cannot make ``target`` (refused before
    any request) or takes no format, check it can be converted to, then ``call(...)``.
    Every refusal happens before anything is spent."""
    if target is None:
        return call(*args, **kwargs)
    check_deliverable(getattr(call, "__self__", None), call.__name__, target)
    if accepts(call, "format"):
        try:
            return call(*args, format=target, **kwargs)
        except InvalidInput as exc:
            if not refused_format(exc, target):
                raise
    check_encodable(target, sample_rate=sample_rate)
    _err(f"voicekit: the provider cannot make {target}; converting its audio")
    return call(*args, **kwargs)


def _finish(audio: Audio, target: str | None, sample_rate: int | None) -> Audio:
    if (target and audio.format != target) or sample_rate:
        return convert(audio, format=target, sample_rate=sample_rate)
    return audio


def cmd_say(args: argparse.Namespace) -> int:
    text = _read_text(args.text)
    check_output(args.output)
    target = wanted_format(args.output, args.format)
    sink = None if args.output else _stdout_sink()
    sample_rate = getattr(args, "sample_rate", None)
    if sample_rate is not None:
        check_encodable(target or "wav", sample_rate=sample_rate)
    capability: type[Capability] = StreamSynthesize if args.stream else Synthesize
    name = pick_provider(args.provider, capability, default="espeak")
    with _connect(name, args) as provider:
        speaker = _speaker(provider, args)  # before "speaking with ..."
        method = speaker.stream_synthesize if args.stream else speaker.synthesize
        options = spend_options(method, args)
        if getattr(args, "split", False) and not args.stream:
            options["split"] = True
        if args.voice is None:
            args.voice = _default_voice(provider)
        try:
            audio = _asking_format(method, target, sample_rate, text, voice=args.voice,
                                   **options)
            if isinstance(audio, AudioStream):
                audio = _delivered(audio, args, target, sample_rate, sink)
                if audio is None:
                    return 0
            audio = _finish(audio, target, sample_rate)
        except InvalidInput as exc:
            if args.voice is None and exc.field == "voice":
                raise InvalidInput(f"{provider.name} needs a voice: give -v VOICE (see "
                                   f"`voicekit voices {provider.name}`)", field="voice") from None
            raise
        if sink is not None:
            sink.write(audio.data)
            sink.flush()
            return 0
        saved = save_paid_audio(audio, args.output, target)
    _err(f"saved {saved}")
    return 0


def _speaker(provider: Any, args: argparse.Namespace) -> Any:
    """What speaks: the provider, a cache over it (``--cache``), or a stream adapter
    (``--stream`` with a provider that cannot stream, or ``--stream --split``)."""
    if not args.stream:
        speaker: Any = registry.require(provider, Synthesize)
        if getattr(args, "cache", False):
            from .adapters import cached

            speaker = cached(speaker)
        return speaker
    if getattr(args, "split", False) or not isinstance(provider, StreamSynthesize):
        from .adapters import stream as stream_adapter

        return stream_adapter(registry.require(provider, Synthesize))
    return provider


def _delivered(stream: AudioStream, args: argparse.Namespace, target: str | None,
               sample_rate: int | None, sink: Any) -> Audio | None:
    """Deliver a stream; returns the audio when it must be converted first, else None."""
    with stream:
        if (target is not None and stream.format != target) or sample_rate:
            return stream.read()
        if sink is None:
            saved = stream.save(args.output)
            _err(f"saved {saved}")
            return None
        for chunk in stream:
            sink.write(chunk)
            sink.flush()
    return None


# -- cache ------------------------------------------------------------------------------


def _cache(args: argparse.Namespace) -> Any:
    from .cache import SynthesisCache

    return SynthesisCache(args.dir)


def cmd_cache_info(args: argparse.Namespace) -> int:
    info = _cache(args).info()
    if args.json:
        print_json({"directory": str(info.directory), "entries": info.entries,
                    "bytes": info.bytes, "max_bytes": info.max_bytes})
    else:
        print(f"{info.directory}: {info.entries} entries, {info.bytes} bytes "
              f"(limit {info.max_bytes})")
    return 0


def cmd_cache_clear(args: argparse.Namespace) -> int:
    cache = _cache(args)
    removed = cache.clear()
    _err(f"removed {removed} cached synthesis file(s) from {cache.directory}")
    return 0
