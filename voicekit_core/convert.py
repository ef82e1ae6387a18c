"""Output conversion: the format and sample rate a user asked for, whatever a vendor returns.

WAV <-> raw PCM at the same rate needs nothing but the standard library. Everything else
(MP3, OGG/Vorbis, OGG/Opus, FLAC, resampling) uses the optional extra
``pip install 'voicekit-core[convert]'`` (soundfile for encoding and decoding, soxr for
resampling), imported only when a conversion needs it. Without it, a conversion raises
:class:`~voicekit_core.errors.ConfigurationError` naming the extra; a format no library
here can write raises :class:`~voicekit_core.errors.InvalidInput`. Audio is never written
in a format other than the one asked for.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .audio import parse_wav_header, wav_header
from .errors import BadResponse, ConfigurationError, InvalidInput

if TYPE_CHECKING:
    from .models import Audio

__all__ = [
    "ENCODABLE",
    "check_deliverable",
    "check_encodable",
    "convert",
    "declared_formats",
    "format_of_path",
    "join",
    "pcm_of",
    "refused_format",
]

#: Formats this module writes: name -> (libsndfile container, subtype); wav/pcm need no extra.
ENCODABLE: dict[str, tuple[str, str]] = {
    "wav": ("WAV", "PCM_16"),
    "pcm": ("RAW", "PCM_16"),
    "flac": ("FLAC", "PCM_16"),
    "mp3": ("MP3", "MPEG_LAYER_III"),
    "ogg": ("OGG", "VORBIS"),
    "opus": ("OGG", "OPUS"),
}
_OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
_SUFFIXES = {".wav": "wav", ".wave": "wav", ".pcm": "pcm", ".raw": "pcm", ".mp3": "mp3",
             ".mpeg": "mp3", ".ogg": "ogg", ".oga": "ogg", ".opus": "opus", ".flac": "flac",
             ".m4a": "m4a", ".aac": "aac", ".webm": "webm", ".mp4": "mp4"}
_EXTRA = "pip install 'voicekit-core[convert]'"


def format_of_path(path: str | os.PathLike[str]) -> str | None:
    """The audio format a file name asks for (``"x.mp3"`` -> ``"mp3"``), or None."""
    return _SUFFIXES.get(Path(path).suffix.lower())


def _modules() -> tuple[Any, Any, Any]:
    try:
        import numpy
        import soundfile
        import soxr
    except ImportError as exc:
        raise ConfigurationError(
            f"converting audio needs the convert extra ({exc.name} is missing): {_EXTRA}"
        ) from None
    return numpy, soundfile, soxr


def declared_formats(provider: Any, operation: str) -> tuple[str, ...] | None:
    """The ``format`` choices ``operation`` declares (``kit.operation`` options), looking
    through adapters; None when it declares none (then only a call can tell)."""
    for _ in range(32):
        inner = getattr(provider, "inner", None)
        if inner is None:
            break
        provider = inner
    options = getattr(getattr(type(provider), operation, None), "__voicekit_options__", None)
    for spec in getattr(options, "specs", lambda: ())():
        if spec.name == "format" and spec.choices:
            return tuple(str(c).lower() for c in spec.choices)
    return None


def check_deliverable(provider: Any, operation: str, format: str | None, *,
                      sample_rate: int | None = None) -> None:
    """Raise now, before anything is spent, unless ``format`` can surely be delivered: the
    provider declares it makes it, or it can be converted to (wav/pcm need nothing)."""
    if format is None:
        return
    wanted = format.lower()
    made = declared_formats(provider, operation)
    if wanted in ("wav", "pcm") and sample_rate is None:
        return
    if made is not None and wanted in made and sample_rate is None:
        return
    check_encodable(wanted, sample_rate=sample_rate)


def refused_format(exc: BaseException, format: str | None) -> bool:
    """Whether ``exc`` is a provider refusing, before any request, to produce ``format``
    (so the call may be made in the provider's default format and converted)."""
    return (format is not None and isinstance(exc, InvalidInput)
            and getattr(exc, "field", None) == "format"
            and not getattr(exc, "status", None) and format.lower() in ENCODABLE)


def check_encodable(format: str, *, sample_rate: int | None = None,
                    source: str | None = None) -> None:
    """Raise now (before anything is spent) if audio could not be delivered as ``format``.

    ``source``: the format the audio will arrive in, when known (``"wav"`` to ``"pcm"``
    needs no extra). Raises InvalidInput for a format nothing here writes, and
    ConfigurationError when the convert extra is needed but missing (or its libsndfile
    cannot write MP3).
    """
    fmt = format.lower()
    if fmt not in ENCODABLE:
        raise InvalidInput(f"voicekit cannot write {format!r} audio; it writes "
                           f"{', '.join(ENCODABLE)}", field="format",
                           limit=", ".join(ENCODABLE))
    if sample_rate is not None and (isinstance(sample_rate, bool)
                                    or not isinstance(sample_rate, int)
                                    or not 1000 <= sample_rate <= 384_000):
        raise InvalidInput(f"sample_rate must be an integer in 1000..384000 Hz, got "
                           f"{sample_rate!r}", field="sample_rate", limit="1000..384000")
    if fmt in ("wav", "pcm") and source in ("wav", "pcm") and sample_rate is None:
        return
    _, soundfile, _ = _modules()
    container, subtype = ENCODABLE[fmt]
    if subtype not in soundfile.available_subtypes(container):
        raise ConfigurationError(f"the installed libsndfile cannot write {fmt} "
                                 f"({soundfile.__libsndfile_version__}); upgrade soundfile")


def convert(audio: Audio, *, format: str | None = None, sample_rate: int | None = None
            ) -> Audio:
    """``audio`` as ``format`` at ``sample_rate`` (None: keep each); unchanged if it already is.

    Raises:
        InvalidInput: a format voicekit cannot write. ConfigurationError: the convert
        extra is needed and missing. BadResponse: the audio could not be decoded.
    """
    from .models import Audio

    target = (format or audio.format).lower()
    rate = sample_rate or audio.sample_rate
    if target == audio.format and (sample_rate is None or sample_rate == audio.sample_rate):
        return audio
    check_encodable(target, sample_rate=sample_rate, source=audio.format)
    if target in ("wav", "pcm") and audio.format in ("wav", "pcm") and rate == audio.sample_rate:
        pcm, rate_, channels = pcm_of(audio)
        data = pcm if target == "pcm" else wav_header(
            sample_rate=rate_, channels=channels, data_size=len(pcm)) + pcm
        return Audio(data=data, format=target, sample_rate=rate_, channels=channels)
    numpy, soundfile, soxr = _modules()
    samples, source_rate = _decode(audio, soundfile)
    if target == "opus" and (rate or source_rate) not in _OPUS_RATES:
        rate = 48000
    rate = rate or source_rate
    if rate != source_rate:
        samples = soxr.resample(samples, source_rate, rate)
    channels = 1 if samples.ndim == 1 else int(samples.shape[1])
    container, subtype = ENCODABLE[target]
    out = io.BytesIO()
    soundfile.write(out, numpy.clip(samples, -1.0, 1.0), rate, format=container,
                    subtype=subtype)
    return Audio(data=out.getvalue(), format=target, sample_rate=rate, channels=channels,
                 duration=len(samples) / rate)


def _decode(audio: Audio, soundfile: Any) -> tuple[Any, int]:
    """Float samples (frames[, channels]) and rate of ``audio``."""
    try:
        if audio.format == "pcm":
            if not audio.sample_rate:
                raise InvalidInput("raw PCM without a sample rate cannot be converted",
                                   field="sample_rate", limit="known sample rate")
            samples, rate = soundfile.read(
                io.BytesIO(audio.data), format="RAW", subtype="PCM_16",
                samplerate=audio.sample_rate, channels=audio.channels or 1,
                endian="LITTLE", dtype="float32")
        else:
            samples, rate = soundfile.read(io.BytesIO(audio.data), dtype="float32")
    except (RuntimeError, ValueError, TypeError) as exc:  # LibsndfileError is a RuntimeError
        raise BadResponse(f"could not decode the {audio.format} audio to convert it: {exc}"
                          ) from None
    return samples, int(rate)


def pcm_of(audio: Audio) -> tuple[bytes, int, int]:
    """16-bit PCM bytes, sample rate and channels of a WAV or PCM ``audio``."""
    start, end, channels, rate = _pcm_span(audio)
    data = audio.data if (start, end) == (0, len(audio.data)) else audio.data[start:end]
    return data, rate, channels


def _pcm_span(audio: Audio) -> tuple[int, int, int, int]:
    """Where the 16-bit PCM of a WAV or PCM ``audio`` lies in its data, its channels and
    its sample rate."""
    if audio.format == "pcm":
        if not audio.sample_rate:
            raise InvalidInput("raw PCM without a sample rate", field="sample_rate",
                               limit="known sample rate")
        return 0, len(audio.data), audio.channels or 1, audio.sample_rate
    if audio.format != "wav":
        raise InvalidInput(f"{audio.format} audio is not PCM", field="format", limit="wav, pcm")
    try:
        info = parse_wav_header(audio.data[:4096])
    except InvalidInput:
        raise BadResponse("the WAV audio has no readable header") from None
    if info.sample_width != 2:
        raise BadResponse(f"the WAV audio has {8 * info.sample_width}-bit samples; voicekit "
                          "joins 16-bit PCM only")
    end = len(audio.data)
    if info.data_size is not None:
        end = min(end, info.data_offset + info.data_size)
    return info.data_offset, end, info.channels, info.sample_rate


def join(parts: list[Audio], *, format: str | None = None) -> Audio:
    """One Audio made of ``parts`` in order (one header, sizes right).

    WAV and PCM parts are joined as PCM (parts at another rate are resampled: extra
    needed). Other formats are decoded, joined and encoded again (extra needed).
    """
    from .models import Audio

    if not parts:
        raise InvalidInput("nothing to join", field="parts", limit="at least one")
    target = (format or parts[0].format).lower()
    if len(parts) == 1:
        return convert(parts[0], format=target)
    if all(p.format in ("wav", "pcm") for p in parts):
        first_rate, first_channels = pcm_of(parts[0])[1:]
        views: list[memoryview] = []
        for part in parts:
            if (part.sample_rate or first_rate) != first_rate:
                part = convert(part, format="pcm", sample_rate=first_rate)
            start, end, channels, _ = _pcm_span(part)
            if channels != first_channels:
                raise BadResponse(f"parts have {first_channels} and {channels} channels; "
                                  "they cannot be joined")
            views.append(memoryview(part.data)[start:end])
        size = sum(len(v) for v in views)
        if target in ("wav", "pcm"):  # one copy: header and every part's PCM at once
            head = (wav_header(sample_rate=first_rate, channels=first_channels, data_size=size)
                    if target == "wav" else b"")
            return Audio(data=b"".join([head, *views]), format=target, sample_rate=first_rate,
                         channels=first_channels,
                         duration=size / (2 * first_channels * first_rate))
        joined = Audio(data=b"".join(views), format="pcm", sample_rate=first_rate,
                       channels=first_channels)
        return convert(joined, format=target)
    numpy, soundfile, soxr = _modules()
    decoded = [_decode(p, soundfile) for p in parts]
    rate = decoded[0][1]
    arrays = [s if r == rate else soxr.resample(s, r, rate) for s, r in decoded]
    samples = numpy.concatenate(arrays)
    pcm = (numpy.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    channels = 1 if samples.ndim == 1 else int(samples.shape[1])
    joined = Audio(data=pcm, format="pcm", sample_rate=rate, channels=channels)
    return convert(joined, format=target)
