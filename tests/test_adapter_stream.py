"""StreamAdapter: sentence-by-sentence streaming for any Synthesize provider."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fakevendor import FakeEmulator, FakeProvider
from gated import GatedProvider

import voicekit_core as vk
from voicekit_core.audio import parse_wav_header
from voicekit_core.models import Cost
from voicekit_core.testing.media import tone_pcm

TEXT = "Hello there. This is the second sentence. And a third one! Is that all? Yes."
SENTENCES = ["Hello there.", "This is the second sentence.", "And a third one!",
             "Is that all?", "Yes."]


def test_simplex_streams_one_header_then_every_sentence(provider: FakeProvider,
                                                        emulator: FakeEmulator) -> None:
    adapter = vk.adapters.stream(provider)
    assert isinstance(adapter, vk.StreamSynthesize) and adapter.name == "fakevendor"
    with adapter.stream_synthesize(TEXT, voice="v1") as stream:
        data = b"".join(stream)
    assert len(emulator.requests("POST", "/tts")) == len(SENTENCES)
    assert emulator.tts_voices == ["v1"] * len(SENTENCES)
    head = parse_wav_header(data)
    assert head.data_size is None  # streamed: sizes unknown until read()/save()
    assert data[44:] == tone_pcm(0.2) * len(SENTENCES)


def test_read_and_save_fix_the_wav_sizes(provider: FakeProvider, tmp_path: Any) -> None:
    adapter = vk.adapters.stream(provider)
    audio = adapter.stream_synthesize(TEXT, voice="v1").read()
    assert parse_wav_header(audio.data).data_size == len(audio.data) - 44
    path = adapter.stream_synthesize(TEXT, voice="v1").save(tmp_path / "s.wav")
    assert path.read_bytes() == audio.data


def test_the_next_sentence_is_requested_while_the_first_is_delivered() -> None:
    inner = GatedProvider()
    stream = vk.adapters.stream(inner).stream_synthesize(TEXT)
    # returned with the first sentence's audio ready; the next waits for it to be taken
    assert inner.texts == ["Hello there."]
    next(stream), next(stream)  # the header and the first sentence's audio
    assert stream.received_bytes == 44 + len(tone_pcm(0.1))
    next(stream)  # back for more: the second sentence (made after the first was taken)...
    assert inner.started[2].wait(5), "the third sentence was not pipelined"  # ...and ahead
    assert stream.received_bytes == 44 + 2 * len(tone_pcm(0.1))
    stream.close()


def test_the_first_sentence_error_is_raised_as_it_is() -> None:
    inner = GatedProvider(fail_on={"Hello there.": vk.AuthenticationError("bad key")})
    with pytest.raises(vk.AuthenticationError, match="bad key"):
        vk.adapters.stream(inner).stream_synthesize(TEXT)


def test_a_failure_in_the_middle_interrupts_with_the_bytes_received() -> None:
    cause = vk.ServerError("boom", status=500)
    inner = GatedProvider(fail_on={"And a third one!": cause})
    stream = vk.adapters.stream(inner).stream_synthesize(TEXT)
    received = []
    with pytest.raises(vk.StreamInterrupted) as err:
        for chunk in stream:
            received.append(chunk)
    assert err.value.received_bytes == sum(map(len, received)) == 44 + 2 * len(tone_pcm(0.1))
    assert err.value.__cause__ is cause
    assert "2 sentence(s) were delivered" in str(err.value)
    assert "Is that all?" not in inner.texts  # nothing after the failure was requested


def test_closing_early_stops_the_requests() -> None:
    inner = GatedProvider()
    text = " ".join(f"Sentence number {i}." for i in range(30))
    stream = vk.adapters.stream(inner).stream_synthesize(text)
    next(stream)
    stream.close()
    assert list(stream) == []
    assert len(inner.calls) <= 4  # the first, plus at most what was in flight


def test_budget_is_checked_before_any_request(emulator: FakeEmulator) -> None:
    class Priced(FakeProvider):
        def estimate(self, operation: str, **args: Any) -> Cost | None:
            return Cost(credits=float(len(args["text"])))

    provider = Priced(**emulator.connect_options())
    with pytest.raises(vk.CreditLimitExceeded):
        vk.adapters.stream(provider).stream_synthesize(TEXT, voice="v1", max_credits=10)
    assert emulator.requests("POST", "/tts") == []
    provider.close()


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(vk.InvalidInput):
        vk.adapters.stream(object())
    with pytest.raises(vk.InvalidInput):
        vk.adapters.stream(GatedProvider(), ahead=0)
    with pytest.raises(vk.InvalidInput):
        vk.adapters.stream(GatedProvider()).stream_synthesize("   ")


def test_a_format_the_provider_cannot_make_is_converted() -> None:
    pytest.importorskip("soundfile")
    inner = GatedProvider()
    stream = vk.adapters.stream(inner).stream_synthesize(TEXT, format="mp3")
    data = b"".join(stream)
    assert stream.format == "mp3" and vk.audio.sniff_format(data[:64]) == "mp3"


# -- duplex --------------------------------------------------------------------------------


def test_duplex_speaks_each_sentence_once_complete() -> None:
    inner = GatedProvider()
    with vk.adapters.stream(inner).open_stream(voice="v") as duplex:
        for token in ["Dr. ", "Smith ", "came", ". ", "How are", " you? Fi", "ne"]:
            duplex.send(token)
        assert inner.started[1].wait(5)  # two sentences complete before finish()
        assert inner.texts[:2] == ["Dr. Smith came.", "How are you?"]
        duplex.finish()
        data = b"".join(duplex)
    assert inner.texts == ["Dr. Smith came.", "How are you?", "Fine"]
    assert all(c["voice"] == "v" for c in inner.calls)
    assert data[44:] == tone_pcm(0.1) * 3


def test_duplex_finished_without_text_ends_empty() -> None:
    with vk.adapters.stream(GatedProvider()).open_stream() as duplex:
        duplex.finish()
        assert b"".join(duplex) == b""


def test_duplex_send_after_abort_is_refused() -> None:
    duplex = vk.adapters.stream(GatedProvider()).open_stream()
    duplex.abort()
    with pytest.raises(vk.InvalidInput):
        duplex.send("More text.")


espeak = pytest.importorskip("voicekit_espeak")


@pytest.fixture
def speaker() -> Iterator[Any]:
    with vk.connect("espeak") as provider:
        yield provider


def test_espeak_stream_lasts_as_long_as_its_sentences(speaker: Any) -> None:
    audio = vk.adapters.stream(speaker).stream_synthesize(TEXT, voice="en").read()
    alone = [speaker.synthesize(s, voice="en") for s in SENTENCES]
    assert audio.duration == pytest.approx(sum(a.duration for a in alone), abs=0.05)


def test_espeak_duplex_through_the_adapter(speaker: Any) -> None:
    with vk.adapters.stream(speaker).open_stream(voice="en") as duplex:
        duplex.send("One sentence. ")
        duplex.send("And another")
        duplex.finish()
        audio = duplex.read()
    assert audio.duration and audio.duration > 1.0


def test_a_format_needing_the_missing_extra_is_refused_before_any_request(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "soundfile", None)
    inner = GatedProvider()
    with pytest.raises(vk.ConfigurationError, match=r"voicekit-core\[convert\]"):
        vk.adapters.stream(inner).stream_synthesize(TEXT, format="mp3")
    with pytest.raises(vk.ConfigurationError):
        vk.adapters.stream(inner).open_stream(format="ogg")
    assert inner.calls == []


def test_stream_to_a_path_and_cached_to_a_path(tmp_path: Any) -> None:
    inner = GatedProvider()
    stream = vk.adapters.stream(inner).stream_synthesize(TEXT, to=tmp_path / "s.wav")
    data = (tmp_path / "s.wav").read_bytes()
    assert parse_wav_header(data).data_size == len(data) - 44 and stream.received_bytes
    cached = vk.adapters.cached(inner, tmp_path / "cache")
    audio = cached.synthesize("Hello.", to=tmp_path / "c.wav")
    assert (tmp_path / "c.wav").read_bytes() == audio.data
