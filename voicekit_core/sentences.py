# ruff: noqa: RUF001, RUF002 - the punctuation of many scripts is the subject
"""Splitting text into sentences, and sentences into pieces under a vendor's text limit.

:func:`split_sentences` knows abbreviations (``Dr.``, ``a.m.``, ``e.g.``, ``z.B.``...),
numbers (``3.14``, ``1,000``), initials, quotes and brackets closing a sentence, ellipses,
Spanish ``¿¡``, and CJK full stops (``。！？``). :func:`chunk_text` packs sentences into
pieces of at most ``max_chars`` characters and/or ``max_bytes`` UTF-8 bytes, cutting a
sentence that is still too long at a clause mark, then a space, and only as a last resort
between characters (never inside a character's combining marks). Pure standard library.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator

from .errors import InvalidInput

__all__ = ["chunk_text", "iter_chunks", "split_sentences", "text_fits"]

# Titles and abbreviations that never end a sentence (compared case-folded, without the
# final period). Several languages share one table: a collision costs at most one split.
_ATTACHED = frozenset(str.split("""
mr mrs ms mx dr prof rev hon st mt sr sra srta jr fig figs no nos vol vols pp p ch sec
e.g i.e cf vs viz approx ca dept est
m mm mme mmes mlle mlles p.ex
z.b d.h u.a bzw hr fr nr s.o s.u vgl
ud uds dña d
т.е т.к т.н см напр г гг ул им
"""))

# Abbreviations that may also end a sentence: a boundary only when a capital follows.
_MAYBE_END = frozenset(("etc", "a.m", "p.m", "inc", "ltd", "co", "corp", "usw", "ggf"))

_LATIN_END = ".!?…"
_CJK_END = "。！？｡．"
_CLOSERS = "\"'”’»)]}」』）】〉》›"
_SPACED_CLOSERS = "”’»)]}›"  # may follow a space ("Bonjour ! »"); never open a sentence
_OPENERS = "\"'“‘«([{「『（【〈《‹¿¡"
_CLAUSE = ",;:，、；："

# A run of sentence-ending marks, the quotes/brackets closing it, then the gap after it.
_BOUNDARY = re.compile(
    rf"(?P<mark>[{re.escape(_LATIN_END)}]+|[{re.escape(_CJK_END)}]+)"
    rf"(?P<close>(?:[{re.escape(_CLOSERS)}]|[ \u00a0\u202f]+[{re.escape(_SPACED_CLOSERS)}])*)"
    r"(?P<gap>\s*)"
)
_PARAGRAPH = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_DOTTED = re.compile(r"(\w\.)+\w")
_LOOK_BACK = 48  # characters before a period searched for its word (keeps splitting linear)


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, in order, each stripped of surrounding whitespace.

    Blank lines always separate sentences. Text with no sentence mark is one sentence.

    >>> split_sentences("Dr. Smith arrived at 10 a.m. Then he left. It cost $3.14!")
    ['Dr. Smith arrived at 10 a.m.', 'Then he left.', 'It cost $3.14!']
    """
    return [text[a:b] for a, b in _sentence_spans(text)]


def _sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for paragraph in _PARAGRAPH.finditer(text):
        yield from _spans_in(text, start, paragraph.start())
        start = paragraph.end()
    yield from _spans_in(text, start, len(text))


def _spans_in(text: str, begin: int, end: int) -> Iterator[tuple[int, int]]:
    start = begin
    for match in _BOUNDARY.finditer(text, begin, end):
        stop = match.end("close")
        if _is_boundary(text, match, end):
            yield from _stripped(text, start, stop)
            start = match.end()
    yield from _stripped(text, start, end)


def _stripped(text: str, start: int, stop: int) -> Iterator[tuple[int, int]]:
    while start < stop and text[start].isspace():
        start += 1
    while stop > start and text[stop - 1].isspace():
        stop -= 1
    if stop > start:
        yield start, stop


def _is_boundary(text: str, match: re.Match[str], end: int) -> bool:
    mark = match.group("mark")
    after = match.end()
    nxt = text[after] if after < end else ""
    if mark[0] in _CJK_END:
        # 「はい。」と言った: a closed quote that the sentence goes on after
        return not (match.group("close") and nxt and not nxt.isspace()
                    and nxt not in _OPENERS)
    if not nxt:
        return True  # end of the text (or paragraph)
    if not match.group("gap"):
        return False  # "3.14", "e.g.x", "Hello!World": no space, no boundary
    if nxt.islower() or nxt.isdigit() or nxt in _CLAUSE:
        return False  # "... and so on", "Nr. 5", "“Hi!” she said"
    if mark != "." or match.group("close"):
        return True  # "!", "?", "...", "…", or a quote closed after the period
    word = _WORD_BEFORE.search(text, max(0, match.start() - _LOOK_BACK), match.start())
    original = word.group(1).rstrip(".") if word else ""
    token = original.lower()
    if not token:
        return True
    if token in _ATTACHED:
        return False
    if token in _MAYBE_END:
        return nxt.isupper()
    if len(original) == 1 and original.isupper():
        return False  # an initial: "J. R. Tolkien"
    if original.isdigit() and len(original) <= 2:
        return False  # an ordinal: "am 3. Oktober" (a missed split costs nothing audible)
    # an unlisted dotted abbreviation ("U.S.", "p.ex") does not end a sentence
    return not _DOTTED.fullmatch(token)


