"""The ``voicekit`` command line.

Start-up is kept light: this module builds the argparse tree of the core commands without
importing any plugin, requests or anything heavy; ``voicekit --help`` (or no arguments)
stops there. When a subcommand runs, plugins are discovered and may add their own
subcommands through the ``voicekit_register_commands`` hook (see :class:`CommandRegistry`);
the command's implementation (``voicekit_core.cli_commands``) is imported only then.

Exit codes: 0 success, 1 an error voicekit expected (one line on stderr, no traceback),
2 a usage error, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["CommandRegistry", "Handler", "build_parser", "main"]

#: A command's implementation: gets the parsed arguments, returns an exit code (None = 0).
Handler = Callable[[argparse.Namespace], "int | None"]

_EPILOG = """\
Connection settings come from the environment: <NAME>_BASE_URL and each provider's
credential variables (see `voicekit providers`), or the key file (`voicekit keys set`).

Installed plugins may add more commands; they are loaded only when a command runs, so this
help lists the core commands only (`voicekit providers` shows what is installed).
"""


class CommandRegistry:
    """Where core and plugin commands are added to the ``voicekit`` parser.

    A plugin's ``voicekit_register_commands(commands)`` hook calls::

        commands.add("twin list", handler, help="list your twins",
                     arguments=[(("--json",), {"action": "store_true"})])

    ``path`` may be nested; groups are created as needed and a plugin may add subcommands to
    a core group (``twin``). A path that already exists is not replaced: the later
    registration is skipped and recorded in :attr:`skipped`.
    """

    def __init__(self, subparsers: argparse._SubParsersAction[argparse.ArgumentParser]
                 ) -> None:
        self._groups: dict[tuple[str, ...], argparse._SubParsersAction[Any]] = {(): subparsers}
        self._group_parsers: dict[tuple[str, ...], argparse.ArgumentParser] = {}
        self._commands: dict[tuple[str, ...], str] = {}
        #: ``(path, owner, reason)`` of registrations that were not applied.
        self.skipped: list[tuple[str, str, str]] = []

    def owner(self, path: str) -> str | None:
        """Who added command ``path`` ("core", a plugin package), None for a group/unknown."""
        return self._commands.get(tuple(path.split()))

    def group(self, path: str, *, help: str = "") -> argparse.ArgumentParser:
        """The parser of group ``path`` (``"twin"``), created if needed."""
        words = tuple(path.split())
        self._ensure_group(words, help=help)
        return self._group_parsers[words]

    def _ensure_group(self, words: tuple[str, ...], *, help: str = "") -> bool:
        for depth in range(1, len(words) + 1):
            prefix = words[:depth]
            if prefix in self._groups:
                continue
            if prefix in self._commands:
                return False
            parent = self._groups[prefix[:-1]]
            text = help if depth == len(words) else ""
            parser = parent.add_parser(prefix[-1], help=text or f"{' '.join(prefix)} commands",
                                       description=text or None)
            sub = parser.add_subparsers(dest="_" + "_".join(prefix), metavar="COMMAND")
            sub.required = True
            self._groups[prefix] = sub
            self._group_parsers[prefix] = parser
        return True

    def add(
        self,
        path: str,
        handler: Handler | str,
        *,
        help: str = "",
        arguments: Sequence[tuple[tuple[str, ...], dict[str, Any]]] = (),
        description: str | None = None,
    ) -> argparse.ArgumentParser | None:
        """Add command ``path`` ("balance", "twin list") running ``handler(args)``.

        ``arguments`` are ``(flags, options)`` pairs for ``ArgumentParser.add_argument``.
        Returns the command's parser, or None when the path was taken (see ``skipped``).
        """
        words = tuple(path.split())
        if not words:
            raise ValueError("a command needs a name")
        owner = _owner(handler)
        if words in self._commands or words in self._groups:
            existing = self._commands.get(words, "a command group")
            self.skipped.append((path, owner, f"already defined by {existing}"))
            return None
        if not self._ensure_group(words[:-1]):
            self.skipped.append((path, owner, f"{' '.join(words[:-1])} is a command"))
            return None
        parent = self._groups[words[:-1]]
        parser: argparse.ArgumentParser = parent.add_parser(
            words[-1], help=help, description=description or help or None,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
        try:
            for flags, options in arguments:
                parser.add_argument(*flags, **options)
        except (argparse.ArgumentError, TypeError, ValueError) as exc:
            # a plugin's bad argument spec must not break the CLI: drop the command
            parent._name_parser_map.pop(words[-1], None)
            parent._choices_actions = [a for a in parent._choices_actions
                                       if a.dest != words[-1]]
            self.skipped.append((path, owner, f"bad arguments: {exc}"))
            return None
        parser.set_defaults(_handler=handler, _command=path)
        self._commands[words] = owner
        return parser


def _owner(handler: Handler | str) -> str:
    """Who added a command: "core" (handlers named by string) or the handler's package."""
    if isinstance(handler, str):
        return "core"
    package = (getattr(handler, "__module__", None) or "a plugin").split(".")[0]
    return "core" if package == __name__.split(".")[0] else package


