"""Implementations of the core ``voicekit`` commands (imported only when one runs).

Each ``cmd_<name>(args)`` returns an exit code. Errors are raised as VoicekitError and turned
into one line on stderr by :func:`voicekit_core.cli.main`.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from . import cli_setup, registry
from .capabilities import (
    Balance,
    Capability,
    CloneVoice,
    ConvertVoice,
    CreateTwin,
    Dub,
    ListVoices,
)
from .cli_checks import (
    check_output,
    format_options,
    pick_provider,
    save_paid_audio,
    spend_options,
    wanted_format,
)
from .cli_output import Progress, amount, describe, print_json, print_table
from .errors import InvalidInput, VoicekitError
from .jobs import Job, JobRef
from .models import Audio, Twin, Voice
from .options import accepts
from .provider import Provider

# -- helpers -------------------------------------------------------------------------------


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _pick_provider(name: str | None, capability: type[Capability]) -> str:
    """``name``, or the only installed provider that has ``capability`` (one rule for all)."""
    return pick_provider(name, capability)


def _connect(name: str, args: argparse.Namespace | None = None) -> Provider:
    base_url = getattr(args, "base_url", None)
    return registry.connect(name, **({"base_url": base_url} if base_url else {}))


def _job_label(job: Job[Any]) -> str:
    return f"{job.kind} {job.id}"


def _wait(job: Job[Any], timeout: float | None, output: str | None = None) -> Any:
    """Wait for ``job`` showing its progress; Ctrl-C stops waiting, not the job, and says
    how to resume (keeping ``-o output``)."""
    with Progress(_job_label(job)) as progress:
        try:
            progress.job(job)  # the state it starts from
            if not job.done:
                progress.waiting(job.provider.poll_policy(job.kind).initial,
                                 job.vendor_status or job.state.value)
            return job.wait(timeout=timeout, on_update=progress.job)
        except KeyboardInterrupt:
            progress.close()
            _err(f"stopped waiting; the job goes on at {job.provider.name}: resume with "
                 f"{job.to_ref().command(output)}")
            raise


def _print_job_ref(job: Job[Any], as_json: bool) -> None:
    ref = str(job.to_ref())
    if as_json:
        print_json({"job": ref, "state": job.state.value, "vendor_status": job.vendor_status})
    else:
        print(ref)


def _emit_result(result: Any, args: argparse.Namespace, provider: Provider | None) -> int:
    """Print (and with -o save) a job's or command's result."""
    output = getattr(args, "output", None)
    saved: Path | None = None
    if output is not None:
        if isinstance(result, Audio):
            saved = save_paid_audio(result, output, wanted_format(output, None))
        elif hasattr(result, "download") and hasattr(result, "url"):
            with Progress(f"download {Path(output).name}") as progress:
                saved = result.download(output, on_progress=progress.bytes)
        else:
            raise InvalidInput(f"-o: a {type(result).__name__} result is not a file to save",
                               field="output")
    if getattr(args, "json", False):
        view = describe(result)
        if saved is not None and isinstance(view, dict):
            view["saved"] = str(saved)
        print_json(view)
    elif isinstance(result, (Voice, Twin)):
        print(result.id)
        _err(f"{type(result).__name__.lower()} {result.id}: {result.name}")
    elif saved is not None:
        _err(f"saved {saved}")
    elif isinstance(result, Audio):
        raise InvalidInput("the result is audio: give -o FILE to save it", field="output")
    elif hasattr(result, "url"):
        print(result.url)
    else:
        print(result)
    return 0


# -- providers / voices --------------------------------------------------------------------


def cmd_providers(args: argparse.Namespace) -> int:
    """``voicekit providers`` (lives in the light :mod:`cli_providers`; ``cli`` calls it
    there directly)."""
    from .cli_providers import cmd_providers as run

    return run(args)


def cmd_voices(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 0:
        raise InvalidInput("--limit must be >= 0", field="limit", limit=">= 0")
    with _connect(args.provider, args) as provider:
        lister = registry.require(provider, ListVoices)
        voices: Iterator[Voice] = lister.list_voices(language=args.language, kind=args.kind)
        if args.limit is not None:
            voices = itertools.islice(voices, args.limit)
        if args.json:
            print_json([describe(v) for v in voices])
            return 0
        rows = [(v.id, v.name, v.kind, ",".join(v.languages)) for v in voices]
    if rows:
        print_table(rows, ("ID", "NAME", "KIND", "LANGUAGES"))
    else:
        _err("no voice matches")
    return 0


# -- say -----------------------------------------------------------------------------------


def _read_text(text: str) -> str:
    if text != "-":
        return text
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"standard input is not valid UTF-8 text ({exc.reason} at byte "
                           f"{exc.start})", field="text", limit="UTF-8") from None


def _stdout_sink() -> Any:
    if sys.stdout.isatty():
        raise InvalidInput("refusing to write audio to a terminal: give -o FILE, or pipe the "
                           "output (voicekit say ... | aplay)", field="output")
    return sys.stdout.buffer


def _default_voice(provider: Provider) -> str | Voice | None:
    """With no ``-v``: a remote provider speaks with its first listed voice (said on
    stderr); a local one (espeak) keeps its own default."""
    if provider.remote and isinstance(provider, ListVoices):
        voice = next(iter(provider.list_voices()), None)
        if voice is not None:
            print(f"voicekit: speaking with {provider.name} voice {voice.id} ({voice.name}); "
                  "choose one with -v", file=sys.stderr)
            return voice
    return None


def cmd_say(args: argparse.Namespace) -> int:
    """``voicekit say``: see :mod:`voicekit_core.cli_speech`."""
    from .cli_speech import cmd_say

    return cmd_say(args)


# -- capabilities --------------------------------------------------------------------------


def cmd_convert(args: argparse.Namespace) -> int:
    check_output(args.output)
    fmt = wanted_format(args.output, None)
    name = _pick_provider(args.provider, ConvertVoice)
    with _connect(name, args) as provider:
        converter = registry.require(provider, ConvertVoice)
        method = converter.convert_voice
        audio = method(args.audio, voice=args.voice, **format_options(method, fmt),
                       **spend_options(method, args))
        saved = save_paid_audio(audio, args.output, fmt)
    _err(f"saved {saved}")
    return 0


def _upload_options(method: Callable[..., Any], progress: Progress) -> dict[str, Any]:
    """Upload progress for a method that takes it (read from its ``operation`` declaration)."""
    return {"on_upload_progress": progress.bytes} if accepts(method, "on_upload_progress") \
        else {}


def cmd_clone(args: argparse.Namespace) -> int:
    name = _pick_provider(args.provider, CloneVoice)
    with _connect(name, args) as provider:
        cloner = registry.require(provider, CloneVoice)
        samples: Any = args.samples[0] if len(args.samples) == 1 else list(args.samples)
        spend = spend_options(cloner.clone_voice, args)
        with Progress("upload") as progress:
            job = cloner.clone_voice(samples, name=args.name, description=args.description,
                                     **spend, **_upload_options(cloner.clone_voice, progress))
        return _finish_job(job, args, provider)


def _finish_job(job: Job[Any], args: argparse.Namespace, provider: Provider) -> int:
    """``--no-wait``: print the job's reference; otherwise wait and print the result."""
    if args.no_wait:
        _print_job_ref(job, args.json)
        return 0
    output = getattr(args, "output", None)
    result = _wait(job, args.timeout, output)
    try:
        return _emit_result(result, args, provider)
    except VoicekitError:
        if output is not None:  # the job is done and paid for: say how to fetch it again
            _err(f"voicekit: the result is kept at {provider.name}; fetch it with "
                 f"{job.to_ref().command(output)}")
        raise


