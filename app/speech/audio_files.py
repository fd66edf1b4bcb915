"""Audio files as a municipality has them: WAV at any rate, PCM or G.711 as a phone records it.

Python's `wave` reads only integer PCM; call recordings are often 8 kHz μ-law or A-law (WAV
formats 7 and 6), so the RIFF chunks are read here. Everything comes out as 16-bit mono PCM.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from .codecs import TWILIO_SAMPLE_RATE, alaw_to_pcm16, pcm16_to_ulaw, ulaw_to_pcm16

PCM, ALAW, ULAW, EXTENSIBLE = 1, 6, 7, 0xFFFE


class AudioFileError(ValueError):
    """A file that is not a WAV we can read; the message says what is wrong."""


def read_wav(path: Path) -> tuple[bytes, int]:
    """(16-bit mono PCM, sample rate) of a WAV file: PCM 8/16/24/32-bit, μ-law or A-law."""
    data = path.read_bytes()
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioFileError(f"{path}: not a WAV file")
    fmt: tuple[int, int, int, int] | None = None
    position = 12
    while position + 8 <= len(data):
        chunk, size = struct.unpack_from("<4sI", data, position)
        body = data[position + 8 : position + 8 + size]
        if chunk == b"fmt " and len(body) >= 16:
            tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", body)
            if tag == EXTENSIBLE and len(body) >= 26:
                tag = struct.unpack_from("<H", body, 24)[0]
            fmt = (tag, channels, rate, bits)
        elif chunk == b"data":
            if fmt is None:
                raise AudioFileError(f"{path}: data before its format")
            return _decode(path, body, *fmt), fmt[2]
        position += 8 + size + (size & 1)
    raise AudioFileError(f"{path}: no audio data")


def _decode(path: Path, body: bytes, tag: int, channels: int, rate: int, bits: int) -> bytes:
    if channels < 1 or rate < 1000:
        raise AudioFileError(f"{path}: {channels} channels at {rate} Hz")
    if tag == ULAW:
        pcm = np.frombuffer(ulaw_to_pcm16(body), "<i2")
    elif tag == ALAW:
        pcm = np.frombuffer(alaw_to_pcm16(body), "<i2")
    elif tag == PCM and bits == 8:
        pcm = ((np.frombuffer(body, np.uint8).astype(np.int16) - 128) << 8).astype("<i2")
    elif tag == PCM and bits in (16, 24, 32):
        width = bits // 8
        raw = np.frombuffer(body[: len(body) // width * width], np.uint8).reshape(-1, width)
        pcm = raw[:, -2:].copy().view("<i2").ravel()  # the top 16 bits of each sample
    else:
        raise AudioFileError(f"{path}: WAV format {tag} with {bits} bits is not supported")
    pcm = pcm[: len(pcm) // channels * channels]
    if channels > 1:
        pcm = pcm.reshape(-1, channels).mean(axis=1).astype("<i2")
    return pcm.astype("<i2").tobytes()


def resample(pcm16: bytes, source: int, target: int) -> bytes:
    """Band-limited resampling (soxr) of a whole 16-bit mono signal."""
    if source == target:
        return pcm16
    import soxr

    x = np.frombuffer(pcm16, "<i2").astype(np.float32) / 32768
    y = soxr.resample(x, source, target, quality="HQ")
    return (np.clip(y, -1, 1) * 32767).astype("<i2").tobytes()


def phone_line(pcm16: bytes, rate: int) -> bytes:
    """What a phone call makes of a recording: 300–3,400 Hz, 8 kHz, μ-law. Returns 8 kHz PCM."""
    x = np.frombuffer(pcm16, "<i2").astype(np.float64)
    spectrum = np.fft.rfft(x)
    hz = np.fft.rfftfreq(len(x), 1 / rate)
    spectrum[(hz < 300) | (hz > 3400)] = 0
    band = np.clip(np.fft.irfft(spectrum, len(x)), -32768, 32767).astype("<i2").tobytes()
    narrow = resample(band, rate, TWILIO_SAMPLE_RATE)
    return ulaw_to_pcm16(pcm16_to_ulaw(narrow))