def _json_flag() -> tuple[tuple[str, ...], dict[str, Any]]:
    return ("--json",), {"action": "store_true", "help": "print JSON for scripts"}


def _provider_option(required: bool = False) -> tuple[tuple[str, ...], dict[str, Any]]:
    text = "provider name" + ("" if required else
                              " (default: the only installed provider that can do it)")
    return ("-p", "--provider"), {"required": required, "help": text}


def _wait_options() -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    return [
        (("--no-wait",), {"action": "store_true", "dest": "no_wait",
                          "help": "print the job reference and return at once "
                                  "(resume with `voicekit jobs wait REF`)"}),
        (("--timeout",), {"type": float, "default": None, "metavar": "S",
                          "help": "seconds to wait at most (the job goes on at the vendor)"}),
    ]


def _base_url_option() -> tuple[tuple[str, ...], dict[str, Any]]:
    return ("--base-url",), {"default": None, "dest": "base_url", "metavar": "URL",
                             "help": "the provider's API root (default: NAME_BASE_URL, the "
                                     "key file, then the vendor's)"}


def _max_credits_option() -> tuple[tuple[str, ...], dict[str, Any]]:
    return ("--max-credits",), {"type": float, "default": None, "dest": "max_credits",
                                "metavar": "C", "help": "refuse (before any request) to spend "
                                                        "more than C credits"}


