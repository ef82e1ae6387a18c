"""``voicekit keys``, ``voicekit emulate`` and ``voicekit docs``: commands that set voicekit
up rather than call a vendor (imported only when one runs; re-exported by
:mod:`voicekit_core.cli_commands`, where ``voicekit_core.cli`` finds every ``cmd_*``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from . import registry
from .cli_output import print_json, print_table
from .credentials import key_file_path, load_keys, store_key
from .errors import ConfigurationError, InvalidInput
from .registry import ProviderInfo

__all__ = ["cmd_docs_matrix", "cmd_emulate", "cmd_keys_list", "cmd_keys_path", "cmd_keys_set"]


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- keys ------------------------------------------------------------------------------------


def _read_secret(prompt: str, *, hidden: bool = True) -> str:
    if sys.stdin.isatty():
        import getpass

        value = getpass.getpass(prompt) if hidden else input(prompt)
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
    url_env = info.base_url_env if info is not None else f"{name.upper()}_BASE_URL"
    if args.env_var:
        env_vars = [args.env_var]
        known = (*info.credentials, url_env) if info is not None else ()
        if info is not None and info.credentials and args.env_var not in known:
            raise InvalidInput(f"{name} takes {', '.join(known)}, not "
                               f"{args.env_var}", field="env_var")
    elif info is None:
        raise ConfigurationError(f"provider {name!r} is not installed: name the variable too "
                                 f"(`voicekit keys set {name} {name.upper()}_API_KEY`)")
    elif not info.credentials:
        raise InvalidInput(f"{name} needs no credentials", field="name")
    else:
        env_vars = list(info.credentials)
        if info.needs_base_url and not _base_url_known(info):
            env_vars.append(url_env)  # a white-label vendor: its host is asked for too
    path = key_file_path()
    for env_var in env_vars:
        if env_var == url_env:
            value = _read_base_url(f"{env_var} for {name} (its API root, https://...): ")
        else:
            value = _read_secret(f"{env_var} for {name} (input hidden): ")
        path = store_key(name, env_var, value)
        _err(f"stored {env_var} for {name} in {path}")
        if os.environ.get(env_var):
            _err(f"note: the environment variable {env_var} is set and takes precedence")
    return 0


def _base_url_known(info: ProviderInfo) -> bool:
    from .credentials import stored_setting

    return bool(os.environ.get(info.base_url_env) or info.default_base_url
                or stored_setting(info.name, info.base_url_env))


def _read_base_url(prompt: str) -> str:
    from .urls import check_base_url

    return check_base_url(_read_secret(prompt, hidden=False), allow_http=True)


def cmd_keys_list(args: argparse.Namespace) -> int:
    keys = load_keys()
    rows = [(provider, env_var, names[env_var] if env_var.endswith("_BASE_URL") else "********")
            for provider, names in sorted(keys.items()) for env_var in sorted(names)]
    if args.json:
        print_json([{"provider": p, "name": e, "value": v} for p, e, v in rows])
    elif rows:
        print_table(rows, ("PROVIDER", "NAME", "VALUE"))
    else:
        _err(f"no key stored in {key_file_path()}")
    return 0


def cmd_keys_path(args: argparse.Namespace) -> int:
    print(key_file_path())
    return 0


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
    _check_port(args.port)
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


def _check_port(port: int) -> None:
    """A port the emulator can listen on (127.0.0.1), or a clear error: not a traceback."""
    import socket

    if not 0 <= port <= 65535:
        raise InvalidInput(f"--port must be 0..65535 (0: any free port), got {port}",
                           field="port", limit="0..65535")
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise ConfigurationError(f"cannot listen on 127.0.0.1:{port}: "
                                     f"{exc.strerror or exc} (in use? choose another --port, "
                                     "or 0 for any free port)") from None


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