# -- pieces under a limit ----------------------------------------------------------------


def text_fits(text: str, *, max_chars: int | None = None, max_bytes: int | None = None) -> bool:
    """Whether ``text`` is within ``max_chars`` characters and ``max_bytes`` UTF-8 bytes."""
    if max_chars is not None and len(text) > max_chars:
        return False
    return max_bytes is None or len(text.encode("utf-8", "surrogatepass")) <= max_bytes


def chunk_text(
    text: str,
    *,
    max_chars: int | None = None,
    max_bytes: int | None = None,
    pack: bool = True,
) -> list[str]:
    """Cut ``text`` at sentence boundaries into pieces that each fit the limits.

    Args:
        text: the text (not blank).
        max_chars: most characters per piece (None: no character limit).
        max_bytes: most UTF-8 bytes per piece (None: no byte limit).
        pack: join consecutive sentences while they fit (fewer requests); False gives one
            piece per sentence (still cut when a sentence is over the limit).

    Raises:
        InvalidInput: blank text, or a limit below 1 (or below 4 bytes: one character).
    """
    return list(iter_chunks(text, max_chars=max_chars, max_bytes=max_bytes, pack=pack))


def iter_chunks(
    text: str,
    *,
    max_chars: int | None = None,
    max_bytes: int | None = None,
    pack: bool = True,
) -> Iterator[str]:
    """:func:`chunk_text` one piece at a time (the arguments are checked at once; the text
    is cut as the pieces are taken, so the first one comes without reading the rest)."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("text is empty", field="text", limit="non-empty")
    for name, value, low in (("max_chars", max_chars, 1), ("max_bytes", max_bytes, 4)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < low):
            raise InvalidInput(f"{name} must be an integer >= {low}, got {value!r}",
                               field=name, limit=f">= {low}")
    if max_chars is None and max_bytes is None and pack:
        return iter([text.strip()])
    return _pieces(text, max_chars, max_bytes, pack)


def _pieces(text: str, max_chars: int | None, max_bytes: int | None, pack: bool
            ) -> Iterator[str]:
    def fits(piece: str) -> bool:
        return text_fits(piece, max_chars=max_chars, max_bytes=max_bytes)

    current: tuple[int, int] | None = None  # span of the piece being packed
    for start, stop in _sentence_spans(text):
        if current is not None and pack and fits(text[current[0]:stop]):
            current = (current[0], stop)
            continue
        if current is not None:
            yield text[current[0]:current[1]]
            current = None
        sentence = text[start:stop]
        if fits(sentence):
            current = (start, stop)
        else:
            yield from _cut(sentence, fits)
    if current is not None:
        yield text[current[0]:current[1]]


def _cut(sentence: str, fits: Callable[[str], bool]) -> list[str]:
    """Cut one over-long sentence into fitting pieces: at clauses, spaces, then characters."""
    pieces = []
    rest = sentence
    while rest and not fits(rest):
        limit = _longest_fitting_prefix(rest, fits)
        cut = _best_cut(rest, limit)
        piece, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if piece:
            pieces.append(piece)
    if rest:
        pieces.append(rest)
    return pieces


def _longest_fitting_prefix(text: str, fits: Callable[[str], bool]) -> int:
    low, high = 1, len(text)
    while low < high:  # binary search: bytes grow monotonically with characters
        mid = (low + high + 1) // 2
        if fits(text[:mid]):
            low = mid
        else:
            high = mid - 1
    return low


def _best_cut(text: str, limit: int) -> int:
    """Where to cut ``text`` within its first ``limit`` characters."""
    window = text[:limit]
    floor = limit // 3  # never make a tiny piece just to cut at a nicer place
    clause = max(window.rfind(c) for c in _CLAUSE)
    if clause >= floor:
        return clause + 1
    space = max((i for i, ch in enumerate(window) if ch.isspace()), default=-1)
    if space >= floor and space > 0:
        return space + 1
    cut = limit
    while 1 < cut < len(text) and unicodedata.combining(text[cut]):
        cut -= 1  # keep a letter with its accents
    return cut
