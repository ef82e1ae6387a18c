"""Implementations of the core ``voicekit`` commands (imported only when one runs).

Each ``cmd_<name>(args)`` returns an exit code. Errors are raised as VoicekitError and turned
into one line on stderr by :func:`voicekit_core.cli.main`.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from . import registry
from .capabilities import (
    Balance,
    Capability,
    CloneVoice,
    ConvertVoice,
    CreateTwin,
    Dub,
    ListVoices,
)
from .cli_output import Progress, describe, print_json, print_table
from .credentials import key_file_path, load_keys, store_key
from .errors import ConfigurationError, InvalidInput
from .jobs import Job, JobRef
from .models import Audio, Twin, Voice
from .options import accepts
from .provider import Provider
from .registry import ProviderInfo

# -- helpers -------------------------------------------------------------------------------


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _pick_provider(name: str | None, capability: type[Capability]) -> str:
    """``name``, or the only installed provider that has ``capability``."""
    if name:
        return name
    having = [i.name for i in registry.providers(capability)]
    if len(having) == 1:
        return having[0]
    if not having:
        raise ConfigurationError(f"no installed provider supports {capability.__name__}; "
                                 "see `voicekit providers`")
    raise ConfigurationError(f"several providers support {capability.__name__} "
                             f"({', '.join(having)}): choose one with -p")


def _connect(name: str) -> Provider:
    return registry.connect(name)


def _credential_state(info: ProviderInfo, stored: dict[str, dict[str, str]]
                      ) -> dict[str, bool]:
    """For each credential env var: configured (env or key file)? Never reads values out."""
    mine = stored.get(info.name, {})
    return {env: bool(os.environ.get(env)) or bool(mine.get(env)) for env in info.credentials}


def _safe_keys() -> dict[str, dict[str, str]]:
    try:
        return load_keys()
    except ConfigurationError as exc:
        _err(f"voicekit: warning: {exc}")
        return {}


def _job_label(job: Job[Any]) -> str:
    return f"{job.kind} {job.id}"


def _wait(job: Job[Any], timeout: float | None) -> Any:
    """Wait for ``job`` showing its progress; Ctrl-C stops waiting, not the job."""
    with Progress(_job_label(job)) as progress:
        try:
            progress.job(job)  # the state it starts from
            return job.wait(timeout=timeout, on_update=progress.job)
        except KeyboardInterrupt:
            progress.close()
            _err(f"stopped waiting; the job goes on at {job.provider.name}: resume with "
                 f"`voicekit jobs wait {job.to_ref()}`")
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
            saved = result.save(output)
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
    if args.errors:
        errors = registry.plugin_errors()
        if args.json:
            print_json([{"plugin": e.plugin, "distribution": e.distribution, "error": e.error}
                        for e in errors])
        elif not errors:
            print("no plugin failed to load")
        else:
            print_table([(e.plugin, e.distribution or "-", e.error) for e in errors],
                        ("PLUGIN", "DISTRIBUTION", "ERROR"))
        return 0
    infos = registry.providers()
    stored = _safe_keys()
    if args.json:
        rows = []
        for info in infos:
            state = _credential_state(info, stored)
            rows.append({
                "name": info.name, "distribution": info.distribution, "version": info.version,
                "capabilities": list(info.capabilities), "credentials": state,
                "configured": all(state.values()), "summary": info.summary,
            })
        print_json(rows)
    else:
        table = []
        for info in infos:
            state = _credential_state(info, stored)
            if not state:
                creds = "not needed"
            elif all(state.values()):
                creds = "configured"
            else:
                creds = "missing " + ",".join(k for k, v in state.items() if not v)
            table.append((info.name, info.distribution or "-", info.version or "-",
                          ",".join(info.capabilities), creds))
        if table:
            print_table(table, ("NAME", "DISTRIBUTION", "VERSION", "CAPABILITIES",
                                "CREDENTIALS"))
        else:
            print("no provider installed: pip install voicekit-espeak (offline default)")
    failed = registry.plugin_errors()
    if failed:
        _err(f"voicekit: {len(failed)} plugin(s) failed to load; see "
             "`voicekit providers --errors`")
    return 0


def cmd_voices(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 0:
        raise InvalidInput("--limit must be >= 0", field="limit", limit=">= 0")
    with _connect(args.provider) as provider:
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


#: file name suffixes that name an audio format (``-o hi.mp3`` asks for mp3)
_SUFFIX_FORMATS = frozenset({"wav", "mp3", "ogg", "opus", "flac", "pcm", "m4a", "aac", "webm"})


def _format_of(output: str | None) -> str | None:
    suffix = Path(output).suffix.lower().lstrip(".") if output else ""
    return suffix if suffix in _SUFFIX_FORMATS else None


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


# -- keys ------------------------------------------------------------------------------------


def _read_secret(prompt: str) -> str:
    if sys.stdin.isatty():
        import getpass

        value = getpass.getpass(prompt)
    else:
        value = sys.stdin.readline()
    value = value.strip()
    if not value:
        raise InvalidInput("no value given (nothing stored)", field="value", limit="non-empty")
    return value


def cmd_keys_set(args: argparse.Namespace) -> int:
    name = args.name
    info: ProviderInfo | None
    try:
        info = registry.get_registry().info(name)
    except ConfigurationError:
        info = None
    if args.env_var:
        env_vars = [args.env_var]
        if info is not None and info.credentials and args.env_var not in info.credentials:
            raise InvalidInput(f"{name} takes {', '.join(info.credentials)}, not "
                               f"{args.env_var}", field="env_var")
    elif info is None:
        raise ConfigurationError(f"provider {name!r} is not installed: name the variable too "
                                 f"(`voicekit keys set {name} {name.upper()}_API_KEY`)")
    elif not info.credentials:
        raise InvalidInput(f"{name} needs no credentials", field="name")
    else:
        env_vars = list(info.credentials)
    path = key_file_path()
    for env_var in env_vars:
        value = _read_secret(f"{env_var} for {name} (input hidden): ")
        path = store_key(name, env_var, value)
        _err(f"stored {env_var} for {name} in {path}")
        if os.environ.get(env_var):
            _err(f"note: the environment variable {env_var} is set and takes precedence")
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    keys = load_keys()
    rows = [(provider, env_var) for provider, names in sorted(keys.items())
            for env_var in sorted(names)]
    if args.json:
        print_json([{"provider": p, "name": e, "value": "********"} for p, e in rows])
    elif rows:
        print_table([(p, e, "********") for p, e in rows], ("PROVIDER", "NAME", "VALUE"))
    else:
        _err(f"no key stored in {key_file_path()}")
    return 0


def cmd_keys_path(args: argparse.Namespace) -> int:
    print(key_file_path())
    return 0


# -- capabilities --------------------------------------------------------------------------


def cmd_convert(args: argparse.Namespace) -> int:
    name = _pick_provider(args.provider, ConvertVoice)
    with _connect(name) as provider:
        converter = registry.require(provider, ConvertVoice)
        audio = converter.convert_voice(args.audio, voice=args.voice)
        saved = audio.save(args.output)
    _err(f"saved {saved}")
    return 0


def _upload_options(method: Callable[..., Any], progress: Progress) -> dict[str, Any]:
    """Upload progress for a method that takes it (read from its ``operation`` declaration)."""
    return {"on_upload_progress": progress.bytes} if accepts(method, "on_upload_progress") \
        else {}


def cmd_clone(args: argparse.Namespace) -> int:
    name = _pick_provider(args.provider, CloneVoice)
    with _connect(name) as provider:
        cloner = registry.require(provider, CloneVoice)
        samples: Any = args.samples[0] if len(args.samples) == 1 else list(args.samples)
        with Progress("upload") as progress:
            job = cloner.clone_voice(samples, name=args.name, description=args.description,
                                     **_upload_options(cloner.clone_voice, progress))
        return _finish_job(job, args, provider)


def _finish_job(job: Job[Any], args: argparse.Namespace, provider: Provider) -> int:
    """``--no-wait``: print the job's reference; otherwise wait and print the result."""
    if args.no_wait:
        _print_job_ref(job, args.json)
        return 0
    return _emit_result(_wait(job, args.timeout), args, provider)


