"""Which voice speaks the prompts: TTS_ENGINE picks the engine module, TTS_VOICE its voice.

Recorded WAVs in PROMPTS_DIR win over either engine (see `PromptLibrary`).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ..config import Settings
from ..errors import ConfigError
from .tts import Synthesizer

TTS_ENGINES = ("pyttsx3", "piper")


def check(settings: Settings) -> None:
    """Fail with one line when the chosen engine's package or voice is missing (no loading)."""
    if settings.tts_engine not in TTS_ENGINES:
        raise ConfigError(f"TTS_ENGINE must be one of {', '.join(TTS_ENGINES)}")
    if settings.tts_engine == "piper":
        if importlib.util.find_spec("piper") is None:
            raise ConfigError("TTS_ENGINE=piper needs piper-tts: pip install 'voicebot[piper]'")
        voice = Path(settings.tts_voice)
        for needed in (voice, Path(f"{voice}.json")):
            if not needed.is_file():
                raise ConfigError(
                    f"TTS_VOICE={settings.tts_voice!r}: no {needed.name} (a Piper voice: "
                    ".onnx with its .onnx.json)"
                )


def load(settings: Settings) -> tuple[Synthesizer, str]:
    """The configured synthesiser and a short name for its voice (a key of the prompt cache)."""
    check(settings)
    if settings.tts_engine == "piper":
        from .piper_tts import PiperSynthesizer

        return PiperSynthesizer(settings.tts_voice), f"piper-{Path(settings.tts_voice).stem}"
    from .pyttsx3_tts import Pyttsx3Synthesizer

    return Pyttsx3Synthesizer(settings.tts_voice), settings.tts_voice
