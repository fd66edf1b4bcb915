"""G.711 μ-law and A-law, and resampling, in numpy (no `audioop`, which Python 3.13 removed)."""

from __future__ import annotations

import io
import wave

import numpy as np

TWILIO_SAMPLE_RATE = 8_000
"""Twilio Media Streams always send and expect 8 kHz mono μ-law."""
FRAME_MS = 20
"""Twilio sends a media message about every 20 ms; VAD works on 20 ms frames too."""
FRAME_BYTES_PCM = TWILIO_SAMPLE_RATE * FRAME_MS // 1000 * 2
"""One 20 ms frame of 16-bit PCM at 8 kHz: 320 bytes."""

_BIAS = 0x84
_BIAS14 = 0x21
_CLIP14 = 8_159
_SEGMENT_ENDS = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])


def _ulaw_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(codes & 0x80, -magnitude, magnitude).astype(np.int16)


_ULAW_TO_PCM = _ulaw_table()
_ULAW_LOW = bytes(_ULAW_TO_PCM.astype("<i2").view(np.uint8)[0::2])
_ULAW_HIGH = bytes(_ULAW_TO_PCM.astype("<i2").view(np.uint8)[1::2])
"""The table as two byte maps, for `bytes.translate`: a 20 ms frame decodes in about a
microsecond, where numpy's per-call overhead cost ten times that on every frame of every call."""


def _alaw_table() -> np.ndarray:
    codes = np.arange(256, dtype=np.int32) ^ 0x55
    mantissa = (codes & 0x0F) << 4
    segment = (codes & 0x70) >> 4
    shifted = (mantissa + 0x108) << np.maximum(segment - 1, 0)
    magnitude = np.where(segment == 0, mantissa + 8, shifted)
    return np.where(codes & 0x80, magnitude, -magnitude).astype(np.int16)


_ALAW_TO_PCM = _alaw_table()


def ulaw_to_pcm16(data: bytes) -> bytes:
    """Decode μ-law bytes to little-endian 16-bit PCM."""
    out = bytearray(2 * len(data))
    out[0::2] = data.translate(_ULAW_LOW)
    out[1::2] = data.translate(_ULAW_HIGH)
    return bytes(out)


def alaw_to_pcm16(data: bytes) -> bytes:
    """Decode G.711 A-law bytes (European trunks, WAV format 6) to 16-bit PCM."""
    return _ALAW_TO_PCM[np.frombuffer(data, dtype=np.uint8)].astype("<i2").tobytes()


def pcm16_to_ulaw(data: bytes) -> bytes:
    """Encode little-endian 16-bit PCM to μ-law, bit for bit as CPython's `audioop.lin2ulaw`."""
    value = np.frombuffer(data, dtype="<i2").astype(np.int32) >> 2  # G.711 works on 14 bits
    mask = np.where(value < 0, 0x7F, 0xFF)
    value = np.minimum(np.abs(value), _CLIP14) + _BIAS14
    segment = np.searchsorted(_SEGMENT_ENDS, value, side="left")
    code = np.where(segment > 7, 0x7F, (segment << 4) | ((value >> (segment + 1)) & 0x0F))
    return (code ^ mask).astype(np.uint8).tobytes()


_ALAW_SEGMENT_ENDS = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF])


def pcm16_to_alaw(data: bytes) -> bytes:
    """Encode 16-bit PCM to G.711 A-law, bit for bit as CPython's `audioop.lin2alaw`."""
    value = np.frombuffer(data, dtype="<i2").astype(np.int32) >> 3  # A-law works on 13 bits
    mask = np.where(value >= 0, 0xD5, 0x55)
    value = np.where(value >= 0, value, -value - 1)
    segment = np.searchsorted(_ALAW_SEGMENT_ENDS, value, side="left")
    shift = np.where(segment < 2, 1, segment)
    code = np.where(segment > 7, 0x7F, (segment << 4) | ((value >> shift) & 0x0F))
    return (code ^ mask).astype(np.uint8).tobytes()


_EVERY_CODE = bytes(range(256))
_ALAW_TO_ULAW = pcm16_to_ulaw(alaw_to_pcm16(_EVERY_CODE))
_ULAW_TO_ALAW = pcm16_to_alaw(ulaw_to_pcm16(_EVERY_CODE))


