"""pyttsx3's espeak-ng speech synthesis, in-process; the only module that imports pyttsx3.

pyttsx3's engine API leaves `runAndWait` before espeak has finished a long text and keeps
state between calls, so the first version rendered each prompt in a fresh child process
(~1 s each, most of it Python start-up; a fresh server spent a minute on its prompts). Here we
drive the same espeak-ng library through pyttsx3's own ctypes binding in synchronous mode:
`espeak_Synth` returns only when every sample has reached our callback, so there is nothing to
wait for. Measured here: 15 ms for a 13-word sentence (~0.003 real-time), 6 ms to initialise.
The library is one global state per process, so one lock serialises synthesis.
"""

from __future__ import annotations

import ctypes
import io
import threading
import wave
from typing import Any

from ..errors import VoicebotError

MIN_SECONDS_PER_WORD = 0.08
MAX_SECONDS_PER_CHAR = 0.25
BUFFER_MS = 500
"""Audio handed to our callback at a time; synchronous mode calls it until the text is done."""

_LOCK = threading.Lock()
_engine: _Espeak | None = None


class SynthesisError(VoicebotError):
    """TTS produced no usable audio."""


class Pyttsx3Synthesizer:
    """Speaks Danish (or `voice`) through the host's espeak-ng.

    Raises:
        SynthesisError: from `synthesize`, when espeak-ng is missing or makes no usable audio.
    """

    def __init__(self, voice: str = "da", rate: int = 165) -> None:
        self.voice = voice
        self.rate = rate

    def synthesize(self, text: str) -> bytes:
        """WAV bytes (16-bit mono) of `text` spoken."""
        with _LOCK:
            engine = _espeak()
            samples = engine.speak(text, self.voice, self.rate)
        data = _wav(samples, engine.sample_rate)
        problem = check_duration(data, text)
        if problem:
            raise SynthesisError(f"espeak-ng made no usable audio: {problem}")
        return data


def check_duration(wav_bytes: bytes, text: str) -> str:
    """Empty if the audio's length is plausible for the text, else what is wrong."""
    try:
        with wave.open(io.BytesIO(wav_bytes)) as wav:
            seconds = wav.getnframes() / wav.getframerate()
    except (wave.Error, EOFError) as exc:
        return f"not a WAV file ({exc})"
    low = MIN_SECONDS_PER_WORD * max(1, len(text.split()))
    high = MAX_SECONDS_PER_CHAR * max(1, len(text)) + 1.0
    return "" if low <= seconds <= high else f"{seconds:.2f} s for {len(text)} characters"


class _Espeak:
    """espeak-ng's library in synchronous mode, through pyttsx3's binding."""

    def __init__(self) -> None:
        try:
            from pyttsx3.drivers import _espeak
        except (ImportError, RuntimeError) as exc:  # the binding raises when the library is absent
            raise SynthesisError(f"espeak-ng is not installed: {exc}") from None
        self.lib: Any = _espeak
        self.sample_rate = self.lib.Initialize(self.lib.AUDIO_OUTPUT_SYNCHRONOUS, BUFFER_MS)
        if self.sample_rate <= 0:
            raise SynthesisError("espeak-ng did not initialise")
        self._chunks: list[bytes] = []
        self.lib.SetSynthCallback(self._collect)
        self._voice: tuple[str, int] | None = None

    def speak(self, text: str, voice: str, rate: int) -> bytes:
        if self._voice != (voice, rate):
            if self.lib.SetVoiceByName(voice.encode()) != self.lib.EE_OK:
                raise SynthesisError(f"espeak-ng has no voice {voice!r}")
            self.lib.SetParameter(self.lib.RATE, rate, 0)
            self._voice = (voice, rate)
        self._chunks = []
        if self.lib.Synth(text, flags=self.lib.CHARS_UTF8) != self.lib.EE_OK:
            raise SynthesisError("espeak-ng refused the text")
        return b"".join(self._chunks)

    def _collect(self, wav: Any, count: int, events: Any) -> int:
        if count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0  # 0: go on


def _espeak() -> _Espeak:
    global _engine
    if _engine is None:
        _engine = _Espeak()
    return _engine


def _wav(samples: bytes, rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples)
    return out.getvalue()