def _add_core_commands(commands: CommandRegistry) -> None:
    add = commands.add
    add("providers", "cli_providers:providers",
        help="list installed providers and their capabilities",
        arguments=[
            _json_flag(),
            (("--errors",), {"action": "store_true",
                             "help": "list the plugins that failed to load, and why"}),
        ])
    add("voices", "voices", help="list a provider's voices", arguments=[
        (("provider",), {"help": "provider name (see `voicekit providers`)"}),
        (("--language", "-l"), {"help": "only voices speaking this language (en, en-US)"}),
        (("--kind",), {"help": "only voices of this kind (system, cloned, ...)"}),
        (("--limit", "-n"), {"type": int, "default": None, "help": "list at most N voices"}),
        _base_url_option(),
        _json_flag(),
    ])
    add("say", "cli_speech:say",
        help="speak text (espeak, offline, unless -p names another provider)",
        arguments=[
            (("text",), {"help": "what to say; '-' reads standard input"}),
            (("-p", "--provider"), {"default": None,
                                    "help": "provider (default: the only installed one that "
                                            "can speak, else espeak)"}),
            (("-v", "--voice"), {"default": None, "help": "voice id (see `voicekit voices P`)"}),
            (("-o", "--output"), {"default": None, "metavar": "FILE",
                                  "help": "write the audio here (atomically); without it the "
                                          "audio goes to standard output if it is not a "
                                          "terminal"}),
            (("--format", "-f"), {"default": None,
                                  "help": "audio format (wav, mp3, ...; default: from the "
                                          "suffix of -o, else the provider's)"}),
            (("--stream",), {"action": "store_true",
                             "help": "stream the audio as it is produced (sentence by "
                                     "sentence when the provider cannot stream)"}),
            (("--split",), {"action": "store_true",
                            "help": "text over the provider's limit: split it at sentences "
                                    "and join the audio"}),
            (("--sample-rate",), {"type": int, "default": None, "dest": "sample_rate",
                                  "metavar": "HZ", "help": "resample the audio to HZ"}),
            (("--cache",), {"action": "store_true",
                            "help": "answer repeated requests from the synthesis cache "
                                    "(`voicekit cache info`)"}),
            _max_credits_option(),
            _base_url_option(),
        ])
    commands.group("cache", help="the synthesis cache (say --cache, adapters.cached)")
    cache_dir = (("--dir",), {"default": None, "metavar": "DIR",
                              "help": "the cache folder (default: VOICEKIT_CACHE_DIR, else "
                                      "the user cache folder)"})
    add("cache info", "cli_speech:cache_info", help="where the cache is and its size",
        arguments=[cache_dir, _json_flag()])
    add("cache clear", "cli_speech:cache_clear", help="remove every cached synthesis",
        arguments=[cache_dir])
    commands.group("keys", help="manage stored credentials (the user key file)")
    add("keys set", "keys_set", help="store a credential (read from stdin or a hidden prompt)",
        arguments=[
            (("name",), {"help": "provider name"}),
            (("env_var",), {"nargs": "?", "default": None, "metavar": "ENV_VAR",
                            "help": "which credential (default: each one the provider "
                                    "declares)"}),
        ])
    add("keys list", "keys_list", help="list stored credentials (names only)",
        arguments=[_json_flag()])
    add("keys path", "keys_path", help="print the key file's path")
    add("convert", "convert", help="re-speak a recording in another voice", arguments=[
        (("audio",), {"help": "the recording (a file)"}),
        _provider_option(),
        (("-v", "--voice"), {"required": True, "help": "target voice id"}),
        (("-o", "--output"), {"required": True, "metavar": "OUT", "help": "output file"}),
        _max_credits_option(),
        _base_url_option(),
    ])
    add("clone", "clone", help="create a voice from recordings of a speaker", arguments=[
        (("samples",), {"nargs": "+", "metavar": "SAMPLE", "help": "recordings (files)"}),
        _provider_option(),
        (("--name",), {"required": True, "help": "the new voice's name"}),
        (("--description",), {"default": None, "help": "stored with the voice"}),
        _max_credits_option(),
        _base_url_option(),
        *_wait_options(),
        _json_flag(),
    ])
    add("dub", "dub", help="re-sing / re-speak a recording with a voice", arguments=[
        (("source",), {"help": "the recording: a file or (where the vendor takes it) a URL"}),
        _provider_option(),
        (("-v", "--voice"), {"required": True, "help": "voice id"}),
        (("-o", "--output"), {"default": None, "metavar": "OUT",
                              "help": "download the result here (default: print its URL)"}),
        (("--pitch-shift",), {"type": int, "default": None, "dest": "pitch_shift",
                              "help": "semitones"}),
        _max_credits_option(),
        _base_url_option(),
        *_wait_options(),
        _json_flag(),
    ])
    commands.group("twin", help="video AI twins")
    add("twin create", "twin_create", help="train a video AI twin from a video and images",
        arguments=[
            _provider_option(),
            (("--name",), {"required": True, "help": "the twin's name"}),
            (("--video-url",), {"required": True, "dest": "video_url",
                                "help": "link to the calibration video"}),
            (("--image-url", "--image"), {"required": True, "action": "append",
                                          "dest": "image_urls", "metavar": "URL",
                                          "help": "link to a calibration image (repeat)"}),
            (("--language",), {"default": None, "help": "language spoken in the video"}),
            _max_credits_option(),
            _base_url_option(),
            *_wait_options(),
            _json_flag(),
        ])
    add("balance", "balance", help="credits left on the account",
        arguments=[_provider_option(), _base_url_option(), _json_flag()])
    commands.group("jobs", help="long-running jobs")
    add("jobs wait", "jobs_wait", help="wait for a job started earlier (with --no-wait)",
        arguments=[
            (("ref",), {"help": "the job reference, provider:kind:id[?...]"}),
            (("--timeout",), {"type": float, "default": None, "metavar": "S",
                              "help": "seconds to wait at most"}),
            (("-o", "--output"), {"default": None, "metavar": "OUT",
                                  "help": "save a downloadable result or audio here"}),
            _base_url_option(),
            _json_flag(),
        ])
    add("emulate", "emulate", help="run a provider's emulator in the foreground (offline "
                                   "development)", arguments=[
        (("name",), {"help": "provider name"}),
        (("--port",), {"type": int, "default": 0, "help": "API port (default: any free one)"}),
        (("--speed",), {"type": float, "default": 1.0,
                        "help": "how fast the emulator's clock runs (10: a 30 s job takes 3 s)"}),
    ])
    _add_batch_commands(commands)
    from . import cli_video  # argparse specs only (its handlers load on use)

    cli_video.register(commands)
    commands.group("docs", help="documentation helpers")
    add("docs matrix", "docs_matrix", help="write the capability matrix of installed providers",
        arguments=[
            (("-o", "--output"), {"default": None, "metavar": "FILE",
                                  "help": "write it here (default: standard output)"}),
            (("--check",), {"action": "store_true",
                            "help": "exit 1 if FILE is not up to date (write nothing)"}),
        ])


