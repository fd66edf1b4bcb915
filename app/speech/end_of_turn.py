"""Whether a caller has finished, judged from how the turn sounds: Pipecat's Smart Turn v3.

Turn-based engines (ctc, transducer, whisper) have no words until the turn is over, so without
this the end of a turn is a fixed 640 ms of silence. Smart Turn v3.2 (BSD-2, 8 MB int8, trained
on 23 languages including Danish) hears the last 8 s of the turn — intonation, a word cut off —
and says whether the speaker is done; asked after a short pause, it lets a finished caller be
answered ~400 ms sooner, and the long wait is kept for those it hears as mid-sentence.

The model ships inside PyPI's `pipecat-ai` wheel; `make setup` copies that one file to
`<venv>/share/voicebot/` (pipecat itself is not installed). TURN_MODEL=smart-turn-v3.2 finds it
there; any other value is the path of an ONNX file with the same input (`input_features`
[batch, 80, 800]: Whisper's log-mel of 8 s at 16 kHz) and output (a probability [batch, 1]).
"""

from __future__ import annotations

import sys
import threading
import time
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import ConfigError

SMART_TURN = "smart-turn-v3.2"
SMART_TURN_FILE = "smart-turn-v3.2-cpu.onnx"
SMART_TURN_SHA256 = "2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f"
"""The file in pipecat-ai 1.14.0 (`pipecat/audio/turn/smart_turn/data/`), checked by `make`."""
RATE = 16_000
WINDOW = 8 * RATE
"""The model hears the last 8 s, zero-padded in front when the turn is shorter."""
FINISHED = 0.5
"""Probability above which the turn is over (the model's own cut-off)."""


class EndOfTurn(Protocol):
    """Judges a turn's audio: has the caller finished?"""

    def finished(self, pcm16: bytes, rate: int) -> bool:
        """True when the turn (16-bit PCM at `rate`) sounds complete."""
        ...


def default_path() -> Path:
    """Where `make setup` puts Smart Turn: the environment's share/voicebot directory."""
    return Path(sys.prefix) / "share" / "voicebot" / SMART_TURN_FILE


def check(setting: str | None) -> Path | None:
    """The TURN_MODEL setting's file (None when unset); ConfigError when it is not there."""
    if not setting:
        return None
    path = default_path() if setting == SMART_TURN else Path(setting)
    if not path.is_file():
        raise ConfigError(
            f"TURN_MODEL={setting!r}: no model at {path} (make setup installs {SMART_TURN})"
        )
    return path


def load(setting: str | None, threads: int = 1) -> SmartTurn | None:
    """The TURN_MODEL setting's model; None when unset. Raises ConfigError."""
    path = check(setting)
    return None if path is None else SmartTurn(path, threads)


class SmartTurn:
    """Smart Turn v3 on onnxruntime: ~50 ms on one core per judgement; calls judge at once."""

    def __init__(self, path: Path, threads: int = 1) -> None:
        try:
            import onnxruntime
            import soxr  # noqa: F401 - checked here so a missing package fails at start-up

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._session = onnxruntime.InferenceSession(str(path), options)
        except ImportError as exc:
            raise ConfigError(f"TURN_MODEL needs {exc.name}: pip install onnxruntime") from None
        except Exception as exc:  # onnxruntime raises its own classes for a bad graph
            raise ConfigError(f"TURN_MODEL={str(path)!r}: cannot load model ({exc})") from None
        shape = self._session.get_inputs()[0].shape
        if self._session.get_inputs()[0].name != "input_features" or shape[1:] != [80, 800]:
            raise ConfigError(f"TURN_MODEL={str(path)!r}: not a Smart Turn v3 model ({shape})")
        self.name = path.name
        self._lock = threading.Lock()
        self.seconds = 0.0
        self.judged = 0

    def probability(self, pcm16: bytes, rate: int) -> float:
        """The model's probability that the turn is complete."""
        import soxr

        started = time.perf_counter()
        samples = np.frombuffer(pcm16[: len(pcm16) // 2 * 2], "<i2").astype(np.float32) / 32768
        if rate != RATE:
            samples = soxr.resample(samples, rate, RATE, quality="HQ")
        features = log_mel(samples)[np.newaxis]
        (out,) = self._session.run(None, {"input_features": features})  # thread-safe
        with self._lock:
            self.seconds += time.perf_counter() - started
            self.judged += 1
        return float(out[0][0])

    def finished(self, pcm16: bytes, rate: int) -> bool:
        """True when the turn sounds complete."""
        return self.probability(pcm16, rate) > FINISHED


def log_mel(samples: np.ndarray) -> np.ndarray:
    """Whisper's log-mel features [80, 800] of the last 8 s (the model's training features).

    The waveform is zero-padded in front to 8 s and normalised to zero mean and unit variance;
    a centred 400-point STFT every 160 samples, 80 Slaney mel bands, log10, floored 8 below the
    peak and scaled to about [-1, 1], as `transformers.WhisperFeatureExtractor` computes them.
    """
    x = samples[-WINDOW:].astype(np.float32)
    x = np.pad(x, (WINDOW - len(x), 0))
    x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
    padded = np.pad(x.astype(np.float64), (200, 200), mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, 400)[::160]
    power = np.abs(np.fft.rfft(frames * _hann(), axis=-1)) ** 2  # [801, 201]
    mel = np.maximum(1e-10, power @ _mel_filters())  # [801, 80]
    logs = np.log10(mel).T[:, :-1]
    logs = np.maximum(logs, logs.max() - 8.0)
    return ((logs + 4.0) / 4.0).astype(np.float32)


@cache
def _hann() -> np.ndarray:
    return np.hanning(401)[:-1]  # periodic, as torch.hann_window


@cache
def _mel_filters() -> np.ndarray:
    """[201, 80]: Slaney-scale triangles over 0–8 kHz, area-normalised (librosa's defaults)."""

    def to_mel(f: np.ndarray) -> np.ndarray:
        return np.where(
            f < 1000, 3 * f / 200, 15 + np.log(np.maximum(f, 1e-9) / 1000) * 27 / np.log(6.4)
        )

    def to_hz(m: np.ndarray) -> np.ndarray:
        return np.where(m < 15, 200 * m / 3, 1000 * np.exp((m - 15) * np.log(6.4) / 27))

    edges = to_hz(np.linspace(0, to_mel(np.array(8000.0)), 82))
    bins = np.linspace(0, 8000, 201)
    slopes = edges[np.newaxis, :] - bins[:, np.newaxis]
    down = -slopes[:, :-2] / np.diff(edges)[:-1]
    up = slopes[:, 2:] / np.diff(edges)[1:]
    return np.maximum(0, np.minimum(down, up)) * (2 / (edges[2:] - edges[:-2]))
