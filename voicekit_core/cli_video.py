"""``voicekit video create|list|wait|download|delete|twins``: talking videos (GenerateVideo).

:func:`register` is light (argparse specs only: ``voicekit --help`` imports nothing else);
the ``cmd_*`` handlers import the machinery when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cli import CommandRegistry
    from .provider import Provider

__all__ = ["register"]

_Args = list[tuple[tuple[str, ...], dict[str, Any]]]

_PROVIDER: _Args = [(("-p", "--provider"), {"default": None, "help": "provider name (default: "
                                                                     "the only one that makes "
                                                                     "videos)"})]
_JSON: _Args = [(("--json",), {"action": "store_true", "help": "print JSON for scripts"})]
_OUTPUT: _Args = [(("-o", "--output"), {"default": None, "metavar": "FILE",
                                        "help": "download the video here (an MP4)"})]
_TIMEOUT: _Args = [(("--timeout",), {"type": float, "default": None, "metavar": "S",
                                     "help": "seconds to wait at most (the job goes on)"})]


def register(commands: CommandRegistry) -> None:
    """Add the ``video`` group to the CLI (handlers named by string, imported on use)."""
    commands.group("video", help="talking videos of AI twins (avatars)")
    commands.add("video create", "cli_video:create", help="render a twin saying a script or "
                 "an audio recording", arguments=[
                     *_PROVIDER,
                     (("--twin",), {"required": True, "help": "the avatar (see `video twins`)"}),
                     (("--script",), {"default": None,
                                      "help": "what to say; '-' reads standard input"}),
                     (("--audio",), {"default": None,
                                     "help": "a recording to lip-sync: a link or the vendor's "
                                             "recording id"}),
                     (("-v", "--voice"), {"default": None, "help": "voice speaking the script"}),
                     (("--consent",), {"action": "store_true",
                                       "help": "confirm the person shown agreed (required)"}),
                     (("--option", "-O"), {"action": "append", "default": [], "dest": "options",
                                           "metavar": "KEY=VALUE",
                                           "help": "a vendor option (repeat), e.g. "
                                                   "resolution=4k"}),
                     (("--max-credits",), {"type": float, "default": None, "dest": "max_credits",
                                           "metavar": "C",
                                           "help": "refuse to spend more than C credits"}),
                     (("--no-wait",), {"action": "store_true", "dest": "no_wait",
                                       "help": "print the job reference and return"}),
                     *_TIMEOUT, *_OUTPUT, *_JSON])
    commands.add("video list", "cli_video:list", help="list the account's videos",
                 arguments=[*_PROVIDER, *_JSON])
    commands.add("video twins", "cli_video:twins", help="list the avatars videos can show",
                 arguments=[*_PROVIDER, *_JSON])
    commands.add("video wait", "cli_video:wait", help="wait for a video job started earlier",
                 arguments=[(("ref",), {"help": "the job reference, provider:video:id"}),
                            *_TIMEOUT, *_OUTPUT, *_JSON])
    commands.add("video download", "cli_video:download", help="save a finished video",
                 arguments=[(("video",), {"help": "a job reference, or a video id with -p"}),
                            *_PROVIDER,
                            (("-o", "--output"), {"required": True, "metavar": "FILE",
                                                  "help": "where to save it (an MP4)"})])
    commands.add("video delete", "cli_video:delete", help="delete a video",
                 arguments=[(("video",), {"help": "the video id"}), *_PROVIDER])


def _connect(name: str | None) -> Provider:
    from . import registry
    from .capabilities import GenerateVideo
    from .cli_checks import pick_provider

    return registry.connect(pick_provider(name, GenerateVideo))


def _vendor_method(provider: Provider, name: str) -> Any:
    from .errors import InvalidInput

    method = getattr(provider, name, None)
    if not callable(method):
        raise InvalidInput(f"{provider.name} has no {name}() (its API offers none)",
                           field="provider", limit=f"a provider with {name}()")
    return method


def _options(pairs: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs; a VALUE that reads as JSON (a number, true) is taken as such."""
    import json

    from .errors import InvalidInput

    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"--option takes KEY=VALUE, got {pair!r}", field="option",
                               limit="KEY=VALUE")
        try:
            options[key.strip()] = json.loads(value)
        except ValueError:
            options[key.strip()] = value
    return options


def cmd_create(args: argparse.Namespace) -> int:
    from . import registry
    from .capabilities import GenerateVideo
    from .cli_checks import check_output
    from .cli_commands import _finish_job, _read_text
    from .errors import InvalidInput

    if not args.consent:
        raise InvalidInput("--consent is required: confirm that the person shown agreed to "
                           "this video", field="consent", limit="--consent")
    check_output(args.output)
    options = _options(args.options)
    if args.max_credits is not None:
        options["max_credits"] = args.max_credits
    script = None if args.script is None else _read_text(args.script)
    audio: str | int | None = args.audio
    if isinstance(audio, str) and audio.isdigit():
        audio = int(audio)
    with _connect(args.provider) as provider:
        maker = registry.require(provider, GenerateVideo)
        job = maker.generate_video(twin=args.twin, script=script, audio=audio,
                                   voice=args.voice, consent=True, **options)
        return _finish_job(job, args, provider)


def _print_rows(rows: list[dict[str, Any]], headers: tuple[str, ...], as_json: bool) -> None:
    from .cli_output import print_json, print_table

    if as_json:
        print_json(rows)
    else:
        print_table([[str(r.get(h.lower()) or "") for h in headers] for r in rows], headers)


def cmd_list(args: argparse.Namespace) -> int:
    with _connect(args.provider) as provider:
        videos = list(_vendor_method(provider, "list_videos")())
    rows = [{"id": v.id, "status": v.status, "url": v.url} for v in videos]
    _print_rows(rows, ("ID", "STATUS", "URL"), args.json)
    return 0


def cmd_twins(args: argparse.Namespace) -> int:
    with _connect(args.provider) as provider:
        twins = list(_vendor_method(provider, "list_twins")())
    _print_rows([{"id": t.id, "name": t.name} for t in twins], ("ID", "NAME"), args.json)
    return 0


def cmd_wait(args: argparse.Namespace) -> int:
    from .cli_commands import cmd_jobs_wait

    return cmd_jobs_wait(args)


def cmd_download(args: argparse.Namespace) -> int:
    from .cli_checks import check_output
    from .cli_output import Progress
    from .jobs import JobRef

    check_output(args.output)
    if ":" in args.video:
        ref = JobRef.parse(args.video)
        with _connect(ref.provider) as provider:
            video = provider.job(ref).result()
            with Progress("download") as progress:
                saved = video.download(args.output, on_progress=progress.bytes)
    else:
        with _connect(args.provider) as provider:
            video = _vendor_method(provider, "get_video")(args.video)
            with Progress("download") as progress:
                saved = video.download(args.output, on_progress=progress.bytes)
    print(f"saved {saved}", file=sys.stderr)
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    with _connect(args.provider) as provider:
        _vendor_method(provider, "delete_video")(args.video)
    print(f"deleted video {args.video}", file=sys.stderr)
    return 0
