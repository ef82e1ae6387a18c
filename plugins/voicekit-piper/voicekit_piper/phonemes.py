"""Text -> sentences -> espeak-ng IPA phonemes -> a Piper voice's phoneme ids.

The phonemizer is libespeak-ng from the ``espeakng-loader`` wheel, driven through
``ctypes`` (``espeak_TextToPhonemes``, IPA output). espeak-ng keeps its state in process
globals and may be bound by another plugin in the same process (voicekit-espeak), so every
call into it holds :func:`voicekit_core.native.library_lock` ``("libespeak-ng")``.

``espeak_TextToPhonemes`` drops punctuation, which Piper voices were trained to hear
(pauses, question intonation): clauses are therefore split here, phonemized one by one,
and their punctuation is put back between them, as Piper's own phonemizer does.
"""

from __future__ import annotations

import ctypes
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence

from voicekit_core.errors import ConfigurationError, NotFound
from voicekit_core.native import espeak_ng, library_lock

__all__ = [
    "BOS", "EOS", "PAD", "Phonemizer", "complete_sentences", "get_phonemizer", "phoneme_ids",
    "sentences",
]

#: Phoneme-id-map symbols: start of utterance, end of utterance, pad between symbols.
BOS, EOS, PAD = "^", "$", "_"

LOCK = library_lock("libespeak-ng")

# speak_lib.h constants (the same initialisation as voicekit-espeak: re-initialising
# with the same values leaves that plugin's settings as they were)
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_BUFFER_MS = 100
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_PHONEMES_IPA = 0x02
_EE_OK = 0

#: end of a sentence: . ! ? (and …) before whitespace or the end; or a blank line
_SENTENCE_END = re.compile(
    r"(?:(?<=[.!?\u2026])|(?<=[.!?\u2026][\"')\]\u201d\u2019]))\s+|\n\s*\n")
#: text whose last sentence is finished
_FINISHED = re.compile(r"[.!?\u2026][\"')\]\u201d\u2019]*\s*$|\n\s*\n\s*$")
#: a clause and the punctuation closing it (kept: Piper voices know these symbols)
_CLAUSE = re.compile(r"(.*?)([.,;:!?\u2026]+)(?=[\s\"')\]\u201d\u2019]|$)|(.+?)$", re.S)
#: espeak's language-switch marks, e.g. "(fr)" ... "(en)"
_LANGUAGE_MARK = re.compile(r"\([a-z]{2,3}(?:-[a-z0-9]+)*\)")
_SPACES = re.compile(r"\s+")


