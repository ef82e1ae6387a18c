"""``voicekit batch``: manifests, exit codes, failures report, and resuming after a kill."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import batchfake
import pytest
from batchfake import BatchFakeEmulator

import voicekit_core as vk
from voicekit_core.batch import STATE_FILE, operation_named, read_manifest
from voicekit_core.cli import main

batchfake.register()
TESTS = Path(__file__).parent

SAY = operation_named("say")


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[BatchFakeEmulator]:
    with BatchFakeEmulator() as emulator:
        for name in ("BATCHFAKE", "BATCHFAKE_ASYNC"):
            monkeypatch.setenv(f"{name}_BASE_URL", emulator.url)
            monkeypatch.setenv(f"{name}_API_KEY", emulator.credentials["api_key"])
        yield emulator


def _csv(path: Path, rows: list[str], header: str = "text,voice,output") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# -- manifests -----------------------------------------------------------------------------


def test_csv_and_jsonl_manifests_read_the_same_items(tmp_path: Path) -> None:
    _csv(tmp_path / "a.csv", ['"Hello, world",v1,hello.wav,2',
                              "Second line,v2,,true"], header="text,voice,output,speed")
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"text": "Hello, world", "voice": "v1", "output": "hello.wav",
                    "speed": 2}) + "\n\n"
        + json.dumps({"text": "Second line", "voice": "v2", "options": {"speed": True}})
        + "\n", encoding="utf-8")
    from_csv = read_manifest(tmp_path / "a.csv", SAY)
    from_jsonl = read_manifest(tmp_path / "a.jsonl", SAY)
    assert [(i.input, i.voice, i.output, dict(i.options)) for i in from_csv] == \
        [(i.input, i.voice, i.output, dict(i.options)) for i in from_jsonl] == [
            ("Hello, world", "v1", "hello.wav", {"speed": 2}),
            ("Second line", "v2", None, {"speed": True})]
    assert [i.line for i in from_csv] == [2, 3] and [i.line for i in from_jsonl] == [1, 3]


def test_file_inputs_are_relative_to_the_manifest(tmp_path: Path) -> None:
    (tmp_path / "a.wav").write_bytes(b"RIFF")
    (tmp_path / "b.wav").write_bytes(b"RIFF")
    clone = read_manifest(_csv(tmp_path / "c.csv", ["a.wav|b.wav,Narrator"],
                               header="input,name"), operation_named("clone"))
    assert clone[0].input == (str(tmp_path / "a.wav"), str(tmp_path / "b.wav"))
    dub = read_manifest(_csv(tmp_path / "d.csv", ["a.wav,v1", "https://x.test/s.mp3,v1"],
                             header="input,voice"), operation_named("dub"))
    assert [i.input for i in dub] == [str(tmp_path / "a.wav"), "https://x.test/s.mp3"]


@pytest.mark.parametrize(("rows", "header", "message"), [
    (["ok,v1", "{bad,v1,x"], "text,voice", None),
    (["ok,v1", ",v1"], "text,voice", ":3: no text to say"),
    (["ok,v1", "two,v1,extra"], "text,voice", ":3: 3 values for 2 columns"),
    (["ok,v1,a.wav", "two,v1,a.wav"], "text,voice,output", ":3: output 'a.wav' is already"),
    (["ok,v1,../up.wav"], "text,voice,output", ":2: output '../up.wav' must be a relative"),
    (["ok,v1", "two,"], "text,voice", ":3: no voice"),
    (["ok,v1,{}", "two,v1,[1]"], "text,voice,options", ":3: options must be a JSON object"),
    (["ok,v1,9"], "text,voice,max_credits", ":2: max_credits is not an option here"),
])
def test_bad_csv_lines_are_named(tmp_path: Path, rows: list[str], header: str,
                                 message: str | None) -> None:
    path = _csv(tmp_path / "m.csv", rows, header=header)
    if message is None:  # a well-formed CSV line: text "{bad" with voice v1 and a stray x
        message = ":3: 3 values for 2 columns"
    with pytest.raises(vk.InvalidInput) as info:
        read_manifest(path, SAY)
    assert f"m.csv{message}" in str(info.value)


def test_bad_jsonl_lines_are_named(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text('{"text": "a", "voice": "v1"}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(vk.InvalidInput, match=r"m\.jsonl:2: each line must be a JSON object"):
        read_manifest(path, SAY)
    path.write_text('{"text": "a", "voice": "v1"}\n\n{"text": "b", voice: 1}\n',
                    encoding="utf-8")
    with pytest.raises(vk.InvalidInput, match=r"m\.jsonl:3: not valid JSON"):
        read_manifest(path, SAY)
    (tmp_path / "m.txt").write_text("x", encoding="utf-8")
    with pytest.raises(vk.InvalidInput, match=r"\.csv or \.jsonl"):
        read_manifest(tmp_path / "m.txt", SAY)
    path.write_bytes(b'{"text": "a", "voice": "v1"}\n{"text": "\xff"}\n')
    with pytest.raises(vk.InvalidInput, match=r"m\.jsonl:2: not UTF-8"):
        read_manifest(path, SAY)


def test_missing_input_file_is_named(tmp_path: Path) -> None:
    path = _csv(tmp_path / "m.csv", ["nope.wav,v1"], header="input,voice")
    with pytest.raises(vk.InvalidInput, match=r"m\.csv:2: input file 'nope\.wav' not found"):
        read_manifest(path, operation_named("convert"))


# -- the command ----------------------------------------------------------------------------


def test_a_bad_manifest_line_stops_the_command_before_anything_is_spent(
        emu: BatchFakeEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = _csv(tmp_path / "lines.csv", ["one,v1,", "two,v1,", "three,v1,../x"])
    out = tmp_path / "out"
    assert main(["batch", "say", str(manifest), "-p", "batchfake", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "lines.csv:4: output '../x' must be a relative file name" in err
    assert emu.log == [] and emu.ledger.spent == 0 and not out.exists()


def test_command_runs_reports_and_resumes(emu: BatchFakeEmulator, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    manifest = _csv(tmp_path / "lines.csv", ["one,,a.wav", "two,,", "three,v2,"])
    out = tmp_path / "out"
    args = ["batch", "say", str(manifest), "-p", "batchfake", "-o", str(out), "-v", "v1"]
    assert main([*args, "--dry-run"]) == 0
    assert capsys.readouterr().out.startswith("3 of 3 item(s) to do, estimated at 11 credits")
    assert main([*args, "--max-credits", "10"]) == 1
    assert "over --max-credits 10; nothing was sent" in capsys.readouterr().err
    assert emu.log == []
    assert main([*args, "--max-credits", "11", "--workers", "2"]) == 0
    err = capsys.readouterr().err
    assert "batch: 3 done, 0 already done, 0 failed" in err and "11 credits spent" in err
    assert (out / "a.wav").exists() and not (out / "failures.jsonl").exists()
    assert emu.tts_voices.count("v2") == 1 and emu.tts_voices.count("v1") == 2
    assert main(args) == 0
    assert "0 done, 3 already done" in capsys.readouterr().err
    assert len(emu.requests("POST", "/tts")) == 3


def test_failures_are_listed_and_the_exit_code_says_so(
        emu: BatchFakeEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = _csv(tmp_path / "lines.csv", ["one,v1,", "two,v1,"])
    emu.faults.add("POST /tts", "error", error="invalid")  # the vendor refuses one item
    out = tmp_path / "out"
    assert main(["batch", "say", str(manifest), "-p", "batchfake", "-o", str(out),
                 "--workers", "1"]) == 1
    rows = [json.loads(line) for line in
            (out / "failures.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["line"], r["status"], r["charged"]) for r in rows] == [(2, "failed", False)]
    assert "invalid happened" in rows[0]["error"]
    assert "1 failed" in capsys.readouterr().err
    # a failure that was not charged is tried again by a re-run
    assert main(["batch", "say", str(manifest), "-p", "batchfake", "-o", str(out)]) == 0


# -- killed in the middle ---------------------------------------------------------------------

_RUNNER = """
import sys
sys.path.insert(0, {tests!r})
import batchfake
batchfake.register()
from voicekit_core.cli import main
if __name__ == "__main__":  # Dask's worker processes start by importing this module
    sys.exit(main(sys.argv[1:]))
