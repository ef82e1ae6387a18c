"""The model is loaded once per voice and shared; calls from many threads are safe; the
onnxruntime thread count is configurable; nothing touches the network."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from voicekit_piper.provider import PiperProvider

import voicekit_core as vk

TEXTS = ["Good morning.", "How are you today?", "I am fine, thank you!", "Bonjour."]


def test_one_model_per_voice_shared_by_providers(piper: PiperProvider, voices_dir: Path
                                                 ) -> None:
    other = vk.connect("piper", voices_dir=voices_dir, voice_packages=False)
    assert isinstance(other, PiperProvider)
    model = piper.model("en_US-tiny-low")
    assert other.model("en_US-tiny-low") is model
    assert piper.model("fr_FR-petit-low") is not model
    piper.synthesize("Hello.", voice="en-us")
    assert piper.model("en-us") is model


def test_threads_option(voices_dir: Path) -> None:
    one = vk.connect("piper", voices_dir=voices_dir, voice_packages=False, threads=1)
    two = vk.connect("piper", voices_dir=voices_dir, voice_packages=False, threads=2)
    assert isinstance(one, PiperProvider) and isinstance(two, PiperProvider)
    model_one, model_two = one.model("en-us"), two.model("en-us")
    assert model_one is not model_two  # a session per thread count
    assert model_one.session.get_session_options().intra_op_num_threads == 1
    assert model_two.session.get_session_options().intra_op_num_threads == 2
    assert one.synthesize("Hello.").data == two.synthesize("Hello.").data


@pytest.mark.parametrize("threads", [-1, 1.5, True, "2"])
def test_bad_threads(voices_dir: Path, threads: object) -> None:
    with pytest.raises(vk.ConfigurationError, match="threads") as info:
        vk.connect("piper", voices_dir=voices_dir, threads=threads)
    assert info.value.provider == "piper"


def test_concurrent_calls_give_the_same_audio_as_serial_ones(voices_dir: Path) -> None:
    provider = vk.connect("piper", voices_dir=voices_dir, voice_packages=False)
    assert isinstance(provider, PiperProvider)
    voices = ["en-us", "en-us", "en-us", "fr"]
    expected = [provider.synthesize(t, voice=v).data for t, v in zip(TEXTS, voices, strict=True)]
    fresh = vk.connect("piper", voices_dir=voices_dir, voice_packages=False)
    barrier = threading.Barrier(len(TEXTS) * 2, timeout=30)
    results: dict[int, bytes] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            barrier.wait()
            text, voice = TEXTS[i % 4], voices[i % 4]
            if i < 4:
                results[i] = fresh.synthesize(text, voice=voice).data  # type: ignore[attr-defined]
            else:
                with fresh.stream_synthesize(text, voice=voice) as stream:  # type: ignore[attr-defined]
                    results[i] = stream.read().data
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(TEXTS) * 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert [results[i] for i in range(8)] == expected + expected


def test_no_network_module_is_imported(voices_dir: Path, tmp_path: Path) -> None:
    """connect, list, synthesize and stream in a fresh process: requests, urllib3 and
    websocket-client are never imported (piper cannot reach the network)."""
    code = f"""
import json, sys
import voicekit_core as vk
p = vk.connect("piper", voices_dir={str(voices_dir)!r})
list(p.list_voices())
p.synthesize("Hello there.", voice="en-us")
with p.stream_synthesize("One. Two.", voice="fr") as s:
    s.read()
print(json.dumps([m for m in ("requests", "urllib3", "websocket", "http.client")
                  if m in sys.modules]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert json.loads(out.stdout) == []


def test_piper_and_espeak_share_libespeak_ng(voices_dir: Path) -> None:
    """Both plugins drive the one libespeak-ng of the process; with the shared lock, calls
    from both at once give what they give alone. Skips when voicekit-espeak is absent."""
    if "espeak" not in {info.name for info in vk.providers()}:
        pytest.skip("voicekit-espeak is not installed")
    espeak = vk.connect("espeak")
    piper = vk.connect("piper", voices_dir=voices_dir, voice_packages=False)
    piper_alone = piper.synthesize("Bonjour tout le monde.", voice="fr").data  # type: ignore[attr-defined]
    espeak_alone = espeak.synthesize("Hello there.", voice="en-us").duration  # type: ignore[attr-defined]
    barrier = threading.Barrier(8, timeout=30)
    results: list[tuple[str, object]] = []
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            barrier.wait()
            for _ in range(3):
                if i % 2:
                    results.append(("piper", piper.synthesize(  # type: ignore[attr-defined]
                        "Bonjour tout le monde.", voice="fr").data))
                else:
                    results.append(("espeak", espeak.synthesize(  # type: ignore[attr-defined]
                        "Hello there.", voice="en-us").duration))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors and len(results) == 24
    for name, value in results:
        if name == "piper":
            assert value == piper_alone
        else:  # espeak's lengths vary by a fraction of a percent between calls
            assert value == pytest.approx(espeak_alone, rel=0.05)