#: longest piece of text one model call speaks: a longer sentence is cut at its last clause
#: mark (, ; :) or space before this many characters (the model's cost grows faster than
#: its input, and a page without a full stop must not become one giant call)
MAX_SENTENCE_CHARS = 400


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (whitespace collapsed), the unit a stream speaks;
    sentences over :data:`MAX_SENTENCE_CHARS` are cut further."""
    out = []
    for part in _SENTENCE_END.split(text):
        part = _SPACES.sub(" ", part).strip()
        while len(part) > MAX_SENTENCE_CHARS:
            head = part[:MAX_SENTENCE_CHARS]
            cut = max(head.rfind(mark) + 1 for mark in ",;:")  # just after the mark
            if cut <= 0:
                cut = head.rfind(" ")
            if cut <= 0:
                cut = MAX_SENTENCE_CHARS
            out.append(part[:cut].strip())
            part = part[cut:].strip()
        if part:
            out.append(part)
    return out


def complete_sentences(text: str) -> tuple[list[str], str]:
    """The whole sentences of ``text`` (a piece of a stream) and the unfinished rest."""
    if _FINISHED.search(text):
        return sentences(text), ""
    cut = 0
    for match in _SENTENCE_END.finditer(text):
        cut = match.end()
    return sentences(text[:cut]), text[cut:]


def clauses(sentence: str) -> Iterator[tuple[str, str]]:
    """``(words, punctuation)`` pairs of one sentence (punctuation may be empty)."""
    for match in _CLAUSE.finditer(sentence):
        words = (match.group(1) if match.group(2) else match.group(3)) or ""
        punctuation = match.group(2) or ""
        if words.strip() or punctuation:
            yield words.strip(), punctuation.replace("\u2026", ".")[:1]


def phoneme_ids(phonemes: str, id_map: Mapping[str, Sequence[int]]) -> list[int]:
    """Ids of ``phonemes`` through a voice's ``phoneme_id_map``: ``^``, then each symbol
    followed by ``_``, then ``$``. Symbols the voice does not know are left out."""
    pad = list(id_map.get(PAD, ()))
    ids: list[int] = [*id_map.get(BOS, ()), *pad]
    for symbol in unicodedata.normalize("NFD", phonemes):
        known = id_map.get(symbol)
        if known:
            ids.extend(known)
            ids.extend(pad)
    ids.extend(id_map.get(EOS, ()))
    return ids


class Phonemizer:
    """libespeak-ng, initialised, turning text into IPA. Obtain it with :func:`get_phonemizer`."""

    def __init__(self, lib: ctypes.CDLL, version: str) -> None:
        self._lib = lib
        self.version = version

    def phonemize(self, sentence: str, *, voice: str) -> str:
        """IPA phonemes of one sentence in espeak voice ``voice``, punctuation kept.

        Raises NotFound when espeak-ng has no voice ``voice``.
        """
        parts: list[str] = []
        with LOCK:
            status = self._lib.espeak_SetVoiceByName(voice.encode("utf-8"))
            if status != _EE_OK:
                raise NotFound(f"espeak-ng has no voice {voice!r} (named by the piper voice's "
                               ".onnx.json, espeak.voice)", provider="piper",
                               code="espeak_voice_not_found")
            for words, punctuation in clauses(sentence):
                spoken = self._clause(words) if words else ""
                parts.append(spoken + punctuation)
        return " ".join(p for p in parts if p)

    def _clause(self, words: str) -> str:
        """IPA of ``words`` (LOCK held); espeak returns one clause per call."""
        buffer = ctypes.create_string_buffer(words.encode("utf-8"))
        pointer = ctypes.c_void_p(ctypes.addressof(buffer))
        out: list[str] = []
        for _ in range(len(words) + 1):  # each call consumes at least one clause
            if not pointer.value:
                break
            result = self._lib.espeak_TextToPhonemes(ctypes.byref(pointer), _CHARS_UTF8,
                                                     _PHONEMES_IPA)
            if result:
                out.append(result.decode("utf-8", "replace"))
        return _LANGUAGE_MARK.sub("", " ".join(o.strip() for o in out if o.strip()))


_phonemizer: Phonemizer | None = None


def get_phonemizer() -> Phonemizer:
    """The process-wide phonemizer, loaded and initialised on first use."""
    global _phonemizer
    if _phonemizer is None:
        with LOCK:
            if _phonemizer is None:
                _phonemizer = _load()
    return _phonemizer


def _load() -> Phonemizer:
    lib, data_path = espeak_ng(provider="piper", install="pip install voicekit-piper")
    lib.espeak_Initialize.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int)
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_Info.argtypes = (ctypes.c_void_p,)
    lib.espeak_Info.restype = ctypes.c_char_p
    lib.espeak_SetVoiceByName.argtypes = (ctypes.c_char_p,)
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_TextToPhonemes.argtypes = (ctypes.POINTER(ctypes.c_void_p), ctypes.c_int,
                                          ctypes.c_int)
    lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
    rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS, data_path.encode(),
                                 _INITIALIZE_DONT_EXIT)
    if rate <= 0:
        raise ConfigurationError(f"espeak-ng failed to initialise with data at {data_path}",
                                 provider="piper")
    version = (lib.espeak_Info(None) or b"").decode("ascii", "replace")
    return Phonemizer(lib, version)
