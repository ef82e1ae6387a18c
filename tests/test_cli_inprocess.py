"""The CLI called in-process: ``main(argv)``, the command registry, the capability matrix."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

import voicekit_core as vk
from voicekit_core.cli import CommandRegistry, build_parser, main
from voicekit_core.cli_docs import capability_matrix
from voicekit_core.cli_output import Progress, describe

DOCS = Path(__file__).parent.parent / "docs"


def test_main_returns_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert "voicekit-core" in capsys.readouterr().out
    assert main(["voices"]) == 2  # missing argument: a usage error
    assert main(["jobs", "wait", "nope"]) == 1
    err = capsys.readouterr().err
    assert err.endswith("(expected provider:kind:id)\n") and "Traceback" not in err


def test_providers_json_in_process(capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAKEVENDOR_API_KEY", raising=False)
    assert main(["providers", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    fake = rows["fakevendor"]  # registered in-process by conftest.py
    assert fake["capabilities"] == ["ListVoices", "Synthesize", "StreamSynthesize",
                                    "CloneVoice", "Balance"]
    assert fake["credentials"] == {"FAKEVENDOR_API_KEY": False}


def test_keys_path_follows_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("VOICEKIT_KEY_FILE", str(tmp_path / "k.json"))
    assert main(["keys", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "k.json")


def _registry() -> tuple[argparse.ArgumentParser, CommandRegistry]:
    parser = argparse.ArgumentParser(prog="t")
    return parser, CommandRegistry(parser.add_subparsers(dest="cmd"))


def test_registry_nested_groups_and_conflicts() -> None:
    parser, commands = _registry()
    seen: list[argparse.Namespace] = []
    assert commands.add("a b c", seen.append, arguments=[(("--x",), {"type": int})])
    assert commands.add("a d", seen.append) is not None
    assert commands.add("a b c", seen.append) is None  # taken
    assert commands.add("a d e", seen.append) is None  # a d is a command, not a group
    assert commands.add("bad", seen.append, arguments=[(("--y",), {"nargs": "?!"})]) is None
    assert [s[0] for s in commands.skipped] == ["a b c", "a d e", "bad"]
    args = parser.parse_args(["a", "b", "c", "--x", "3"])
    args._handler(args)
    assert seen[0].x == 3 and args._command == "a b c"
    with pytest.raises(SystemExit):
        parser.parse_args(["bad"])


def test_core_parser_has_every_documented_command() -> None:
    parser, _commands = build_parser()
    for argv in (["providers", "--errors"], ["voices", "p", "--language", "en", "--limit", "2"],
                 ["say", "hi", "-p", "x", "-v", "y", "-o", "f", "--format", "mp3", "--stream"],
                 ["keys", "set", "gemelo", "GEMELO_API_KEY"], ["keys", "list"], ["keys", "path"],
                 ["convert", "a.wav", "-p", "p", "-v", "v", "-o", "o.wav"],
                 ["clone", "a.wav", "b.wav", "-p", "p", "--name", "n", "--description", "d",
                  "--no-wait", "--json"],
                 ["dub", "s.mp3", "-p", "p", "-v", "v", "-o", "o", "--pitch-shift", "-2",
                  "--max-credits", "5", "--no-wait"],
                 ["twin", "create", "-p", "p", "--name", "n", "--video-url", "u",
                  "--image-url", "i1", "--image-url", "i2", "--language", "en", "--no-wait"],
                 ["balance", "-p", "p", "--json"], ["jobs", "wait", "a:b:c", "--timeout", "3",
                                                    "-o", "x"],
                 ["emulate", "gemelo", "--port", "8080"], ["docs", "matrix", "--check", "-o", "f"]):
        args = parser.parse_args(argv)
        assert isinstance(args._handler, str), argv
    args = parser.parse_args(["twin", "create", "--name", "n", "--video-url", "u",
                              "--image-url", "a", "--image", "b"])
    assert args.image_urls == ["a", "b"] and args.provider is None


def test_progress_lines_when_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    class FakeJob:
        state = vk.JobState.RUNNING
        vendor_status = "processing"
        progress: float | None = 0.5

    progress = Progress("dub 1")
    progress.job(FakeJob())
    progress.job(FakeJob())  # unchanged: no new line
    for done in (0, 10, 60, 100):
        progress.bytes(done, 100)
    assert capsys.readouterr().err.splitlines() == [
        "dub 1: processing 50%", "dub 1: 0% of 100 B", "dub 1: 50% of 100 B",
        "dub 1: 100% of 100 B"]


def test_describe_drops_raw_payloads() -> None:
    voice = vk.Voice(id="1", name="A", provider="p", languages=("en",), raw={"secret": 1})
    assert describe(voice) == {"id": "1", "name": "A", "provider": "p", "kind": "system",
                               "languages": ["en"], "description": None}
    result = vk.DubResult(url="https://x/y.mp3", duration=2.0, raw={"a": 1})
    assert describe(result) == {"url": "https://x/y.mp3", "duration": 2.0}


def test_capability_matrix_is_generated_from_the_registry() -> None:
    infos = [i for i in vk.providers() if i.name != "fakevendor"]
    page = capability_matrix(infos)
    assert "Do not edit by hand" in page
    for info in infos:
        assert f"| [{info.name}](providers/{info.name}.md) |" in page
    fake = next(i for i in vk.providers() if i.name == "fakevendor")
    row = next(x for x in capability_matrix([fake]).splitlines()
               if x.startswith("| [fakevendor]"))
    assert row.count("✓") == 5


def test_committed_matrix_is_up_to_date_for_installed_providers() -> None:
    """docs/capabilities.md must hold the generated row of every installed provider."""
    committed = (DOCS / "capabilities.md").read_text(encoding="utf-8")
    for info in vk.providers():
        if info.name == "fakevendor" or info.name.startswith("batchfake"):
            continue  # test-only vendors
        row = next(x for x in capability_matrix([info]).splitlines()
                   if x.startswith(f"| [{info.name}]"))
        assert row in committed, (f"docs/capabilities.md is stale for {info.name}: run "
                                  "`voicekit docs matrix -o docs/capabilities.md`")


def test_progress_bar_on_a_terminal() -> None:
    pytest.importorskip("tqdm")
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    class FakeJob:
        state = vk.JobState.RUNNING
        vendor_status = "rendering"
        progress: float | None = 0.25

    screen = Terminal()
    with Progress("upload", stream=screen) as bar:
        for done in (0, 512, 1024):
            bar.bytes(done, 1024)
    with Progress("twin 7", stream=screen) as bar:
        bar.job(FakeJob())
    out = screen.getvalue()
    assert "upload:" in out and "1.00k" in out  # tqdm draws (and throttles) the bar
    assert "twin 7 rendering:  25%" in out
