"""Vosk recognition: one model per process, one recogniser per call. The only vosk import."""

from __future__ import annotations

import json
import logging
from typing import Any

from ..errors import ConfigError
from .codecs import TWILIO_SAMPLE_RATE

log = logging.getLogger(__name__)

UNKNOWN_WORD = "[unk]"
"""Vosk's garbage word: a restricted vocabulary may hear "something else", not force a match."""


class VoskModel:
    """A Vosk model loaded once; recognisers made from it may run in parallel threads.

    Vosk's binding releases the GIL while decoding, so calls on other threads proceed. Sharing
    the model is safe; a recogniser must stay with one call (one thread).

    Args:
        path: the model directory (VOSK_MODEL_PATH).
        restricted: build per-call vocabularies from the intent set (~8x cheaper) if the model
            supports it; False decodes with the model's full vocabulary.
    """

    sample_rate = TWILIO_SAMPLE_RATE
    """Recognisers are fed 8 kHz directly: Vosk resamples inside for no more cost than we would."""

    def __init__(self, path: str, restricted: bool = True) -> None:
        try:
            import vosk
        except ImportError as exc:  # pragma: no cover - vosk is a core dependency
            raise ConfigError("vosk is not installed") from exc
        vosk.SetLogLevel(-1)
        try:
            self._model = vosk.Model(path)
        except Exception as exc:  # vosk raises a bare Exception for a bad directory
            raise ConfigError(f"VOSK_MODEL_PATH={path!r}: cannot load model ({exc})") from None
        self._vosk = vosk
        self.restricted = restricted

    def recognizer(self, vocabulary: list[str] | None = None) -> VoskRecognizer:
        """A recogniser for one call, restricted to `vocabulary` when the model allows."""
        if self.restricted and vocabulary:
            grammar = json.dumps([*vocabulary, UNKNOWN_WORD], ensure_ascii=False)
            rec = self._vosk.KaldiRecognizer(self._model, self.sample_rate, grammar)
        else:
            rec = self._vosk.KaldiRecognizer(self._model, self.sample_rate)
        return VoskRecognizer(rec)


class VoskRecognizer:
    """Streaming recognition of one call's audio; our VAD, not Vosk's, decides the turn's end."""

    streaming = True

    def __init__(self, recognizer: Any) -> None:
        self._rec = recognizer
        self._segments: list[str] = []
        """Text of pauses Vosk already closed inside the current turn."""

    def accept(self, pcm16: bytes) -> str:
        """Feed audio; returns the transcript of the turn so far (for barge-in)."""
        if self._rec.AcceptWaveform(pcm16):
            self._segments.append(self._words(self._rec.Result()))
            return self._joined()
        return self._joined(self._words(self._rec.PartialResult(), key="partial"))

    def finish(self) -> str:
        """Close the turn and return its text; the recogniser is ready for the next turn."""
        text = self._joined(self._words(self._rec.FinalResult()))
        self._rec.Reset()
        self._segments = []
        return text

    def _joined(self, current: str = "") -> str:
        return " ".join(t for t in (*self._segments, current) if t)

    @staticmethod
    def _words(raw: str, key: str = "text") -> str:
        words = json.loads(raw).get(key, "").split()
        return " ".join(w for w in words if w != UNKNOWN_WORD)