"""


def _voicekit(tmp_path: Path, emu: BatchFakeEmulator, *args: str,
              new_session: bool = False) -> subprocess.Popen[str]:
    script = tmp_path / "voicekit_batchfake.py"
    script.write_text(_RUNNER.format(tests=str(TESTS)), encoding="utf-8")
    env = {**os.environ, "VOICEKIT_LOAD_PLUGINS": "none"}
    return subprocess.Popen([sys.executable, str(script), *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=new_session)


def test_killed_mid_request_then_rerun_pays_no_item_twice(
        emu: BatchFakeEmulator, tmp_path: Path) -> None:
    manifest = _csv(tmp_path / "lines.csv", [f"line {i:02d},v1," for i in range(12)])
    args = ["batch", "say", str(manifest), "-p", "batchfake", "-o", str(tmp_path / "out"),
            "--workers", "2"]
    emu.hold_after = 5  # the 6th charged request gets no answer: the client is killed then
    first = _voicekit(tmp_path, emu, *args)
    try:
        assert emu.holding.wait(60), first.communicate(timeout=5)
        first.kill()
        first.wait(timeout=30)
    finally:
        emu.release()
    charged_before = sum(emu.charged.values())
    assert 6 <= charged_before <= 7  # the held one(s) were charged: the vendor has them
    second = _voicekit(tmp_path, emu, *args)
    _, err = second.communicate(timeout=120)
    assert second.returncode == 1, err
    assert max(emu.charged.values()) == 1  # nobody paid twice
    assert "may have been charged" in (tmp_path / "out" / "failures.jsonl").read_text()
    with vk.batch.BatchState(tmp_path / "out" / STATE_FILE) as state:
        records = list(state.records())
    done = [r for r in records if r.status == "done"]
    uncertain = [r for r in records if r.status == "starting"]  # left by the kill
    # uncertain: the held call(s), answers still being saved at the kill, and calls
    # recorded but maybe not yet sent (at most --workers): never more
    assert len(done) + len(uncertain) == 12 and 1 <= len(uncertain) <= charged_before + 2
    assert all((tmp_path / "out" / r.output).is_file() for r in done)


def test_killed_while_jobs_run_then_rerun_resumes_them_by_reference(
        emu: BatchFakeEmulator, tmp_path: Path) -> None:
    manifest = _csv(tmp_path / "lines.csv", [f"line {i:02d},v1," for i in range(8)])
    args = ["batch", "say", str(manifest), "-p", "batchfake-async", "-o",
            str(tmp_path / "out"), "--workers", "4"]
    emu.speeches_wanted = 8
    first = _voicekit(tmp_path, emu, *args)
    try:
        assert emu.speeches_made.wait(60), first.communicate(timeout=5)
    finally:
        first.kill()
        first.wait(timeout=30)
    with vk.batch.BatchState(tmp_path / "out" / STATE_FILE) as state:
        refs = [r.job_ref for r in state.records() if r.status == "running"]
    assert len(refs) >= 1
    emu.clock.advance(60)  # the vendor finishes the speeches meanwhile
    second = _voicekit(tmp_path, emu, *args)
    _, err = second.communicate(timeout=120)
    assert len(emu.speeches) == 8 and max(emu.charged.values()) == 1
    assert len(emu.requests("POST", "/speeches")) == 8  # nothing submitted again
    assert len(list((tmp_path / "out").glob("*.wav"))) >= len(refs)  # resumed by ref
    if len(refs) == 8:  # every reference was recorded before the kill: all resumed
        assert second.returncode == 0, err
        assert len(list((tmp_path / "out").glob("*.wav"))) == 8
    else:  # the others were being submitted at the kill: not paid twice, reported
        assert second.returncode == 1 and "may have been charged" in err + (
            tmp_path / "out" / "failures.jsonl").read_text()


def test_ctrl_c_stops_submitting_and_prints_the_quoted_resume_command(
        emu: BatchFakeEmulator, tmp_path: Path) -> None:
    import signal

    manifest = _csv(tmp_path / "lines.csv", [f"line {i:02d},v1," for i in range(12)])
    out = tmp_path / "my outputs"  # a space: the resume command must quote it
    args = ["batch", "say", str(manifest), "-p", "batchfake", "-o", str(out),
            "--workers", "2"]
    emu.hold_after = 3
    proc = _voicekit(tmp_path, emu, *args)
    try:
        assert emu.holding.wait(60), proc.communicate(timeout=5)
        proc.send_signal(signal.SIGINT)
        # the calls in flight end (the vendor answers), then the command stops
        emu.release()
        _, err = proc.communicate(timeout=60)
    finally:
        emu.release()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted; nothing more was submitted. Resume with:" in err
    assert f"-o '{out}'" in err
    done = sum(emu.charged.values())
    assert done < 12 and max(emu.charged.values()) == 1
    again = _voicekit(tmp_path, emu, *args)
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert max(emu.charged.values()) == 1 and len(emu.charged) == 12


def test_help_and_import_load_no_batch_machinery() -> None:
    probe = ("import sys, contextlib, io\n"
             "import voicekit_core\n"
             "from voicekit_core.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             "    main(['--help'])\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('dask', 'distributed', 'sqlite3') or m.startswith('voicekit_core.batch')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_local_cluster_runs_the_batch_in_two_worker_processes(
        emu: BatchFakeEmulator, tmp_path: Path) -> None:
    """``--local-cluster 2``: a fresh command starts 2 Dask worker processes, runs every
    item under the ceiling, and closes the cluster (the command ends on its own)."""
    pytest.importorskip("distributed")
    manifest = _csv(tmp_path / "lines.csv", [f"line {i:02d},v1," for i in range(6)])
    args = ["batch", "say", str(manifest), "-p", "batchfake", "-o", str(tmp_path / "out"),
            "--local-cluster", "2", "--workers", "2", "--max-credits", "100"]
    proc = _voicekit(tmp_path, emu, *args, new_session=True)
    try:
        _, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:  # a hang: end the command and its worker processes
            os.killpg(proc.pid, 9)
            proc.wait(timeout=30)
    assert proc.returncode == 0, err
    assert "6 done" in err
    assert sorted(emu.charged) == [f"line {i:02d}" for i in range(6)]
    assert max(emu.charged.values()) == 1
    assert len(list((tmp_path / "out").glob("*.wav"))) == 6
