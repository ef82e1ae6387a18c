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
from .capabilities import StreamSynthesize, Synthesize
from .cli_commands import _connect, _default_voice, _err, _read_text, _stdout_sink
from .cli_output import print_json
from .convert import (
    check_deliverable,
    check_encodable,
    convert,
    format_of_path,
    refused_format,
)
from .errors import InvalidInput
from .models import Audio, AudioStream

__all__ = ["cmd_cache_clear", "cmd_cache_info", "cmd_say"]

T = TypeVar("T")


def _asking_format(call: Callable[..., T], target: str | None, sample_rate: int | None,
                   *args: Any, **kwargs: Any) -> T:
    """``call(format=target, **kwargs)``; if the provider cannot make ``target`` (refused
    before any request), check it can be converted to, then ``call(**kwargs)``."""
    if target is None:
        return call(*args, **kwargs)
    # may need converting: refuse now rather than after spending
    check_deliverable(getattr(call, "__self__", None), call.__name__, target)
    try:
        return call(*args, format=target, **kwargs)
    except InvalidInput as exc:
        if not refused_format(exc, target):
            raise
    check_encodable(target, sample_rate=sample_rate)
    _err(f"voicekit: the provider cannot make {target}; converting its audio")
    return call(*args, **kwargs)


def _target_format(args: argparse.Namespace) -> str | None:
    suffix = format_of_path(args.output) if args.output else None
    wanted = args.format.lower() if args.format else None
    if wanted and suffix and wanted != suffix:
        raise InvalidInput(f"--format {wanted} but -o {args.output} names {suffix}: give "
                           "one, or make them agree", field="format", limit=suffix)
    return wanted or suffix


def _finish(audio: Audio, target: str | None, sample_rate: int | None) -> Audio:
    if (target and audio.format != target) or sample_rate:
        return convert(audio, format=target, sample_rate=sample_rate)
    return audio


def cmd_say(args: argparse.Namespace) -> int:
    text = _read_text(args.text)
    sink = None if args.output else _stdout_sink()
    target = _target_format(args)
    sample_rate = getattr(args, "sample_rate", None)
    if sample_rate is not None:
        check_encodable(target or "wav", sample_rate=sample_rate)
    options: dict[str, Any] = {}
    if getattr(args, "max_credits", None) is not None:
        options["max_credits"] = args.max_credits
    with _connect(args.provider) as provider:
        if args.voice is None:
            args.voice = _default_voice(provider)
        try:
            if args.stream:
                audio = _stream(provider, args, text, target, sample_rate, sink, options)
                if audio is None:
                    return 0
            else:
                audio = _whole(provider, args, text, target, sample_rate, options)
        except InvalidInput as exc:
            if args.voice is None and exc.field == "voice":
                raise InvalidInput(f"{provider.name} needs a voice: give -v VOICE (see "
                                   f"`voicekit voices {provider.name}`)", field="voice") from None
            raise
        if sink is not None:
            sink.write(audio.data)
            sink.flush()
            return 0
        saved = audio.save(args.output)
    _err(f"saved {saved}")
    return 0


def _whole(provider: Any, args: argparse.Namespace, text: str, target: str | None,
           sample_rate: int | None, options: dict[str, Any]) -> Audio:
    synth: Any = registry.require(provider, Synthesize)
    if getattr(args, "cache", False):
        from .adapters import cached

        synth = cached(synth)
    if getattr(args, "split", False):
        options["split"] = True
    audio: Audio = _asking_format(synth.synthesize, target, sample_rate, text,
                                  voice=args.voice, **options)
    return _finish(audio, target, sample_rate)


def _stream(provider: Any, args: argparse.Namespace, text: str, target: str | None,
            sample_rate: int | None, sink: Any, options: dict[str, Any]) -> Audio | None:
    """Stream; returns the audio when it must be converted or saved, None when piped."""
    streamer: Any = provider
    if getattr(args, "split", False) or not isinstance(provider, StreamSynthesize):
        from .adapters import stream as stream_adapter

        registry.require(provider, Synthesize)
        streamer = stream_adapter(provider)
    stream: AudioStream = _asking_format(streamer.stream_synthesize, target, sample_rate,
                                         text, voice=args.voice, **options)
    with stream:
        converting = (target is not None and stream.format != target) or sample_rate
        if converting:
            return _finish(stream.read(), target, sample_rate)
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
