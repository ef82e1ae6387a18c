"""ctypes binding to libespeak-ng, the speech engine shipped in the espeakng-loader wheel.

Other plugins have ``emulator.py`` as their fourth module: a stand-in for the vendor's
HTTP API. espeak-ng has no vendor API (it is a C library running in this process), so this
plugin's fourth module is the binding to that library instead.

libespeak-ng keeps all its state in process globals (the current voice, the parameters, the
synthesis callback). Every call into it therefore goes through one module-level lock,
:data:`LOCK`: calls from several threads are serialised, never interleaved. The library is
loaded and initialised lazily, on the first :func:`get_engine` call (never at import), in
``AUDIO_OUTPUT_SYNCHRONOUS`` mode with the data directory from ``espeakng_loader``.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from pathlib import Path

import attrs

from voicekit_core.errors import ConfigurationError, ServerError
from voicekit_core.native import espeak_ng, library_lock

__all__ = ["LOCK", "Engine", "EngineVoice", "get_engine"]

#: Serialises every call into libespeak-ng (a process-global C library), shared with any
#: other plugin binding the same library in this process (voicekit-piper phonemizes with it).
LOCK = library_lock("libespeak-ng")

# speak_lib.h constants
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000  # report errors instead of calling exit()
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_ENDPAUSE = 0x1000
_EE_OK = 0
_EE_NOT_FOUND = 2
_PARAM_RATE = 1
_PARAM_VOLUME = 2
_PARAM_PITCH = 3
#: milliseconds of audio per synthesis callback (the size of each streamed chunk)
CHUNK_MS = 100
_MAX_LANGUAGES_BYTES = 4096


class _VoiceStruct(ctypes.Structure):
    _fields_ = (
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),  # (priority byte, NUL-terminated language)* then 0
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    )


_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


@attrs.frozen
class EngineVoice:
    """One entry of ``espeak_ListVoices``.

    ``languages`` holds ``(priority, language)`` pairs in espeak's order; a lower priority
    number means a more preferred voice for that language.
    """

    name: str
    identifier: str
    languages: tuple[tuple[int, str], ...]
    gender: int
    age: int
    #: False when the installed data lacks the voice's pronunciation dictionary (espeak
    #: would print an error and produce only silence)
    usable: bool = True

    @property
    def id(self) -> str:
        """The short id: the last part of the identifier (``gmw/en-US`` -> ``en-US``)."""
        return self.identifier.rsplit("/", 1)[-1]


# The sink of the synthesis running now (only ever touched with LOCK held).
_sink: Callable[[bytes], bool] | None = None
_sink_error: BaseException | None = None


def _on_synth(wav: ctypes._Pointer[ctypes.c_short], numsamples: int, events: int) -> int:
    """The C callback: hand PCM to the current sink; return 1 to make espeak stop."""
    global _sink_error
    if numsamples <= 0 or not wav:
        return 0
    sink = _sink
    if sink is None:
        return 1
    try:
        keep = sink(ctypes.string_at(wav, numsamples * 2))
    except BaseException as exc:  # never let a Python error cross into C
        _sink_error = exc
        return 1
    return 0 if keep else 1


# Kept referenced for the life of the process: the C library holds this pointer.
_CALLBACK = _SynthCallback(_on_synth)


class Engine:
    """The initialised library. Obtain it with :func:`get_engine`."""

    def __init__(self, lib: ctypes.CDLL, sample_rate: int, version: str, data_path: str) -> None:
        self._lib = lib
        #: the true output rate, as returned by ``espeak_Initialize`` (Hz, mono, 16-bit)
        self.sample_rate = sample_rate
        self.version = version
        self.data_path = data_path
        self.voices: tuple[EngineVoice, ...] = tuple(
            attrs.evolve(v, usable=_has_dictionary(data_path, v)) for v in self._list(None)
        )
        spec = _VoiceStruct()
        variant = ctypes.c_char_p(b"variant")
        spec.languages = ctypes.cast(variant, ctypes.c_void_p)
        self.variants: tuple[EngineVoice, ...] = tuple(
            v for v in self._list(spec) if v.identifier.startswith("!v/")
        )

    def _list(self, spec: _VoiceStruct | None) -> tuple[EngineVoice, ...]:
        array = self._lib.espeak_ListVoices(ctypes.byref(spec) if spec is not None else None)
        out: list[EngineVoice] = []
        i = 0
        while array and array[i]:
            v = array[i].contents
            out.append(EngineVoice(
                name=(v.name or b"").decode("utf-8", "replace"),
                identifier=(v.identifier or b"").decode("utf-8", "replace"),
                languages=_parse_languages(v.languages),
                gender=int(v.gender),
                age=int(v.age),
            ))
            i += 1
        return tuple(out)

    def synth(
        self,
        text: bytes,
        *,
        voice: str,
        rate: int,
        pitch: int,
        volume: int,
        on_audio: Callable[[bytes], bool],
    ) -> bool:
        """Speak UTF-8 ``text`` (no NUL) with ``voice`` (an espeak voice name), blocking.

        ``on_audio`` receives 16-bit little-endian mono PCM chunks as espeak produces them
        and returns False to stop synthesis early. Takes :data:`LOCK` for the whole call.
        Returns True when synthesis ran to the end, False when ``on_audio`` stopped it.
        """
        global _sink, _sink_error
        lib = self._lib
        stopped = False

        def sink(chunk: bytes) -> bool:
            nonlocal stopped
            keep = on_audio(chunk)
            stopped = stopped or not keep
            return keep

        with LOCK:
            status = lib.espeak_SetVoiceByName(voice.encode("utf-8"))
            if status != _EE_OK:
                raise ServerError(f"espeak-ng could not load voice {voice!r} (status {status})",
                                  provider="espeak", code="voice_load_failed")
            for param, value in ((_PARAM_RATE, rate), (_PARAM_PITCH, pitch),
                                 (_PARAM_VOLUME, volume)):
                lib.espeak_SetParameter(param, value, 0)
            _sink, _sink_error = sink, None
            try:
                status = lib.espeak_Synth(text, len(text) + 1, 0, _POS_CHARACTER, 0,
                                          _CHARS_UTF8 | _ENDPAUSE, None, None)
                error = _sink_error
            finally:
                _sink, _sink_error = None, None
        if error is not None:
            raise error
        if status != _EE_OK:
            raise ServerError(f"espeak-ng failed to synthesise (status {status})",
                              provider="espeak", code="synth_failed")
        return not stopped


def _parse_languages(address: int | None) -> tuple[tuple[int, str], ...]:
    """Parse espeak's languages field: (priority byte, NUL-terminated name) pairs, then 0."""
    if not address:
        return ()
    data = ctypes.cast(address, ctypes.POINTER(ctypes.c_ubyte))
    out: list[tuple[int, str]] = []
    pos = 0
    while pos < _MAX_LANGUAGES_BYTES and data[pos] != 0:
        name = ctypes.string_at(address + pos + 1)  # up to the NUL
        out.append((data[pos], name.decode("utf-8", "replace")))
        pos += len(name) + 2
    return tuple(out)


