"""Text -> sentences -> espeak-ng IPA -> phoneme ids, as a Piper voice expects them."""

from __future__ import annotations

import pytest
from voicekit_piper.phonemes import clauses, get_phonemizer, phoneme_ids, sentences

from voicekit_core.errors import NotFound


@pytest.mark.parametrize(("text", "expected"), [
    ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
    ("He said \"stop.\" Then left.", ["He said \"stop.\"", "Then left."]),
    ("Pi is 3.14 today.", ["Pi is 3.14 today."]),
    ("Line one\n\nLine two", ["Line one", "Line two"]),
    ("  spaced   out\ttext  ", ["spaced out text"]),
    ("", []),
])
def test_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_long_sentences_are_cut_at_clauses_then_spaces() -> None:
    from voicekit_piper.phonemes import MAX_SENTENCE_CHARS

    words = sentences("word " * 300)
    assert all(len(s) <= MAX_SENTENCE_CHARS for s in words) and len(words) == 4
    assert " ".join(words) == ("word " * 300).strip()
    clauses_first = sentences("one two, " * 100)
    assert all(s.endswith(",") for s in clauses_first[:-1])
    assert [len(s) for s in sentences("x" * 1000)] == [400, 400, 200]


def test_clauses_keep_their_punctuation() -> None:
    assert list(clauses("Well, hello there; friend: yes!")) == [
        ("Well", ","), ("hello there", ";"), ("friend", ":"), ("yes", "!")]
    assert list(clauses("no punctuation")) == [("no punctuation", "")]


def test_phoneme_ids_frame_and_pad() -> None:
    id_map = {"_": [0], "^": [1], "$": [2], "a": [5], "b": [6, 7]}
    assert phoneme_ids("ab", id_map) == [1, 0, 5, 0, 6, 7, 0, 2]
    assert phoneme_ids("aXb", id_map) == [1, 0, 5, 0, 6, 7, 0, 2]  # unknown X left out
    assert phoneme_ids("", id_map) == [1, 0, 2]


def test_phoneme_ids_decompose_accents() -> None:
    id_map = {"_": [0], "^": [1], "$": [2], "e": [5], "\u0303": [9]}
    assert phoneme_ids("\u1ebd", id_map) == [1, 0, 5, 0, 9, 0, 2]  # e + combining tilde


def test_espeak_ipa_with_punctuation() -> None:
    ipa = get_phonemizer().phonemize("Hello, world! How are you?", voice="en-us")
    assert ipa.count(",") == 1 and ipa.endswith("?") and "!" in ipa
    assert "\u02c8" in ipa and "w" in ipa  # IPA with stress marks
    assert get_phonemizer().phonemize("Bonjour.", voice="fr").startswith("bɔ̃")


def test_unknown_espeak_voice() -> None:
    with pytest.raises(NotFound):
        get_phonemizer().phonemize("Hello.", voice="no-such-espeak-voice")
