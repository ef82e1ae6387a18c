"""WAV headers: parse, write, fix the sizes of a streamed WAV, keep streamed frames one WAV."""

from __future__ import annotations

import contextlib
import io
import struct
from collections.abc import Iterable, Iterator
from typing import IO

import attrs

from .errors import InvalidInput

__all__ = ["WavInfo", "finalize_wav_bytes", "finalized_wav", "fix_wav_sizes", "one_wav",
           "parse_wav_header", "wav_header"]


@attrs.frozen
class WavInfo:
    """What a RIFF/WAVE header says."""

    sample_rate: int
    channels: int
    sample_width: int
    data_offset: int
    data_size: int | None  # None when the header says "unknown / streaming"

    @property
    def frame_size(self) -> int:
        return self.channels * self.sample_width

    def duration(self, data_size: int | None = None) -> float | None:
        size = self.data_size if data_size is None else data_size
        if size is None or not self.sample_rate or not self.frame_size:
            return None
        return size / (self.sample_rate * self.frame_size)


_UNKNOWN_SIZES = (0, 0xFFFFFFFF, 0x7FFFFFFF)
#: RIFF header, a 16-byte fmt chunk, then the data chunk's header
_CANONICAL = struct.Struct("<4sI4s4sIHHIIHH4sI")


def parse_wav_header(data: bytes) -> WavInfo:
    """Parse the header of a WAV file or stream; walks chunks up to ``data``.

    Raises InvalidInput when the bytes are not a WAV or the header is incomplete.
    A data size of 0 or 0xFFFFFFFF (streamed WAV) is reported as None.
    """
    if len(data) >= _CANONICAL.size:  # the common 44-byte header: one unpack
        (riff, _, wave, fmt_id, fmt_size, _tag, channels, rate, _byte_rate, _align, bits,
         data_id, size) = _CANONICAL.unpack_from(data)
        if riff == b"RIFF" and wave == b"WAVE" and fmt_id == b"fmt " and fmt_size == 16 \
                and data_id == b"data":
            return WavInfo(sample_rate=rate, channels=channels, sample_width=max(1, bits // 8),
                           data_offset=_CANONICAL.size,
                           data_size=None if size in _UNKNOWN_SIZES else size)
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise InvalidInput("not a RIFF/WAVE stream", field="audio", limit="WAV")
    pos = 12
    fmt: tuple[int, int, int] | None = None
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        body = pos + 8
        if chunk_id == b"fmt ":
            if body + 16 > len(data):
                break
            _tag, channels, rate, _byte_rate, _align, bits = struct.unpack(
                "<HHIIHH", data[body : body + 16]
            )
            fmt = (rate, channels, max(1, bits // 8))
        elif chunk_id == b"data":
            if fmt is None:
                break
            return WavInfo(
                sample_rate=fmt[0],
                channels=fmt[1],
                sample_width=fmt[2],
                data_offset=body,
                data_size=None if size in _UNKNOWN_SIZES else size,
            )
        pos = body + size + (size & 1)
    raise InvalidInput("incomplete WAV header", field="audio", limit="WAV")


def one_wav(frames: Iterable[bytes]) -> Iterator[bytes]:
    """Streamed WAV frames as one continuous WAV: a RIFF header at the start of a later
    frame (a vendor that starts a new WAV for each piece of text) is dropped; a frame that
    only looks like the start of one is handed on as it is."""
    started = False
    for frame in frames:
        if started and frame[:4] == b"RIFF" and frame[8:12] == b"WAVE":
            with contextlib.suppress(InvalidInput):
                frame = frame[parse_wav_header(frame).data_offset:]
            if not frame:
                continue
        started = started or bool(frame)
        yield frame


def wav_header(
    *, sample_rate: int, channels: int = 1, sample_width: int = 2, data_size: int = 0
) -> bytes:
    """A canonical 44-byte PCM WAV header."""
    byte_rate = sample_rate * channels * sample_width
    return (
        b"RIFF"
        + struct.pack("<I", min(36 + data_size, 0xFFFFFFFF))
        + b"WAVEfmt "
        + struct.pack(
            "<IHHIIHH",
            16,
            1,
            channels,
            sample_rate,
            byte_rate,
            channels * sample_width,
            sample_width * 8,
        )
        + b"data"
        + struct.pack("<I", data_size)
    )


def fix_wav_sizes(stream: IO[bytes], info: WavInfo, total_size: int) -> None:
    """Rewrite the RIFF and data sizes of a WAV written with unknown sizes."""
    data_size = total_size - info.data_offset
    stream.seek(4)
    stream.write(struct.pack("<I", total_size - 8))
    stream.seek(info.data_offset - 4)
    stream.write(struct.pack("<I", data_size))


def finalize_wav_bytes(data: bytes) -> bytes:
    """Return WAV bytes whose header sizes match the data (for streamed WAVs)."""
    return finalized_wav(data)[0]


def finalized_wav(data: bytes) -> tuple[bytes, WavInfo]:
    """:func:`finalize_wav_bytes`, with the header it read (parsed once)."""
    info = parse_wav_header(data)
    if info.data_size == len(data) - info.data_offset:
        return data, info
    buf = io.BytesIO(data)
    fix_wav_sizes(buf, info, len(data))
    return buf.getvalue(), info
