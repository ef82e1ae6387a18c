"""The ``voicekit`` CLI, run as a subprocess (``python -m voicekit_core.cli``).

Extra plugins for a subprocess are installed the light way: a ``*.dist-info`` directory with
an ``entry_points.txt`` on ``PYTHONPATH``. It registers the test-only ``fakevendor`` provider
(tests/fakevendor.py) and a deliberately broken plugin whose module raises on import.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from fakevendor import FakeEmulator

import voicekit_core as vk
from voicekit_core.testing.media import tone_wav

TESTS = Path(__file__).parent
SECRET = FakeEmulator.credentials["api_key"]
HAS_ESPEAK = any(i.name == "espeak" for i in vk.providers())
needs_espeak = pytest.mark.skipif(not HAS_ESPEAK, reason="voicekit-espeak is not installed")

ENTRY = '''\
"""Entry point of the test-only fakevendor provider (light: no provider import)."""
from voicekit_core.hookspecs import hookimpl
from voicekit_core.models import ProviderInfo

INFO = ProviderInfo(
    name="fakevendor", factory="fakevendor:FakeProvider",
    capabilities=("ListVoices", "Synthesize", "StreamSynthesize", "CloneVoice", "Balance"),
    credentials=("FAKEVENDOR_API_KEY",), summary="test-only vendor",
    emulator="fakevendor:FakeEmulator",
)


@hookimpl
def voicekit_register_providers(register):
    register(INFO)


def _hello(args):
    print("hello from", args.who)


@hookimpl
def voicekit_register_commands(commands):
    commands.add("fake hello", _hello, help="say hello",
                 arguments=[(("--who",), {"default": "fakevendor"})])
    commands.add("twin hello", _hello, help="a plugin subcommand in a core group",
                 arguments=[(("--who",), {"default": "twin"})])
    commands.add("say", _hello, help="collides with a core command")
'''


LOCAL_ENTRY = '''\
"""Entry point of "localfake": a local provider (no HTTP) with ConvertVoice, Dub, CreateTwin."""
from voicekit_core.hookspecs import hookimpl
from voicekit_core.models import ProviderInfo

INFO = ProviderInfo(
    name="localfake", factory="vk_local_provider:LocalProvider",
    capabilities=("ConvertVoice", "Dub", "CreateTwin"), summary="test-only local provider",
)


@hookimpl
def voicekit_register_providers(register):
    register(INFO)
'''

LOCAL_PROVIDER = '''\
"""A local test provider: conversion echoes its input, dubs and twins finish on first poll."""
import voicekit_core as vk
from voicekit_core.audio import AudioSource, atomic_write
from vk_local_entry import INFO


class LocalProvider(vk.Provider, vk.ConvertVoice, vk.Dub, vk.CreateTwin):
    info = INFO
    remote = False
    poll_policies = {"*": vk.PollPolicy(interval=0.01, first_delay=0)}

    def convert_voice(self, audio, *, voice, **options):
        with AudioSource.from_input(audio).open() as f:
            return vk.Audio(data=f.read(), format="wav", metadata={"voice": voice})

    def estimate(self, operation, **args):
        return vk.Cost(10.0) if operation == "dub" else None

    def dub(self, source, *, voice, pitch_shift=0, max_credits=None,
            on_upload_progress=None):
        self.check_budget(self.estimate("dub"), max_credits)
        src = AudioSource.from_input(source, field="source")
        if on_upload_progress is not None:
            on_upload_progress(src.size, src.size)
        return vk.Job(self, "dub", f"{voice}_{pitch_shift}",
                      update=vk.JobUpdate(vk.JobState.PENDING, vendor_status="queued"))

    def _refresh_dub(self, job):
        result = vk.DubResult(url=f"local://{job.id}", duration=1.0, fetch=self._fetch)
        return vk.JobUpdate(vk.JobState.SUCCEEDED, vendor_status="done", progress=1.0,
                            result=result)

    def _fetch(self, url, path, on_progress=None):
        data = url.encode()
        if on_progress is not None:
            on_progress(len(data), len(data))
        return atomic_write(path, [data])

    def create_twin(self, *, name, video_url, calibration_image_urls, language=None):
        twin_id = f"{name}-{len(calibration_image_urls)}-{language}"
        return vk.Job(self, "twin", twin_id,
                      update=vk.JobUpdate(vk.JobState.RUNNING, vendor_status="training",
                                          progress=0.5))

    def _refresh_twin(self, job):
        return vk.JobUpdate(vk.JobState.SUCCEEDED, vendor_status="ready", progress=1.0,
                            result=vk.Twin(id=job.id, name=job.id.split("-")[0]))
'''


def _make_site(root: Path) -> Path:
    site = root / "site"
    dist = site / "vk_cli_test_plugins-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: vk-cli-test-plugins\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(textwrap.dedent("""\
        [voicekit]
        fakevendor = vk_fake_entry
        broken = vk_broken_entry
        localfake = vk_local_entry
        """))
    (site / "vk_local_entry.py").write_text(LOCAL_ENTRY)
    (site / "vk_local_provider.py").write_text(LOCAL_PROVIDER)
    (site / "vk_fake_entry.py").write_text(ENTRY)
    (site / "vk_broken_entry.py").write_text(
        'raise RuntimeError("this plugin is broken on purpose")\n')
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make_site(tmp_path_factory.mktemp("cli"))


@pytest.fixture
def env(site: Path, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VOICEKIT_", "FAKEVENDOR_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(TESTS), env.get("PYTHONPATH", "")])
    env["VOICEKIT_KEY_FILE"] = str(tmp_path / "config" / "keys.json")
    return env


def voicekit(env: dict[str, str], *args: str, stdin: str | bytes | None = None,
             timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run([sys.executable, "-m", "voicekit_core.cli", *args], env=env,
                          input=data, capture_output=True, timeout=timeout)


def text(result: subprocess.CompletedProcess[bytes]) -> str:
    return result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace")


@pytest.fixture
def fake(env: dict[str, str]) -> Iterator[tuple[FakeEmulator, dict[str, str]]]:
    with FakeEmulator() as emu:
        env = dict(env, FAKEVENDOR_BASE_URL=emu.url, FAKEVENDOR_API_KEY=SECRET)
        yield emu, env


# -- start-up --------------------------------------------------------------------------------


PROBE = textwrap.dedent("""\
    import contextlib, io, json, sys
    from voicekit_core.cli import main
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(sys.argv[1:])
    plugins = sorted(m for m in sys.modules
                     if m.startswith("voicekit_") and not m.startswith("voicekit_core")
                     or m in ("fakevendor", "vk_fake_entry", "vk_broken_entry"))
    heavy = sorted(m for m in ("requests", "websocket", "stamina", "urllib3", "tqdm")
                   if m in sys.modules)
    print(json.dumps({"code": code, "plugins": plugins, "heavy": heavy}))
    """)


def _probe(env: dict[str, str], *argv: str) -> dict[str, object]:
    result = subprocess.run([sys.executable, "-c", PROBE, *argv], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


@pytest.mark.parametrize("argv", [["--help"], [], ["--version"]])
def test_help_imports_no_plugin(env: dict[str, str], argv: list[str]) -> None:
    probe = _probe(env, *argv)
    assert probe["code"] == 0
    assert probe["plugins"] == []
    assert probe["heavy"] == []


def test_providers_imports_no_provider_module(env: dict[str, str]) -> None:
    probe = _probe(env, "providers")
    assert probe["code"] == 0
    plugins = probe["plugins"]
    assert isinstance(plugins, list)
    assert not [m for m in plugins if m.endswith(".provider") or m == "fakevendor"]


def test_help_mentions_lazy_plugin_commands(env: dict[str, str]) -> None:
    out = voicekit(env, "--help")
    assert out.returncode == 0
    assert "loaded only when a command runs" in " ".join(out.stdout.decode().split())


# -- providers -------------------------------------------------------------------------------


@needs_espeak
def test_providers_json_lists_espeak_capabilities(env: dict[str, str]) -> None:
    out = voicekit(env, "providers", "--json")
    assert out.returncode == 0, out.stderr
    rows = {r["name"]: r for r in json.loads(out.stdout)}
    assert rows["espeak"]["capabilities"] == ["ListVoices", "Synthesize", "StreamSynthesize"]
    assert rows["espeak"]["distribution"] == "voicekit-espeak"
    assert rows["espeak"]["credentials"] == {} and rows["espeak"]["configured"] is True


def test_broken_plugin_is_reported_and_others_still_list(env: dict[str, str]) -> None:
    out = voicekit(env, "providers", "--json")
    assert out.returncode == 0, out.stderr
    names = [r["name"] for r in json.loads(out.stdout)]
    assert "fakevendor" in names and "broken" not in names
    assert b"providers --errors" in out.stderr
    errors = voicekit(env, "providers", "--errors")
    assert errors.returncode == 0
    assert b"broken" in errors.stdout and b"broken on purpose" in errors.stdout
    as_json = json.loads(voicekit(env, "providers", "--errors", "--json").stdout)
    assert [(e["plugin"], e["distribution"]) for e in as_json] == [
        ("broken", "vk-cli-test-plugins")]


def test_providers_table_shows_credential_state_not_values(env: dict[str, str]) -> None:
    missing = voicekit(env, "providers")
    assert missing.returncode == 0
    line = next(x for x in missing.stdout.decode().splitlines() if x.startswith("fakevendor"))
    assert "missing FAKEVENDOR_API_KEY" in line
    keyed = voicekit(dict(env, FAKEVENDOR_API_KEY=SECRET), "providers")
    line = next(x for x in keyed.stdout.decode().splitlines() if x.startswith("fakevendor"))
    assert line.endswith("base URL missing")  # no default host: it must be configured too
    configured = voicekit(dict(env, FAKEVENDOR_API_KEY=SECRET,
                               FAKEVENDOR_BASE_URL="http://127.0.0.1:9"), "providers")
    line = next(x for x in configured.stdout.decode().splitlines()
                if x.startswith("fakevendor"))
    assert line.endswith("configured") and "vk-cli-test-plugins" in line
    assert SECRET not in text(configured)


def test_load_plugins_env_limits_loading(env: dict[str, str]) -> None:
    out = voicekit(dict(env, VOICEKIT_LOAD_PLUGINS="fakevendor"), "providers", "--json")
    assert [r["name"] for r in json.loads(out.stdout)] == ["fakevendor"]
    assert b"--errors" not in out.stderr


# -- plugin commands -------------------------------------------------------------------------


def test_plugin_commands_run_and_cannot_replace_core_ones(env: dict[str, str]) -> None:
    out = voicekit(env, "fake", "hello", "--who", "you")
    assert out.returncode == 0, out.stderr
    assert out.stdout == b"hello from you\n"
    out = voicekit(env, "twin", "hello")
    assert out.stdout == b"hello from twin\n"
    helped = voicekit(env, "twin", "--help")
    assert b"create" in helped.stdout and b"hello" in helped.stdout
    # `say` stays the core command
    said = voicekit(dict(env, VOICEKIT_LOAD_PLUGINS="fakevendor"), "say", "x", "--help")
    assert b"--stream" in said.stdout


def test_usage_errors_exit_2(env: dict[str, str]) -> None:
    out = voicekit(env, "no-such-command")
    assert out.returncode == 2
    out = voicekit(env, "voices")
    assert out.returncode == 2 and b"provider" in out.stderr


# -- say -------------------------------------------------------------------------------------


@needs_espeak
def test_say_with_espeak_writes_speech(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "out" / "hello.wav"
    path.parent.mkdir()
    out = voicekit(env, "say", "Hello from voicekit", "-o", str(path))
    assert out.returncode == 0, out.stderr
    with wave.open(str(path)) as w:
        rate, frames = w.getframerate(), w.getnframes()
        pcm = w.readframes(frames)
    assert rate > 8000 and frames / rate > 0.5
    assert max(abs(int.from_bytes(pcm[i:i + 2], "little", signed=True))
               for i in range(0, len(pcm), 2)) > 1000
    assert [p.name for p in path.parent.iterdir()] == ["hello.wav"]  # no temp file left
    umask = os.umask(0o022)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # not the temp file's 0600


@needs_espeak
def test_say_writes_to_a_pipe_and_reads_stdin(env: dict[str, str]) -> None:
    out = voicekit(env, "say", "-", "--stream", stdin="Standard input.\n")
    assert out.returncode == 0, out.stderr
    assert out.stdout[:4] == b"RIFF" and len(out.stdout) > 10_000


def test_say_refuses_to_write_audio_to_a_terminal(env: dict[str, str]) -> None:
    import pty

    leader, follower = pty.openpty()
    try:
        out = subprocess.run([sys.executable, "-m", "voicekit_core.cli", "say", "Hello"],
                             env=dict(env, VOICEKIT_LOAD_PLUGINS="fakevendor"),
                             stdout=follower, stderr=subprocess.PIPE, timeout=60)
    finally:
        os.close(follower)
        os.close(leader)
    assert out.returncode == 1
    assert b"refusing to write audio to a terminal" in out.stderr


@needs_espeak
def test_say_format_follows_the_output_suffix(env: dict[str, str], tmp_path: Path) -> None:
    # espeak speaks WAV or PCM only: its WAV is converted (the convert extra), never renamed
    out = voicekit(env, "say", "Hello", "-o", str(tmp_path / "hello.mp3"))
    if importlib.util.find_spec("soundfile") is None:
        assert out.returncode == 1 and b"voicekit-core[convert]" in out.stderr
        assert not (tmp_path / "hello.mp3").exists()
    else:
        assert out.returncode == 0, out.stderr
        assert (tmp_path / "hello.mp3").read_bytes()[:4] != b"RIFF"
    out = voicekit(env, "say", "Hello", "-o", str(tmp_path / "other.mp3"), "--format", "wav")
    assert out.returncode == 1 and b"contradicts" in out.stderr
    assert not (tmp_path / "other.mp3").exists()


def test_say_bad_stdin_is_a_clear_error(env: dict[str, str]) -> None:
    out = voicekit(dict(env, VOICEKIT_LOAD_PLUGINS="fakevendor"), "say", "-",
                   stdin=b"\xff\xfe bad")
    assert out.returncode == 1
    assert b"UTF-8" in out.stderr and b"Traceback" not in out.stderr


def test_say_through_a_vendor_keeps_the_secret_out_of_output(
        fake: tuple[FakeEmulator, dict[str, str]], tmp_path: Path) -> None:
    emu, env = fake
    out = voicekit(env, "say", "Hello", "-p", "fakevendor", "-v", "v1", "-o",
                   str(tmp_path / "a.wav"))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "a.wav").read_bytes()[:4] == b"RIFF"
    assert emu.requests("POST", "/tts")
    assert SECRET not in text(out)


def test_say_without_a_voice_uses_the_first_listed_one(
        fake: tuple[FakeEmulator, dict[str, str]], tmp_path: Path) -> None:
    emu, env = fake
    out = voicekit(env, "say", "Hello", "-p", "fakevendor", "-o", str(tmp_path / "a.wav"))
    assert out.returncode == 0, out.stderr
    assert b"voice v1 (One); choose one with -v" in out.stderr
    assert emu.tts_voices == ["v1"]


# -- vendor commands against the fake emulator ----------------------------------------------


def test_voices_balance_clone_as_json(fake: tuple[FakeEmulator, dict[str, str]],
                                      tmp_path: Path) -> None:
    emu, env = fake
    voices = voicekit(env, "voices", "fakevendor", "--json", "--limit", "1")
    assert voices.returncode == 0, voices.stderr
    assert [v["id"] for v in json.loads(voices.stdout)] == ["v1"]
    table = voicekit(env, "voices", "fakevendor")
    assert b"v2" in table.stdout and b"Two" in table.stdout
    balance = voicekit(env, "balance", "-p", "fakevendor", "--json")
    assert json.loads(balance.stdout)["credits"] == emu.ledger.balance
    sample = tmp_path / "me.wav"
    sample.write_bytes(tone_wav(1.0))
    clone = voicekit(env, "clone", str(sample), "-p", "fakevendor", "--name", "me",
                     "--no-wait", "--json")
    assert clone.returncode == 0, clone.stderr
    ref = json.loads(clone.stdout)["job"]
    assert ref == "fakevendor:clone:c1"
    emu.clock.advance(60)  # the emulator finishes the clone
    waited = voicekit(env, "jobs", "wait", ref, "--json")
    assert waited.returncode == 0, waited.stderr
    assert json.loads(waited.stdout)["id"] == "c1"
    for result in (voices, table, balance, clone, waited):
        assert SECRET not in text(result)


def test_jobs_wait_timeout_says_how_to_resume(fake: tuple[FakeEmulator, dict[str, str]],
                                              tmp_path: Path) -> None:
    emu, env = fake
    with vk.connect("fakevendor", **emu.connect_options()) as p:
        job = p.clone_voice(tone_wav(1.0), name="later")  # type: ignore[attr-defined]
    out = voicekit(env, "jobs", "wait", str(job.to_ref()), "--timeout", "0.05")
    assert out.returncode == 1
    assert b"voicekit jobs wait fakevendor:clone:" in out.stderr
    assert b"Traceback" not in out.stderr


def test_ctrl_c_stops_waiting_and_says_how_to_resume(
        fake: tuple[FakeEmulator, dict[str, str]]) -> None:
    emu, env = fake
    with vk.connect("fakevendor", **emu.connect_options()) as p:
        job = p.clone_voice(tone_wav(1.0), name="later")  # type: ignore[attr-defined]
    proc = subprocess.Popen([sys.executable, "-m", "voicekit_core.cli", "jobs", "wait",
                             str(job.to_ref()), "-o", "my voice.json"],
                            env=dict(env, VOICEKIT_LOAD_PLUGINS="fakevendor"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()  # the job's state as the wait starts
        assert first == "clone c1: processing\n"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    # pasted into a shell as printed, it resumes the same command, -o included
    assert "voicekit jobs wait fakevendor:clone:c1 -o 'my voice.json'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("ref, message", [
    ("not-a-ref", b"expected provider:kind:id"),
    ("nosuchvendor:dub:1", b"nosuchvendor"),
    ("fakevendor:dub:1", b"no jobs of kind 'dub'"),
])
def test_jobs_wait_bad_ref_is_a_clear_error(fake: tuple[FakeEmulator, dict[str, str]],
                                            ref: str, message: bytes) -> None:
    _, env = fake
    env = dict(env, VOICEKIT_LOAD_PLUGINS="fakevendor")
    out = voicekit(env, "jobs", "wait", ref)
    assert out.returncode == 1
    assert message in out.stderr and b"Traceback" not in out.stderr
    assert out.stderr.count(b"\n") == 1


def test_wrong_key_is_one_line_and_never_echoed(fake: tuple[FakeEmulator, dict[str, str]]
                                                ) -> None:
    _, env = fake
    wrong = "fk-wrong-key-that-must-not-leak"
    out = voicekit(dict(env, FAKEVENDOR_API_KEY=wrong, VOICEKIT_LOAD_PLUGINS="fakevendor"),
                   "balance", "-p", "fakevendor")
    assert out.returncode == 1
    assert b"Traceback" not in out.stderr and out.stderr.count(b"\n") == 1
    assert wrong not in text(out) and SECRET not in text(out)


def test_capability_a_provider_lacks(fake: tuple[FakeEmulator, dict[str, str]],
                                     tmp_path: Path) -> None:
    _, env = fake
    out = voicekit(env, "dub", str(tmp_path / "x.mp3"), "-p", "fakevendor", "-v", "v1")
    assert out.returncode == 1
    assert b"does not support Dub" in out.stderr


# -- generic capability commands, through a local provider ---------------------------------


def test_convert_writes_the_output(env: dict[str, str], tmp_path: Path) -> None:
    env = dict(env, VOICEKIT_LOAD_PLUGINS="localfake,fakevendor")
    source = tmp_path / "in.wav"
    source.write_bytes(tone_wav(0.5))
    out = voicekit(env, "convert", str(source), "-v", "x", "-o", str(tmp_path / "out.wav"))
    assert out.returncode == 0, out.stderr  # -p left out: localfake is the only converter
    assert (tmp_path / "out.wav").read_bytes() == source.read_bytes()


def test_dub_uploads_waits_downloads_with_progress_lines(env: dict[str, str],
                                                         tmp_path: Path) -> None:
    source = tmp_path / "song.wav"
    source.write_bytes(tone_wav(0.5))
    target = tmp_path / "dubbed.bin"
    out = voicekit(env, "dub", str(source), "-p", "localfake", "-v", "v9", "--pitch-shift",
                   "-2", "--max-credits", "10", "-o", str(target))
    assert out.returncode == 0, out.stderr
    assert target.read_bytes() == b"local://v9_-2"
    lines = out.stderr.decode().splitlines()
    assert "upload: 100% of 21.6 KiB" in lines
    assert "dub v9_-2: queued" in lines and "dub v9_-2: done 100%" in lines
    assert f"saved {target}" in lines


def test_dub_over_budget_sends_nothing(env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "song.wav"
    source.write_bytes(tone_wav(0.5))
    out = voicekit(env, "dub", str(source), "-p", "localfake", "-v", "v9", "--max-credits",
                   "5")
    assert out.returncode == 1
    assert b"over --max-credits 5; nothing was sent" in out.stderr


def test_no_wait_then_jobs_wait(env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "song.wav"
    source.write_bytes(tone_wav(0.5))
    started = voicekit(env, "dub", str(source), "-p", "localfake", "-v", "v1", "--no-wait")
    ref = started.stdout.decode().strip()
    assert ref == "localfake:dub:v1_0"
    waited = voicekit(env, "jobs", "wait", ref, "-o", str(tmp_path / "r.bin"), "--json")
    assert waited.returncode == 0, waited.stderr
    assert json.loads(waited.stdout) == {"url": "local://v1_0", "duration": 1.0,
                                         "saved": str(tmp_path / "r.bin")}


def test_twin_create(env: dict[str, str]) -> None:
    out = voicekit(env, "twin", "create", "-p", "localfake", "--name", "robin", "--video-url",
                   "https://example.com/v.mp4", "--image-url", "https://example.com/1.png",
                   "--image", "https://example.com/2.png", "--language", "fr", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"id": "robin-2-fr", "name": "robin"}
    assert "twin robin-2-fr: training 50%" in out.stderr.decode()


def test_capability_commands_need_p_when_ambiguous(env: dict[str, str]) -> None:
    out = voicekit(env, "balance")  # fakevendor has Balance; other installed ones may too
    if b"several providers" in out.stderr:
        assert b"choose one with -p" in out.stderr
    out = voicekit(dict(env, VOICEKIT_LOAD_PLUGINS="fakevendor"), "convert", "x.wav", "-v",
                   "v", "-o", "y.wav")
    assert out.returncode == 1 and b"no installed provider supports ConvertVoice" in out.stderr


# -- keys ------------------------------------------------------------------------------------


def test_keys_set_list_path(env: dict[str, str], tmp_path: Path) -> None:
    key_file = Path(env["VOICEKIT_KEY_FILE"])
    path = voicekit(env, "keys", "path")
    assert path.stdout.decode().strip() == str(key_file)
    # fakevendor has no default host: its base URL is asked for (and stored) with the key
    out = voicekit(env, "keys", "set", "fakevendor", stdin=SECRET + "\nhttp://127.0.0.1:9\n")
    assert out.returncode == 0, out.stderr
    assert SECRET not in text(out)
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert json.loads(key_file.read_text()) == {"fakevendor": {
        "FAKEVENDOR_API_KEY": SECRET, "FAKEVENDOR_BASE_URL": "http://127.0.0.1:9"}}
    listed = voicekit(env, "keys", "list")
    assert b"FAKEVENDOR_API_KEY" in listed.stdout and SECRET not in text(listed)
    listed_json = json.loads(voicekit(env, "keys", "list", "--json").stdout)
    assert listed_json == [{"provider": "fakevendor", "name": "FAKEVENDOR_API_KEY",
                            "value": "********"},
                           {"provider": "fakevendor", "name": "FAKEVENDOR_BASE_URL",
                            "value": "http://127.0.0.1:9"}]
    # the stored key is used and shown as configured
    providers = voicekit(env, "providers")
    line = next(x for x in providers.stdout.decode().splitlines()
                if x.startswith("fakevendor"))
    assert line.endswith("configured")


def test_keys_set_refuses_unknown_variable_and_empty_value(env: dict[str, str]) -> None:
    out = voicekit(env, "keys", "set", "fakevendor", "OTHER_KEY", stdin="x\n")
    assert out.returncode == 1 and b"FAKEVENDOR_API_KEY" in out.stderr
    out = voicekit(env, "keys", "set", "fakevendor", stdin="\n")
    assert out.returncode == 1 and b"no value" in out.stderr
    assert not Path(env["VOICEKIT_KEY_FILE"]).exists()


def test_stored_key_reaches_the_vendor(fake: tuple[FakeEmulator, dict[str, str]]) -> None:
    _emu, env = fake
    env = {k: v for k, v in env.items() if k != "FAKEVENDOR_API_KEY"}
    assert voicekit(env, "keys", "set", "fakevendor", "FAKEVENDOR_API_KEY",
                    stdin=SECRET).returncode == 0
    out = voicekit(env, "balance", "-p", "fakevendor")
    assert out.returncode == 0, out.stderr
    assert SECRET not in text(out)


# -- emulate ---------------------------------------------------------------------------------


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_emulate_serves_until_interrupted(env: dict[str, str], stop: int) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "voicekit_core.cli", "emulate",
                             "fakevendor", "--port", "0"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(6)]
        url = lines[0].split(": ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:")
        assert lines[1].startswith("storage origin: http://127.0.0.1:")
        assert f"export FAKEVENDOR_BASE_URL={url}" in "".join(lines)
        assert f"export FAKEVENDOR_API_KEY={SECRET}" in "".join(lines)
        answer = requests.get(url + "/voices", headers={"X-Api-Key": SECRET}, timeout=10)
        assert answer.status_code == 200 and answer.json()["voices"]
    finally:
        proc.send_signal(stop)
        try:
            proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0


@pytest.mark.parametrize("port", ["busy", "99999"])
def test_emulate_on_a_busy_or_invalid_port_says_so(env: dict[str, str], port: str) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        number = str(busy.getsockname()[1]) if port == "busy" else port
        out = voicekit(env, "emulate", "fakevendor", "--port", number)
    assert out.returncode != 0 and b"Traceback" not in out.stderr
    assert b"please report" not in out.stderr
    assert (b"in use" if port == "busy" else b"0..65535") in out.stderr


def test_emulate_needs_an_emulator(env: dict[str, str]) -> None:
    if not HAS_ESPEAK:
        pytest.skip("voicekit-espeak is not installed")
    out = voicekit(env, "emulate", "espeak")
    assert out.returncode == 1 and b"no emulator" in out.stderr