def cmd_dub(args: argparse.Namespace) -> int:
    name = _pick_provider(args.provider, Dub)
    with _connect(name) as provider:
        dubber = registry.require(provider, Dub)
        options: dict[str, Any] = {}
        if args.pitch_shift is not None:
            options["pitch_shift"] = args.pitch_shift
        if args.max_credits is not None:
            options["max_credits"] = args.max_credits
        with Progress("upload") as progress:
            job = dubber.dub(args.source, voice=args.voice, **options,
                             **_upload_options(dubber.dub, progress))
        return _finish_job(job, args, provider)


def cmd_twin_create(args: argparse.Namespace) -> int:
    name = _pick_provider(args.provider, CreateTwin)
    with _connect(name) as provider:
        maker = registry.require(provider, CreateTwin)
        job = maker.create_twin(name=args.name, video_url=args.video_url,
                                calibration_image_urls=args.image_urls, language=args.language)
        return _finish_job(job, args, provider)


def cmd_balance(args: argparse.Namespace) -> int:
    name = _pick_provider(args.provider, Balance)
    with _connect(name) as provider:
        info = registry.require(provider, Balance).balance()
    if args.json:
        print_json(describe(info))
        return 0
    print(f"{info.credits:g} {info.unit}")
    for key, value in info.breakdown.items():
        print(f"  {key}: {value:g}")
    if info.resets_at is not None:
        print(f"  resets at {info.resets_at.isoformat()}")
    return 0


