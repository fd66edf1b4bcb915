"""Whisper recognition with faster-whisper (CTranslate2): Danish fine-tunes on GPU hosts.

Each decoding option below was measured to matter on phone turns: temperature fallback
multiplied CPU time by about five, greedy decoding looped on short turns, conditioning on earlier
text and timestamps only cost time. On two CPU cores a 1.5B fine-tune needs ~25 s per turn; this
engine is for hosts with a GPU (~0.1–0.3 s).
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from .codecs import TWILIO_SAMPLE_RATE, PhoneToModel

log = logging.getLogger(__name__)

WHISPER_RATE = 16_000
BEAM_SIZE = 2
MAX_NEW_TOKENS = 96
"""A caller's turn is a sentence or two; a loop is cut here instead of running to 448 tokens."""
MAX_HOTWORDS = 60
"""Intent words offered to the decoder as hints (the prompt has a bounded length)."""
DECODE_OPTIONS = {
    "language": "da",
    "task": "transcribe",
    "beam_size": BEAM_SIZE,
    "temperature": 0.0,
    "condition_on_previous_text": False,
    "without_timestamps": True,
    "max_new_tokens": MAX_NEW_TOKENS,
    "vad_filter": False,  # our VAD already cut the turn
}


class WhisperModel:
    """A CTranslate2 Whisper model loaded once; one decoding at a time, turns queued in order.

    Args:
        path: a directory converted with `ct2-transformers-converter` (model.bin, config.json,
            tokenizer.json, vocabulary).
        threads: CPU threads (ignored on a GPU).
        hinted: offer the intent set's longest words as hotwords (STT_VOCABULARY=restricted).
    """

    sample_rate = TWILIO_SAMPLE_RATE
    streaming = False
    engine = "whisper"

    def __init__(self, path: str, threads: int = 2, hinted: bool = True) -> None:
        if not (Path(path) / "model.bin").is_file():
            raise ConfigError(f"STT_MODEL_PATH={path!r}: no model.bin (a CTranslate2 Whisper)")
        try:
            import faster_whisper
            import soxr  # noqa: F401
        except ImportError as exc:
            raise ConfigError(
                f"STT_ENGINE=whisper needs the whisper extra: pip install 'voicebot[whisper]' "
                f"({exc.name})"
            ) from None
        started = time.perf_counter()
        try:
            self._model = faster_whisper.WhisperModel(
                path, device="auto", compute_type="default", cpu_threads=threads
            )
        except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError for a bad directory
            raise ConfigError(f"STT_MODEL_PATH={path!r}: cannot load model ({exc})") from None
        self.name = Path(path).name
        self.hinted = hinted
        self.load_seconds = time.perf_counter() - started
        self._decoder = ThreadPoolExecutor(1, thread_name_prefix="whisper")
        self._stats_lock = threading.Lock()
        self.encode_seconds = 0.0
        self.encodings = 0

    def recognizer(self, vocabulary: list[str] | None = None) -> WhisperRecognizer:
        """A recogniser for one call, hinted toward the longest words of `vocabulary`."""
        words = sorted(vocabulary or [], key=lambda w: (-len(w), w))[:MAX_HOTWORDS]
        if not self.hinted:
            words = []
        return WhisperRecognizer(self, " ".join(sorted(words)) or None)

    def transcribe(self, samples: np.ndarray, hotwords: str | None) -> str:
        """Decode one turn of 16 kHz float samples; waits behind turns already queued."""
        return self._decoder.submit(self._run, samples, hotwords).result()

    def close(self) -> None:
        """Stop the decoding thread once queued work is done."""
        self._decoder.shutdown(wait=True)

    def _run(self, samples: np.ndarray, hotwords: str | None) -> str:
        started = time.perf_counter()
        segments, _info = self._model.transcribe(samples, hotwords=hotwords, **DECODE_OPTIONS)
        text = " ".join(segment.text.strip() for segment in segments)
        with self._stats_lock:
            self.encode_seconds += time.perf_counter() - started
            self.encodings += 1
        return text.strip()


class WhisperRecognizer:
    """One call's turns, resampled as they come and decoded whole at the end."""

    streaming = False

    def __init__(self, model: WhisperModel, hotwords: str | None) -> None:
        self.model = model
        self.hotwords = hotwords
        self._wide = PhoneToModel(WHISPER_RATE)
        self._audio: list[np.ndarray] = []

    def accept(self, pcm16: bytes) -> str:
        """Feed 8 kHz audio. No partials: returns ""."""
        self._audio.append(self._wide.feed(pcm16))
        return ""

    def finish(self) -> str:
        """Decode the turn and return its text; the recogniser is then ready for the next."""
        samples = np.concatenate([*self._audio, self._wide.flush()])
        self._audio = []
        if not len(samples):
            return ""
        return self.model.transcribe(samples, self.hotwords)