def _has_dictionary(data_path: str, voice: EngineVoice) -> bool:
    """Whether ``<dictionary>_dict`` of ``voice`` is installed.

    The dictionary is named by the voice file's ``dictionary`` line, else it is the first
    language without its region (``en-us`` -> ``en``), as espeak-ng does.
    """
    root = Path(data_path)
    name = voice.languages[0][1].split("-")[0] if voice.languages else ""
    for folder in ("lang", "voices"):
        try:
            text = (root / folder / voice.identifier).read_text("utf-8", "replace")
        except OSError:
            continue
        for line in text.splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] == "dictionary":
                name = words[1]
        break
    return not name or (root / f"{name}_dict").is_file()


_engine: Engine | None = None


def get_engine() -> Engine:
    """The process-wide engine, loaded and initialised on first use."""
    global _engine
    if _engine is not None:
        return _engine
    with LOCK:
        if _engine is None:
            _engine = _load()
    return _engine


def _load() -> Engine:
    lib, data_path = espeak_ng(provider="espeak", install="pip install voicekit-espeak")
    _declare(lib)
    rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, CHUNK_MS, data_path.encode(),
                                 _INITIALIZE_DONT_EXIT)
    if rate <= 0:
        raise ConfigurationError(f"espeak-ng failed to initialise with data at {data_path}",
                                 provider="espeak")
    lib.espeak_SetSynthCallback(_CALLBACK)
    version = (lib.espeak_Info(None) or b"").decode("ascii", "replace")
    return Engine(lib, rate, version, data_path)


def _declare(lib: ctypes.CDLL) -> None:
    lib.espeak_Initialize.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int)
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_Info.argtypes = (ctypes.c_void_p,)
    lib.espeak_Info.restype = ctypes.c_char_p
    lib.espeak_SetSynthCallback.argtypes = (_SynthCallback,)
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_ListVoices.argtypes = (ctypes.c_void_p,)
    lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_VoiceStruct))
    lib.espeak_SetVoiceByName.argtypes = (ctypes.c_char_p,)
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_SetParameter.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_int)
    lib.espeak_SetParameter.restype = ctypes.c_int
    lib.espeak_Synth.argtypes = (ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                 ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p)
    lib.espeak_Synth.restype = ctypes.c_int
