"""Voice ids as voicekit prints them (``voices``, ``clone``) work as given (issue 14, item 5).

Gemelo needs a ``voiceType`` beside the integer id; a bare id is looked up: a system (or
VC) voice Gemelo lists, else one of the account's clones.
"""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from pathlib import Path

import pytest
from voicekit_gemelo.emulator import GemeloEmulator
from voicekit_gemelo.provider import GemeloProvider

import voicekit_core as vk
from voicekit_core.testing.media import tone_wav


def test_a_cloned_voice_id_as_listed_speaks_with_the_clone(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    voice = gemelo.clone_voice(tone_wav(1.0), name="Mine").wait()
    gemelo.synthesize("Hi", voice=voice.id)
    listed = next(v for v in gemelo.list_voices(kind="cloned") if v.name == "Mine")
    gemelo.synthesize("Hi", voice=listed.id)
    assert [b["voiceType"] for b in gemelo_emulator.convert_bodies] == ["cloned", "cloned"]
    assert {b["voiceId"] for b in gemelo_emulator.convert_bodies} == {int(voice.id)}
    with gemelo.stream_synthesize("Hi", voice=voice.id) as stream:
        assert stream.read().data
    assert gemelo_emulator.streams[-1].query["voiceType"] == "cloned"
    assert gemelo.convert_voice(tone_wav(0.3), voice=voice.id).data
    assert gemelo_emulator.requests("POST", "/v1/vc/convert")[-1].query == \
        f"voiceId={voice.id}&voiceType=cloned"


def test_a_system_voice_id_is_looked_up_once(gemelo: GemeloProvider,
                                             gemelo_emulator: GemeloEmulator) -> None:
    for _ in range(3):
        gemelo.synthesize("Hi", voice="35")
    assert len(gemelo_emulator.requests("GET", "/v1/tts/voices")) == 1
    assert gemelo_emulator.requests("GET", "/v1/cloned-voices") == []
    assert [b["voiceType"] for b in gemelo_emulator.convert_bodies] == ["system"] * 3


def test_a_clash_prefers_the_system_voice_and_prefixes_settle_it(
        gemelo: GemeloProvider, gemelo_emulator: GemeloEmulator) -> None:
    gemelo_emulator.cloned[35] = {"id": 35, "name": "Clone 35"}
    gemelo.synthesize("Hi", voice="35")
    gemelo.synthesize("Hi", voice="cloned:35")
    gemelo.synthesize("Hi", voice="35", voice_type="cloned")
    assert [b["voiceType"] for b in gemelo_emulator.convert_bodies] == [
        "system", "cloned", "cloned"]


def test_an_unknown_id_is_sent_as_a_system_voice(gemelo: GemeloProvider) -> None:
    with pytest.raises(vk.NotFound, match="Voice 999 \\(system\\)"):
        gemelo.synthesize("Hi", voice=999)


def test_cli_say_with_the_id_clone_printed(gemelo_emulator: GemeloEmulator,
                                           tmp_path: Path) -> None:
    env = {**os.environ, "GEMELO_BASE_URL": gemelo_emulator.url,
           "GEMELO_CLIENT_KEY": gemelo_emulator.credentials["client_key"],
           "GEMELO_API_KEY": gemelo_emulator.credentials["api_key"],
           "VOICEKIT_KEY_FILE": str(tmp_path / "keys.json")}
    sample = tmp_path / "me.wav"
    sample.write_bytes(tone_wav(1.0))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "voicekit_core.cli", *args], env=env,
                              capture_output=True, text=True, timeout=60)

    cloned = cli("clone", "-p", "gemelo", "--name", "Printed", str(sample))
    assert cloned.returncode == 0, cloned.stderr
    printed = cloned.stdout.split()[0]
    out = tmp_path / "said.wav"
    said = cli("say", "As printed", "-p", "gemelo", "-v", printed, "-o", str(out))
    assert said.returncode == 0, said.stderr
    assert gemelo_emulator.convert_bodies[-1] == {
        "voiceId": int(printed), "text": "As printed", "voiceType": "cloned"}
    with wave.open(str(out)) as w:
        assert w.getnframes() > 0
