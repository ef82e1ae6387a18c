"""Issue 14, "tried as a new user would": the CLI refuses what would waste money, before it
spends; paid results are never lost nor written in the wrong format.

Driven in-process (``main(argv)``) against the speechgen and voicedub emulators over
loopback; connection settings come from the environment, as a user would set them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from voicekit_core.audio import check_target
from voicekit_core.cli import main
from voicekit_core.errors import InvalidInput
from voicekit_core.models import Audio

speechgen_emulator = pytest.importorskip("voicekit_speechgen.emulator")


@pytest.fixture
def speechgen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[object]:
    with speechgen_emulator.SpeechgenEmulator() as emu:
        monkeypatch.setenv("SPEECHGEN_BASE_URL", emu.url)
        monkeypatch.setenv("SPEECHGEN_API_KEY", emu.credentials["api_key"])
        monkeypatch.setenv("VOICEKIT_KEY_FILE", str(tmp_path / "keys.json"))
        yield emu


def _say(*extra: str) -> list[str]:
    return ["say", "Hello there", "-p", "speechgen", "-v", "en-US-aria", *extra]


def _spent(emu: object) -> float:
    return float(emu.ledger.spent)  # type: ignore[attr-defined]


@pytest.mark.parametrize("target", ["missing/out.wav", "adir", "locked/out.wav"])
def test_say_checks_the_output_before_any_request(
        speechgen: object, tmp_path: Path, target: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "adir").mkdir()
    (tmp_path / "locked").mkdir(mode=0o500)
    if target.startswith("locked") and os.access(tmp_path / "locked", os.W_OK):
        pytest.skip("running as a user who may write anywhere (root)")
    assert main(_say("-o", str(tmp_path / target))) == 1
    err = capsys.readouterr().err
    assert str(tmp_path / target) in err and "nothing was sent" in err
    assert "Traceback" not in err
    assert speechgen.requests() == []  # type: ignore[attr-defined]
    assert _spent(speechgen) == 0


def test_audio_save_names_the_path_never_a_raw_oserror(tmp_path: Path) -> None:
    audio = Audio(data=b"RIFF" + b"\0" * 40, format="wav")
    with pytest.raises(InvalidInput, match="does not exist") as caught:
        audio.save(tmp_path / "nope" / "a.wav")
    assert str(tmp_path / "nope") in caught.value.message
    with pytest.raises(InvalidInput, match="folder"):
        audio.save(tmp_path)
    with pytest.raises(InvalidInput):
        check_target("")


@pytest.mark.parametrize("argv, words", [
    (["-o", "hi.txt"], ".txt is not an audio file suffix"),
    (["-o", "hi.mp3", "--format", "wav"], "contradicts"),
])
def test_say_never_writes_the_wrong_format(
        speechgen: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], argv: list[str], words: str) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(_say(*argv)) == 1
    assert words in capsys.readouterr().err
    assert speechgen.requests("POST") == []  # type: ignore[attr-defined]
    assert list(tmp_path.glob("hi.*")) == []


def test_say_a_format_the_vendor_cannot_make_is_converted_or_refused_before_spending(
        speechgen: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """speechgen makes mp3/wav/ogg: flac is converted from its default (issue 13), or,
    without the convert extra, refused before any request."""
    import sys

    pytest.importorskip("soundfile")
    assert main(_say("-o", str(tmp_path / "hi.flac"))) == 0
    assert (tmp_path / "hi.flac").read_bytes()[:4] == b"fLaC"
    sent = len(speechgen.requests("POST"))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "soundfile", None)
    assert main(_say("-o", str(tmp_path / "no.flac"))) == 1
    assert "voicekit-core[convert]" in capsys.readouterr().err
    assert len(speechgen.requests("POST")) == sent  # type: ignore[attr-defined]
    assert not (tmp_path / "no.flac").exists()


def test_say_suffix_asks_for_that_format(speechgen: object, tmp_path: Path) -> None:
    assert main(_say("-o", str(tmp_path / "hi.ogg"))) == 0
    assert (tmp_path / "hi.ogg").read_bytes()[:4] == b"OggS"


def test_max_credits_on_say_refuses_before_spending(
        speechgen: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_say("-o", str(tmp_path / "hi.wav"), "--max-credits", "0")) == 1
    assert "credit" in capsys.readouterr().err.lower()
    assert speechgen.requests("POST") == [] and _spent(speechgen) == 0  # type: ignore[attr-defined]
    assert not (tmp_path / "hi.wav").exists()
    assert main(_say("-o", str(tmp_path / "hi.wav"), "--max-credits", "1000")) == 0
    assert (tmp_path / "hi.wav").exists() and _spent(speechgen) > 0


def test_max_credits_on_clone(speechgen: object, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    from voicekit_core.testing.media import tone_wav

    sample = tmp_path / "me.wav"
    sample.write_bytes(tone_wav(seconds=12.0))
    # speechgen's clone spends nothing it can price: a limit it cannot honour is refused
    assert main(["clone", str(sample), "-p", "speechgen", "--name", "me",
                 "--max-credits", "0"]) == 1
    assert "--max-credits" in capsys.readouterr().err
    assert speechgen.requests("POST") == []  # type: ignore[attr-defined]


def test_say_stream_with_a_vendor_that_cannot_stream_goes_sentence_by_sentence(
        speechgen: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # issue 13: speechgen cannot stream; --stream speaks it through the stream adapter
    assert main(["say", "One. Two.", "-p", "speechgen", "-v", "en-US-aria", "--stream",
                 "-o", str(tmp_path / "a.wav")]) == 0
    assert (tmp_path / "a.wav").read_bytes()[:4] == b"RIFF"
    assert len(speechgen.requests("POST")) == 2  # type: ignore[attr-defined]


def test_provider_typo_suggests_the_installed_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["voices", "speechgne"]) == 1
    assert "did you mean 'speechgen'" in capsys.readouterr().err


def test_unreachable_server_is_one_clear_line(
        voicekit_fast_retries: None, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on (bound, never listening)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        monkeypatch.setenv("SPEECHGEN_BASE_URL", f"http://127.0.0.1:{port}/v1")
        monkeypatch.setenv("SPEECHGEN_API_KEY", "sk_test_" + "k" * 24)
        caplog.set_level("WARNING")
        assert main(["voices", "speechgen"]) == 1
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port}" in err and "refused" in err
    assert [r for r in caplog.records if r.name.startswith(("stamina", "voicekit"))] == []


beautyface_emulator = pytest.importorskip("voicekit_beautyface.emulator")


@pytest.fixture
def beautyface(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[object]:
    for name in ("BEAUTYFACE_BASE_URL", "BEAUTYFACE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VOICEKIT_KEY_FILE", str(tmp_path / "keys.json"))
    with beautyface_emulator.BeautyfaceEmulator() as emu:
        yield emu


def _providers_row(capsys: pytest.CaptureFixture[str], name: str) -> str:
    capsys.readouterr()
    assert main(["providers"]) == 0
    return next(line for line in capsys.readouterr().out.splitlines()
                if line.startswith(name + " "))


def test_base_url_is_stored_with_the_key_and_reported(
        beautyface: object, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import io
    import sys

    assert "base URL missing" in _providers_row(capsys, "beautyface")
    assert main(["voices", "beautyface"]) == 1
    assert "voicekit keys set beautyface" in capsys.readouterr().err
    key = beautyface.credentials["api_key"]  # type: ignore[attr-defined]
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{key}\n{beautyface.url}\n"))  # type: ignore[attr-defined]
    assert main(["keys", "set", "beautyface"]) == 0
    assert "configured" in _providers_row(capsys, "beautyface")
    assert main(["keys", "list"]) == 0
    listed = capsys.readouterr().out
    assert beautyface.url in listed and key not in listed  # type: ignore[attr-defined]
    assert main(["voices", "beautyface", "--limit", "1"]) == 0


def test_base_url_option_and_where_a_refused_key_came_from(
        beautyface: object, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from voicekit_core.credentials import store_key

    store_key("beautyface", "BEAUTYFACE_API_KEY", "bf-wrong-key-0000000000")
    url = beautyface.url  # type: ignore[attr-defined]
    assert main(["voices", "beautyface", "--base-url", url]) == 1
    err = capsys.readouterr().err
    assert "key file" in err and "bf-wrong-key" not in err
    monkeypatch.setenv("BEAUTYFACE_API_KEY", "bf-also-wrong-00000000000")
    assert main(["voices", "beautyface", "--base-url", url]) == 1
    assert "environment variable BEAUTYFACE_API_KEY" in capsys.readouterr().err


@pytest.mark.parametrize("message, provider, cli_form", [
    ("espeak has no voice 'x': see list_voices() or `voicekit voices espeak`", "espeak",
     "espeak has no voice 'x': see `voicekit voices espeak`"),
    ('voice 35 is a text-to-speech voice (list conversion voices with list_voices(kind="vc"))',
     "gemelo", "`voicekit voices gemelo --kind vc`"),
    ("x needs X_API_KEY: pass it to connect(), set the environment variable, or store it",
     "x", "x needs X_API_KEY: set the environment variable, or store it"),
    ("max_credits=5 cannot be honoured (leave max_credits out)", "gemelo",
     "--max-credits 5 cannot be honoured (leave --max-credits out)"),
    ("pass ids=[...] (e.g. from clone_voice() results) or use get_voice(id)", "voicedub",
     "use the voice ids `voicekit clone` printed"),
])
def test_cli_errors_give_cli_advice(message: str, provider: str, cli_form: str) -> None:
    from voicekit_core.cli_advice import for_cli

    rewritten = for_cli(message, provider)
    assert cli_form in rewritten and "()" not in rewritten and "=[" not in rewritten


gemelo_emulator = pytest.importorskip("voicekit_gemelo.emulator")


def test_convert_with_a_speech_voice_says_it_is_not_a_conversion_voice(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from voicekit_core.testing.media import tone_wav

    sample = tmp_path / "in.wav"
    sample.write_bytes(tone_wav(seconds=1.0))
    with gemelo_emulator.GemeloEmulator() as emu:
        monkeypatch.setenv("GEMELO_BASE_URL", emu.url)
        for option, value in emu.credentials.items():
            monkeypatch.setenv(f"GEMELO_{option.upper()}", value)
        assert main(["convert", str(sample), "-p", "gemelo", "-v", "35",
                     "-o", str(tmp_path / "out.wav")]) == 1
        assert emu.requests("POST") == []
    err = capsys.readouterr().err
    assert "not a conversion voice" in err and "`voicekit voices gemelo --kind vc`" in err
    assert not (tmp_path / "out.wav").exists()


def test_synthesize_to_a_path_checks_it_first_and_writes_atomically(
        speechgen: object, tmp_path: Path) -> None:
    import voicekit_core as vk

    with vk.connect("speechgen") as provider:
        with pytest.raises(InvalidInput, match="does not exist") as caught:
            provider.synthesize("Hello", voice="en-US-aria", to=tmp_path / "no" / "a.wav")
        assert caught.value.field == "to"
        assert speechgen.requests("POST") == []  # type: ignore[attr-defined]
        audio = provider.synthesize("Hello", voice="en-US-aria", format="wav",
                                    to=tmp_path / "a.wav")
    assert (tmp_path / "a.wav").read_bytes() == audio.data
    assert [p.name for p in tmp_path.iterdir()] == ["a.wav"]  # no temporary file left


def test_a_stream_to_a_path_is_written_as_it_arrives(tmp_path: Path) -> None:
    import voicekit_core as vk

    if "espeak" not in [i.name for i in vk.providers()]:
        pytest.skip("voicekit-espeak is not installed")
    with vk.connect("espeak") as espeak:
        stream = espeak.stream_synthesize("Hello there", to=tmp_path / "s.wav")
    data = (tmp_path / "s.wav").read_bytes()
    assert data[:4] == b"RIFF" and stream.received_bytes > 44
    assert list(stream) == []  # consumed by the save


def test_a_closed_pipe_ends_quietly_with_success(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = dict(os.environ, VOICEKIT_KEY_FILE=str(tmp_path / "keys.json"))
    reader = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.buffer.read(1)"],
                              stdin=subprocess.PIPE)
    assert reader.stdin is not None
    writer = subprocess.run(  # more text than a pipe buffer holds: the write must break
        [sys.executable, "-m", "voicekit_core.cli", "say", "Hello there. " * 400,
         "-p", "espeak", "--stream"], stdout=reader.stdin, stderr=subprocess.PIPE, env=env,
        timeout=120, check=False)
    reader.stdin.close()
    reader.wait(timeout=30)
    if b"espeak" in writer.stderr and b"not installed" in writer.stderr:
        pytest.skip("voicekit-espeak is not installed")
    assert writer.returncode == 0 and writer.stderr == b""


def test_beautyface_voices_show_their_language_tags(
        beautyface: object, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BEAUTYFACE_BASE_URL", beautyface.url)  # type: ignore[attr-defined]
    monkeypatch.setenv("BEAUTYFACE_API_KEY", beautyface.credentials["api_key"])  # type: ignore[attr-defined]
    assert main(["voices", "beautyface", "--json"]) == 0
    import json

    voices = {v["name"]: v for v in json.loads(capsys.readouterr().out)}
    assert voices["Klaus"]["languages"] == ["de"]  # tagged ["male", "de"]


def test_json_dates_are_iso_and_credits_print_whole() -> None:
    import datetime as dt

    from voicekit_core.cli_output import amount, describe
    from voicekit_core.models import Balance

    when = dt.datetime(2026, 12, 3, 13, 9, 28, tzinfo=dt.timezone.utc)
    view = describe(Balance(credits=1234567.0, resets_at=when))
    assert view["resets_at"] == "2026-12-03T13:09:28+00:00"
    assert amount(1234567.0) == "1234567" and amount(12.5) == "12.5"
    assert amount(0.1 + 0.2) == "0.3"


def test_a_long_first_delay_says_when_the_first_look_is() -> None:
    import io

    from voicekit_core.cli_output import Progress

    out = io.StringIO()
    with Progress("twin t1", stream=out) as progress:
        progress.waiting(30.0, "queued")
        progress.waiting(0.25, "queued")  # a quick first look: nothing to say
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and "queued; waiting until " in lines[0]


def test_say_picks_the_only_installed_speaking_provider(speechgen: object,
                                                         tmp_path: Path) -> None:
    import subprocess
    import sys

    env = dict(os.environ, VOICEKIT_LOAD_PLUGINS="speechgen",
               VOICEKIT_CACHE_DIR=str(tmp_path / "cache"))
    run = subprocess.run([sys.executable, "-m", "voicekit_core.cli", "say", "Hello",
                          "-o", str(tmp_path / "hi.wav")], env=env, capture_output=True,
                         timeout=60, check=False)
    assert run.returncode == 0, run.stderr  # the same rule as clone/convert: no -p needed
    assert b"speaking with speechgen voice" in run.stderr
    assert (tmp_path / "hi.wav").read_bytes()[:4] == b"RIFF"


def test_a_paid_result_is_never_lost_nor_written_in_the_wrong_format(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from voicekit_core.cli_checks import save_paid_audio

    mp3 = Audio(data=b"ID3" + b"\0" * 64, format="mp3")
    saved = save_paid_audio(mp3, str(tmp_path / "hi.wav"), "wav")  # the vendor sent mp3
    assert saved == tmp_path / "hi.mp3" and saved.read_bytes() == mp3.data
    assert not (tmp_path / "hi.wav").exists()
    assert "writing" in capsys.readouterr().err
    rescued = save_paid_audio(mp3, str(tmp_path / "gone" / "hi.mp3"), "mp3")  # folder gone
    try:
        assert rescued.read_bytes() == mp3.data
        err = capsys.readouterr().err
        assert str(rescued) in err and "does not exist" in err
    finally:
        rescued.unlink()