def cmd_dub(args: argparse.Namespace) -> int:
    check_output(args.output)
    name = _pick_provider(args.provider, Dub)
    with _connect(name, args) as provider:
        dubber = registry.require(provider, Dub)
        options: dict[str, Any] = spend_options(dubber.dub, args)
        if args.pitch_shift is not None:
            options["pitch_shift"] = args.pitch_shift
        with Progress("upload") as progress:
            job = dubber.dub(args.source, voice=args.voice, **options,
                             **_upload_options(dubber.dub, progress))
        return _finish_job(job, args, provider)


def cmd_twin_create(args: argparse.Namespace) -> int:
    name = _pick_provider(args.provider, CreateTwin)
    with _connect(name, args) as provider:
        maker = registry.require(provider, CreateTwin)
        job = maker.create_twin(name=args.name, video_url=args.video_url,
                                calibration_image_urls=args.image_urls, language=args.language,
                                **spend_options(maker.create_twin, args))
        return _finish_job(job, args, provider)


def cmd_balance(args: argparse.Namespace) -> int:
    name = _pick_provider(args.provider, Balance)
    with _connect(name, args) as provider:
        info = registry.require(provider, Balance).balance()
    if args.json:
        print_json(describe(info))
        return 0
    print(f"{amount(info.credits)} {info.unit}")
    for key, value in info.breakdown.items():
        print(f"  {key}: {amount(value)}")
    if info.resets_at is not None:
        print(f"  resets at {info.resets_at.isoformat()}")
    return 0


def cmd_jobs_wait(args: argparse.Namespace) -> int:
    check_output(args.output)
    ref = JobRef.parse(args.ref)
    with _connect(ref.provider, args) as provider:
        job = provider.job(ref)
        result = job.result() if job.done else _wait(job, args.timeout, args.output)
        return _emit_result(result, args, provider)


# -- keys, emulate, docs: in cli_setup; ``cli.main`` looks every ``cmd_*`` up here ----------

cmd_keys_set = cli_setup.cmd_keys_set
cmd_keys_list = cli_setup.cmd_keys_list
cmd_keys_path = cli_setup.cmd_keys_path
cmd_emulate = cli_setup.cmd_emulate
cmd_docs_matrix = cli_setup.cmd_docs_matrix
