"""Small, real media for emulators and tests: tones as WAV, well-formed MP3 and OGG bytes."""

from __future__ import annotations

import array
import io
import math
import os
import struct
import wave
import zlib
from pathlib import Path

from voicekit_core.audio import wav_header

__all__ = ["CountingFile", "audio_bytes", "mp3_bytes", "ogg_bytes", "pcm_samples", "read_wav",
           "rms", "tone_pcm", "tone_wav"]


def tone_pcm(seconds: float, *, sample_rate: int = 22050, frequency: float = 440.0,
             amplitude: float = 0.3) -> bytes:
    """16-bit mono PCM of a sine tone."""
    count = int(seconds * sample_rate)
    scale = amplitude * 32767
    step = 2 * math.pi * frequency / sample_rate
    return struct.pack(f"<{count}h", *(int(scale * math.sin(step * i)) for i in range(count)))


def tone_wav(seconds: float, *, sample_rate: int = 22050, frequency: float = 440.0) -> bytes:
    """A complete 16-bit mono WAV file of a sine tone."""
    pcm = tone_pcm(seconds, sample_rate=sample_rate, frequency=frequency)
    return wav_header(sample_rate=sample_rate, data_size=len(pcm)) + pcm


# Silent MPEG Layer III frames, mono, no padding: sample rate -> (version bits, rate index,
# bitrate index, frame bytes, samples per frame); 128 kbit/s MPEG-1, 64 kbit/s MPEG-2.
_MP3_LAYOUT = {
    44100: (0b11, 0b00, 0b1001, 417, 1152),
    48000: (0b11, 0b01, 0b1001, 384, 1152),
    32000: (0b11, 0b10, 0b1001, 576, 1152),
    22050: (0b10, 0b00, 0b1000, 208, 576),
}


def mp3_bytes(seconds: float, *, sample_rate: int = 44100) -> bytes:
    """A well-formed (silent) MP3 stream that lasts ``seconds`` for any MP3 parser, at
    ``sample_rate`` (44100, 48000, 32000 or 22050)."""
    version, rate_index, bitrate_index, size, samples = _MP3_LAYOUT[sample_rate]
    header = bytes([0xFF, 0xE0 | (version << 3) | (0b01 << 1) | 1,
                    (bitrate_index << 4) | (rate_index << 2), 0xC4])
    return (header + b"\x00" * (size - 4)) * max(1, round(seconds * sample_rate / samples))


def _ogg_page(serial: int, seq: int, granule: int, payload: bytes, flags: int) -> bytes:
    segments = []
    rest = len(payload)
    while rest >= 255:
        segments.append(255)
        rest -= 255
    segments.append(rest)
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, serial, seq, 0,
                         len(segments)) + bytes(segments)
    page = header + payload
    crc = _ogg_crc(page)
    return page[:22] + struct.pack("<I", crc) + page[26:]


def _ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else (crc << 1)
            crc &= 0xFFFFFFFF
    return crc


def ogg_bytes(seconds: float, *, sample_rate: int = 48000) -> bytes:
    """A well-formed Ogg Opus stream (headers plus empty audio) that lasts ``seconds``."""
    serial = zlib.crc32(b"voicekit") & 0xFFFFFFFF
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, sample_rate, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 8) + b"voicekit" + struct.pack("<I", 0)
    granule = int(seconds * 48000) + 312
    return (_ogg_page(serial, 0, 0, head, 0x02) + _ogg_page(serial, 1, 0, tags, 0)
            + _ogg_page(serial, 2, granule, b"\xf8\xff\xfe", 0x04))


def audio_bytes(fmt: str, seconds: float, *, sample_rate: int = 16000) -> bytes:
    """``seconds`` of audio in ``fmt``, as an emulator answers a speech: ``wav`` and ``pcm``
    (16-bit mono at ``sample_rate``) a tone, ``ogg`` / ``opus`` Ogg Opus, anything else MP3."""
    if fmt == "wav":
        return tone_wav(seconds, sample_rate=sample_rate)
    if fmt == "pcm":
        return tone_pcm(seconds, sample_rate=sample_rate)
    if fmt in ("ogg", "opus"):
        return ogg_bytes(seconds)
    return mp3_bytes(seconds)


class CountingFile(io.RawIOBase):
    """A seekable binary file that counts the bytes read from it: proof that a size or
    format check looked at metadata and a header, not the whole file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._f = Path(path).open("rb")  # noqa: SIM115 - closed by close()
        self.bytes_read = 0
        self.name = str(path)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        self.bytes_read += len(data)
        return data

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._f.seek(offset, whence)

    def tell(self) -> int:
        return self._f.tell()

    def close(self) -> None:
        self._f.close()
        super().close()


def pcm_samples(pcm: bytes) -> array.array[int]:
    """16-bit little-endian PCM as signed samples (a trailing odd byte is dropped)."""
    samples = array.array("h")
    samples.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    return samples


def rms(pcm: bytes) -> float:
    """The root mean square of 16-bit PCM (0.0 for none): silence vs speech in tests."""
    samples = pcm_samples(pcm)
    return math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0


def read_wav(data: bytes) -> tuple[int, int, int, bytes]:
    """(sample rate, channels, sample width, frames) read back with the stdlib wave module."""
    with wave.open(io.BytesIO(data)) as w:
        return w.getframerate(), w.getnchannels(), w.getsampwidth(), w.readframes(w.getnframes())
