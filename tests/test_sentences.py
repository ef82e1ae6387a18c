# ruff: noqa: RUF001, RUF003 - the punctuation of many scripts is the subject
"""The sentence splitter and chunking under a text limit, in several languages."""

from __future__ import annotations

import pytest

from voicekit_core.errors import InvalidInput
from voicekit_core.sentences import chunk_text, split_sentences, text_fits


@pytest.mark.parametrize(("text", "expected"), [
    # English: titles, a.m., e.g., numbers, initials, quotes, ellipses
    ("Dr. Smith arrived at 10 a.m. Then he left. It cost $3.14!",
     ["Dr. Smith arrived at 10 a.m.", "Then he left.", "It cost $3.14!"]),
    ("Bring fruit, e.g. apples. About 1,000 people came... and stayed. Why? Because.",
     ["Bring fruit, e.g. apples.", "About 1,000 people came... and stayed.", "Why?",
      "Because."]),
    ('He said "Stop." Then he left. “Really?!” she asked. J. R. R. Tolkien wrote it.',
     ['He said "Stop."', "Then he left.", "“Really?!” she asked.",
      "J. R. R. Tolkien wrote it."]),
    ("Wait… Who is there? The U.S. Army came.", ["Wait…", "Who is there?",
                                                 "The U.S. Army came."]),
    # French: spaced punctuation and guillemets, M. / Mme
    ("M. Dupont est arrivé. « Bonjour ! » dit-il. Mme Durand répond : « Salut ! » Fin.",
     ["M. Dupont est arrivé.", "« Bonjour ! » dit-il.",
      "Mme Durand répond : « Salut ! »", "Fin."]),
    # German: z.B., Hr., ordinals
    ("Am 3. Oktober kam Hr. Müller, z.B. mit dem Zug. Das war gut! Wirklich?",
     ["Am 3. Oktober kam Hr. Müller, z.B. mit dem Zug.", "Das war gut!", "Wirklich?"]),
    # Spanish: inverted marks, Sra.
    ("¿Cómo estás? ¡Muy bien! La Sra. García llegó a las 3.30 h.",
     ["¿Cómo estás?", "¡Muy bien!", "La Sra. García llegó a las 3.30 h."]),
    # Japanese: 。！？ with no spaces, a quote the sentence goes on after
    ("今日は晴れです。明日は雨でしょう！本当？「はい。」と言った。",
     ["今日は晴れです。", "明日は雨でしょう！", "本当？", "「はい。」と言った。"]),
    # Chinese
    ("我们今天去公园。你来吗？太好了！", ["我们今天去公园。", "你来吗？", "太好了！"]),
    # Russian: т.е., Cyrillic capitals
    ("Привет, как дела? Всё хорошо, т.е. отлично. Спасибо!",
     ["Привет, как дела?", "Всё хорошо, т.е. отлично.", "Спасибо!"]),
    # no punctuation at all; blank lines separate paragraphs
    ("no punctuation here at all", ["no punctuation here at all"]),
    ("Title without a stop\n\nThe body.  ", ["Title without a stop", "The body."]),
])
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_split_sentences_of_blank_text_is_empty() -> None:
    assert split_sentences("  \n\n ") == []


def test_chunks_pack_sentences_under_the_character_limit() -> None:
    text = "One. Two. Three. Four is longer, with a clause in it."
    assert chunk_text(text, max_chars=20) == ["One. Two. Three.", "Four is longer,",
                                              "with a clause in it."]
    assert chunk_text(text, max_chars=20, pack=False)[:3] == ["One.", "Two.", "Three."]
    assert chunk_text(text) == [text]  # no limit: one piece


def test_text_without_punctuation_is_cut_at_word_boundaries() -> None:
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa"
    pieces = chunk_text(words, max_chars=17)
    assert all(len(p) <= 17 for p in pieces)
    assert " ".join(pieces) == words  # no word is cut


def test_byte_limit_counts_utf8_and_cuts_cjk_between_characters() -> None:
    text = "一二三四五六七八九十一二三四五"  # 3 bytes a character, no spaces, no marks
    pieces = chunk_text(text, max_bytes=12)
    assert pieces == ["一二三四", "五六七八", "九十一二", "三四五"]
    assert all(text_fits(p, max_bytes=12) for p in pieces)


def test_a_letter_keeps_its_combining_accent() -> None:
    text = "e\u0301" * 10  # é as e + combining acute
    pieces = chunk_text(text, max_chars=3)
    assert all(not p.startswith("\u0301") for p in pieces)
    assert "".join(pieces) == text


def test_both_limits_apply() -> None:
    text = "Ça va très bien. Merci beaucoup, à bientôt."
    pieces = chunk_text(text, max_chars=30, max_bytes=18)
    assert all(len(p) <= 30 and len(p.encode()) <= 18 for p in pieces)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"max_chars": 0}, "max_chars"), ({"max_bytes": 3}, "max_bytes"),
    ({"max_chars": True}, "max_chars"), ({"max_chars": 2.5}, "max_chars"),
])
def test_bad_limits_are_refused(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        chunk_text("Hello.", **kwargs)  # type: ignore[arg-type]
    assert err.value.field == field


def test_blank_text_is_refused() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        chunk_text("   ")