_BATCH_OPERATIONS = (
    ("say", "speak every line of a manifest (text, voice, output, options)"),
    ("convert", "re-speak every recording of a manifest in another voice"),
    ("dub", "dub every recording of a manifest"),
    ("clone", "create a voice from each line's recordings"),
)


def _add_batch_commands(commands: CommandRegistry) -> None:
    commands.group("batch", help="run one operation over many items (resumable)")
    for word, text in _BATCH_OPERATIONS:
        parser = commands.add(f"batch {word}", "cli_batch:batch", help=text, arguments=[
            (("manifest",), {"metavar": "MANIFEST",
                             "help": "a .csv or .jsonl file, one item a line (docs/batch.md)"}),
            (("-p", "--provider"), {"required": True, "help": "provider name"}),
            (("-o", "--output"), {"required": True, "metavar": "DIR",
                                  "help": "output folder (holds the state file that makes "
                                          "a re-run resume)"}),
            (("-v", "--voice"), {"default": None,
                                 "help": "voice for lines that name none"}),
            (("--workers",), {"type": int, "default": 4, "metavar": "N",
                              "help": "calls in flight at once (default 4)"}),
            (("--max-credits",), {"type": float, "default": None, "dest": "max_credits",
                                  "metavar": "C",
                                  "help": "refuse to start when the estimate is over C; "
                                          "never spend more than C in all"}),
            (("--dry-run",), {"action": "store_true", "dest": "dry_run",
                              "help": "print the estimate; send nothing"}),
            (("--scheduler",), {"default": None, "metavar": "ADDR",
                                "help": "run on the Dask cluster at ADDR (tcp://host:8786;"
                                        " needs voicekit-core[dask])"}),
            (("--local-cluster",), {"type": int, "default": None, "metavar": "N",
                                    "dest": "local_cluster",
                                    "help": "run on a local Dask cluster of N processes"}),
            (("--retry-uncertain",), {"action": "store_true", "dest": "retry_uncertain",
                                      "help": "also submit again items that may already "
                                              "have been charged (interrupted mid-request "
                                              "or failed after a charge)"}),
        ])
        if parser is not None:
            parser.set_defaults(batch_operation=word)


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=30)


