"""The plugin's ``voicekit_register_commands`` hook, driven in-process with a recorder.

(The CLI itself runs them in ``test_captions_cli.py``.)
"""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import voicekit_core as vk

from voicekit_captions import plugin
from voicekit_captions.emulator import CaptionsEmulator

VIDEO = "https://media.example.com/calibration/sam.mp4"
IMAGES = ["https://media.example.com/calibration/front.png",
          "https://media.example.com/calibration/left.jpg"]


class Recorder:
    """Stands in for the CLI's CommandRegistry: ``add(name, handler, help=, arguments=)``."""

    def __init__(self) -> None:
        self.commands: dict[str, tuple[Callable[[argparse.Namespace], int | None],
                                       argparse.ArgumentParser]] = {}

    def add(self, name: str, handler: Callable[[argparse.Namespace], int | None], *,
            help: str = "", arguments: Any = ()) -> None:
        parser = argparse.ArgumentParser(prog=f"voicekit {name}", description=help)
        for flags, options in arguments:
            parser.add_argument(*flags, **options)
        self.commands[name] = (handler, parser)

    def run(self, name: str, *argv: str) -> int | None:
        handler, parser = self.commands[name]
        return handler(parser.parse_args(list(argv)))


@contextlib.contextmanager
def captions_provider(emu: CaptionsEmulator) -> Iterator[Any]:
    provider = vk.connect("captions", **emu.connect_options())
    try:
        yield provider
    finally:
        provider.close()


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Recorder, CaptionsEmulator]]:
    with CaptionsEmulator(instant=True) as emu:
        monkeypatch.setenv("CAPTIONS_BASE_URL", emu.url)
        monkeypatch.setenv("CAPTIONS_API_KEY", emu.credentials["api_key"])
        recorder = Recorder()
        plugin.voicekit_register_commands(commands=recorder)
        yield recorder, emu  # type: ignore[misc]


def test_the_hook_registers_the_twin_commands(
    cli: tuple[Recorder, CaptionsEmulator]
) -> None:
    recorder, _ = cli
    assert sorted(recorder.commands) == ["twin delete", "twin languages", "twin list",
                                         "twin script"]


def test_handlers_run_against_the_emulator(
    cli: tuple[Recorder, CaptionsEmulator], capsys: pytest.CaptureFixture[str]
) -> None:
    recorder, emu = cli
    assert recorder.run("twin list", "--json") == 0
    assert json.loads(capsys.readouterr().out) == [{"id": "twin-1-sam", "name": "sam"}]
    with captions_provider(emu) as captions:
        captions.create_twin(name="ash", video_url=VIDEO, calibration_image_urls=IMAGES[:1])
    assert recorder.run("twin list") == 0
    assert capsys.readouterr().out.split() == ["twin-1-sam", "twin-2-ash"]
    assert recorder.run("twin delete", "twin-2-ash") == 0
    assert recorder.run("twin languages") == 0
    assert "English" in capsys.readouterr().out.splitlines()
    assert recorder.run("twin script") == 0
    assert "AI Twin" in capsys.readouterr().out
    assert emu.twins == ["twin-1-sam"]
