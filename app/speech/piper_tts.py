"""Piper neural speech synthesis (onnxruntime); the only module that imports piper.

espeak-ng's Danish is intelligible but robotic. Piper voices (a VITS model in `.onnx` with its
`.onnx.json` config) sound natural; the Danish one is `da_DK-talesyntese-medium` (see README).
The voice is loaded once per process and, like espeak-ng, synthesises one text at a time:
prompts are pre-rendered, so its cost matters only for text made during a call.
"""

from __future__ import annotations

import io
import threading
import wave
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .pyttsx3_tts import SynthesisError, check_duration


class PiperSynthesizer:
    """Speaks with a Piper voice file (TTS_VOICE=/path/voice.onnx, config beside it).

    Raises:
        ConfigError: on construction, when piper-tts or the voice files are missing.
        SynthesisError: from `synthesize`, when the voice makes no usable audio.
    """

    def __init__(self, voice_path: str) -> None:
        model = Path(voice_path)
        config = Path(f"{voice_path}.json")
        for needed in (model, config):
            if not needed.is_file():
                raise ConfigError(f"TTS_VOICE={voice_path!r}: no {needed.name} (a Piper voice)")
        try:
            from piper import PiperVoice
        except ImportError:
            raise ConfigError(
                "TTS_ENGINE=piper needs piper-tts: pip install 'voicebot[piper]'"
            ) from None
        try:
            self._voice: Any = PiperVoice.load(model, config_path=config)
        except Exception as exc:  # onnxruntime and json raise their own classes
            raise ConfigError(f"TTS_VOICE={voice_path!r}: cannot load voice ({exc})") from None
        self.sample_rate: int = self._voice.config.sample_rate
        self._lock = threading.Lock()

    def synthesize(self, text: str) -> bytes:
        """WAV bytes (16-bit mono, the voice's rate) of `text` spoken."""
        with self._lock:
            chunks = [c.audio_int16_bytes for c in self._voice.synthesize(text)]
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(self.sample_rate)
            out.writeframes(b"".join(chunks))
        data = buffer.getvalue()
        problem = check_duration(data, text)
        if problem:
            raise SynthesisError(f"Piper made no usable audio: {problem}")
        return data