def alaw_to_ulaw(data: bytes) -> bytes:
    """A-law (European trunks) to μ-law, as the call session takes it: one byte map."""
    return data.translate(_ALAW_TO_ULAW)


def ulaw_to_alaw(data: bytes) -> bytes:
    """μ-law prompt audio to A-law for a European trunk: one byte map."""
    return data.translate(_ULAW_TO_ALAW)


class Resampler:
    """Streaming resampler for 16-bit mono PCM, with state carried across chunks.

    A windowed-sinc low-pass (when going down) then linear interpolation. Feeding a signal in
    pieces gives the same samples as feeding it whole: no clicks at chunk boundaries.
    """

    TAPS = 31

    def __init__(self, source_rate: int, target_rate: int) -> None:
        self.source_rate = source_rate
        self.target_rate = target_rate
        self._step = source_rate / target_rate
        cutoff = 0.45 * min(source_rate, target_rate) / source_rate
        n = np.arange(self.TAPS) - (self.TAPS - 1) / 2
        kernel = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(self.TAPS)
        self._kernel = kernel / kernel.sum() if target_rate < source_rate else None
        self._history = np.zeros(self.TAPS - 1)
        self._position = 0.0
        """Where the next output sample falls, in input samples, relative to the pending tail."""
        self._tail = np.zeros(0)

    def process(self, pcm16: bytes) -> bytes:
        """Resample the next chunk; returns as many output samples as the input allows."""
        if self.source_rate == self.target_rate:
            return pcm16
        x = np.frombuffer(pcm16, dtype="<i2").astype(np.float64)
        if self._kernel is not None:
            padded = np.concatenate([self._history, x])
            self._history = padded[-(self.TAPS - 1) :]
            x = np.convolve(padded, self._kernel, mode="valid")
        signal = np.concatenate([self._tail, x])
        if len(signal) < 2:
            self._tail = signal
            return b""
        positions = np.arange(self._position, len(signal) - 1, self._step)
        out = np.interp(positions, np.arange(len(signal)), signal)
        next_position = positions[-1] + self._step if len(positions) else self._position
        keep_from = min(int(np.floor(next_position)), len(signal))
        self._tail = signal[keep_from:]
        self._position = next_position - keep_from
        return np.clip(np.round(out), -32768, 32767).astype("<i2").tobytes()


class PhoneToModel:
    """Phone audio (8 kHz 16-bit PCM, in pieces) as float samples at a model's rate.

    soxr's band-limited filter: naive upsampling would mirror 0–4 kHz into 4–8 kHz, sounds a
    wide-band model never heard in training. State carries across pieces until `flush`.
    """

    def __init__(self, rate: int) -> None:
        import soxr

        self._soxr, self.rate = soxr, rate
        self._stream = soxr.ResampleStream(TWILIO_SAMPLE_RATE, rate, 1, dtype="float32")

    def feed(self, pcm16: bytes) -> np.ndarray:
        """The next samples (an odd trailing byte is dropped, not an error)."""
        pcm16 = pcm16[: len(pcm16) // 2 * 2]
        x = np.frombuffer(pcm16, dtype="<i2").astype(np.float32) / 32768.0
        return self._stream.resample_chunk(x)

    def flush(self) -> np.ndarray:
        """What the filter still holds; the converter is then ready for a new utterance."""
        tail = self._stream.resample_chunk(np.zeros(0, np.float32), last=True)
        self._stream = self._soxr.ResampleStream(TWILIO_SAMPLE_RATE, self.rate, 1, dtype="float32")
        return tail


def wav_to_ulaw(wav_bytes: bytes) -> bytes:
    """A mono or stereo 16-bit WAV (any rate) as 8 kHz μ-law, ready to stream to Twilio."""
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        if wav.getsampwidth() != 2:
            raise ValueError("only 16-bit PCM WAV files are supported")
        rate, channels = wav.getframerate(), wav.getnchannels()
        frames = wav.readframes(wav.getnframes())
    samples = np.frombuffer(frames, dtype="<i2")
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1).astype("<i2")
    pcm = Resampler(rate, TWILIO_SAMPLE_RATE).process(samples.tobytes())
    return pcm16_to_ulaw(pcm)


def ulaw_seconds(data: bytes) -> float:
    """Playing time of 8 kHz μ-law audio."""
    return len(data) / TWILIO_SAMPLE_RATE