def build_parser(*, plugins: bool = False) -> tuple[argparse.ArgumentParser, CommandRegistry]:
    """The ``voicekit`` parser; with ``plugins=True`` plugin commands are added too."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="voicekit", description="One command line over voice-AI vendors.",
        epilog=_EPILOG, formatter_class=_formatter,
    )
    parser.add_argument("--version", action="version", version=f"voicekit-core {__version__}")
    sub = parser.add_subparsers(dest="_command_name", metavar="COMMAND")
    commands = CommandRegistry(sub)
    _add_core_commands(commands)
    if plugins:
        from .registry import get_registry

        get_registry().register_commands(commands)
    return parser, commands


def _core_command(commands: CommandRegistry, argv: Sequence[str]) -> bool:
    """Whether ``argv`` runs a core command that is not a group (``providers``, ``say``):
    plugins cannot add to it, so their commands need not be loaded to parse it."""
    words = [a for a in argv if not a.startswith("-")][:1]
    return bool(words) and commands.owner(words[0]) == "core"


def _wants_plugins(argv: Sequence[str]) -> bool:
    """Whether a subcommand is being run (plain ``--help``/``--version`` stays plugin-free)."""
    return any(not a.startswith("-") for a in argv)


def _setup_logging() -> None:
    """Library log records go to stderr as ``voicekit: level: message``.

    ``VOICEKIT_LOG_LEVEL`` (default WARNING; DEBUG shows requests, with credentials
    redacted by the transport).
    """
    import logging

    level = os.environ.get("VOICEKIT_LOG_LEVEL", "WARNING").upper()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("voicekit: %(levelname)s: %(message)s"))
    logger = logging.getLogger("voicekit")
    logger.addHandler(handler)
    logger.setLevel(getattr(logging, level, logging.WARNING))
    logger.propagate = False


def _logging_configured() -> bool:
    import logging

    return bool(logging.getLogger("voicekit").handlers or logging.getLogger().handlers)


def _run(argv: list[str]) -> int:
    if _wants_plugins(argv) and not _logging_configured():
        _setup_logging()
    parser, commands = build_parser()
    if _wants_plugins(argv) and not _core_command(commands, argv):
        from .registry import get_registry

        get_registry().register_commands(commands)  # a plugin command, or a core group's
    if not argv:
        parser.print_help()
        return 0
    args = parser.parse_args(argv)
    handler = getattr(args, "_handler", None)
    if handler is None:
        parser.print_help()
        return 0
    if os.environ.get("VOICEKIT_DEBUG"):
        for path, owner, reason in commands.skipped:
            print(f"voicekit: command {path!r} from {owner} skipped: {reason}", file=sys.stderr)
    if isinstance(handler, str):
        handler = _resolve(handler)
    result = handler(args)
    return 0 if result is None else int(result)


def _resolve(name: str) -> Handler:
    """A core handler named by string: ``"say"`` is ``cli_commands.cmd_say``,
    ``"cli_video:create"`` is ``cli_video.cmd_create`` (modules imported only now)."""
    import importlib

    module, _, command = name.rpartition(":")
    found: Handler = getattr(importlib.import_module(f".{module or 'cli_commands'}",
                                                     __package__), "cmd_" + command)
    return found


def _output_option(argv: list[str]) -> str | None:
    """The ``-o``/``--output`` value of a command line, for a resume hint."""
    for i, word in enumerate(argv):
        if word in ("-o", "--output") and i + 1 < len(argv):
            return argv[i + 1]
        if word.startswith("--output="):
            return word.partition("=")[2]
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``voicekit`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return _run(args)
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 2)
    except KeyboardInterrupt as exc:
        from .jobs import WaitInterrupted

        if isinstance(exc, WaitInterrupted):  # a wait inside a command (say on an async vendor)
            output = _output_option(args)
            print(f"voicekit: interrupted; the job goes on at the vendor: resume with "
                  f"{exc.ref.command(output)}", file=sys.stderr)
        else:
            print("voicekit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `voicekit say x --stream | head -c 10`: the reader had enough
        _silence_stdout()
        return 0
    except Exception as exc:
        from .errors import VoicekitError

        if isinstance(exc, VoicekitError):
            from .cli_advice import for_cli

            print(f"voicekit: {for_cli(str(exc), exc.provider)}", file=sys.stderr)
            return 1
        if isinstance(exc, OSError):
            print(f"voicekit: {exc.strerror or exc}"
                  + (f": {exc.filename}" if exc.filename else ""), file=sys.stderr)
            return 1
        if os.environ.get("VOICEKIT_DEBUG"):
            raise
        print(f"voicekit: unexpected error: {type(exc).__name__}: {exc} "
              "(set VOICEKIT_DEBUG=1 for the traceback, and please report it)",
              file=sys.stderr)
        return 1


def _silence_stdout() -> None:
    """After a closed pipe (``voicekit say x | head -c 10``), avoid a second error at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