def cmd_jobs_wait(args: argparse.Namespace) -> int:
    ref = JobRef.parse(args.ref)
    with _connect(ref.provider) as provider:
        job = provider.job(ref)
        result = job.result() if job.done else _wait(job, args.timeout)
        return _emit_result(result, args, provider)


# -- emulate ---------------------------------------------------------------------------------


def cmd_emulate(args: argparse.Namespace) -> int:
    import importlib
    import threading
    import time

    info = registry.get_registry().info(args.name)
    if not info.emulator:
        raise ConfigurationError(f"{info.name} ships no emulator")
    if args.speed <= 0:
        raise InvalidInput("--speed must be > 0", field="speed", limit="> 0")
    module_name, _, attr = info.emulator.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except ImportError as exc:
        raise ConfigurationError(f"cannot load the {info.name} emulator ({exc}); install "
                                 "voicekit-core[testing]") from exc
    try:
        emulator = cls(port=args.port)
    except TypeError:
        emulator = cls()
        emulator._port = args.port
    _stop_on_sigterm()
    emulator.start()
    stop = threading.Event()
    ticker = threading.Thread(target=_run_clock, args=(emulator.clock, args.speed, stop),
                              name="voicekit-emulate-clock", daemon=True)
    ticker.start()
    try:
        print(f"{info.name} emulator: {emulator.url}")
        print(f"storage origin: {emulator.storage.url}")
        print("use it with:")
        print(f"  export {info.base_url_env}={emulator.url}")
        for option, value in emulator.credentials.items():
            env = next((e for e in info.credentials if info.option_name(e) == option),
                       option.upper())
            print(f"  export {env}={value}")
        print("Ctrl-C stops it.", flush=True)
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        _err("stopping")
    finally:
        stop.set()
        emulator.stop()
    return 0


def _stop_on_sigterm() -> None:
    """SIGTERM (``kill``, service managers) stops the emulator as cleanly as Ctrl-C."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def _run_clock(clock: Any, speed: float, stop: Any) -> None:
    """Move the emulator's manual clock with real time, so its jobs progress."""
    import time

    last = time.monotonic()
    while not stop.wait(0.05):
        now = time.monotonic()
        clock.advance((now - last) * speed)
        last = now


# -- docs -------------------------------------------------------------------------------------


def cmd_docs_matrix(args: argparse.Namespace) -> int:
    from .cli_docs import capability_matrix

    text = capability_matrix(registry.providers())
    if args.output is None:
        if args.check:
            raise InvalidInput("--check needs -o FILE", field="check")
        sys.stdout.write(text)
        return 0
    path = Path(args.output)
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            _err(f"{path} is out of date: run `voicekit docs matrix -o {path}`")
            return 1
        _err(f"{path} is up to date")
        return 0
    from .audio import atomic_write

    atomic_write(path, [text.encode("utf-8")])
    _err(f"wrote {path}")
    return 0
