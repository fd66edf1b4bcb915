"""Which recogniser a process uses: STT_ENGINE picks one module, STT_MODEL_PATH its model.

Each engine lives in its own module behind the `SpeechModel` protocol and imports its package
only there, so an optional engine's package is needed only where it is chosen.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from ..config import Settings
from ..errors import ConfigError
from .stt import SpeechModel

ENGINES = ("vosk", "ctc", "transducer", "whisper")
PACKAGES = {
    "vosk": ("vosk",),
    "ctc": ("onnxruntime", "soxr"),
    "transducer": ("onnxruntime", "onnx_asr", "soxr"),
    "whisper": ("faster_whisper", "soxr"),
}
"""What each engine imports; `check` looks for them without loading a model."""
MODEL_FILES = {
    "vosk": ("am", "conf"),
    "ctc": ("model.onnx", "vocab.json"),
    "transducer": ("vocab.txt",),
    "whisper": ("model.bin",),
}
"""What a model directory of each engine holds (Vosk: directories; the others: files; the
transducer's graphs come as a float or an int8 pair, which its module checks)."""


def model_path(settings: Settings) -> str | None:
    """STT_MODEL_PATH, or for Vosk the older VOSK_MODEL_PATH."""
    if settings.stt_model_path:
        return settings.stt_model_path
    return settings.vosk_model_path if settings.stt_engine == "vosk" else None


def check_speech(settings: Settings) -> None:
    """Check the recogniser, voice and end-of-turn model `voicebot serve` would load.

    One clear line at start-up for a wrong one, never a silent call.
    """
    from . import end_of_turn, voices

    check(settings)
    voices.check(settings)
    end_of_turn.check(settings.turn_model)


def check(settings: Settings) -> None:
    """Fail with one line when the chosen engine's package or model is missing (no loading).

    No model path at all is allowed for Vosk: calls then get the keypad menu and a person.
    """
    engine = settings.stt_engine
    if engine not in ENGINES:
        raise ConfigError(f"STT_ENGINE must be one of {', '.join(ENGINES)}")
    path = model_path(settings)
    if path is None:
        if engine != "vosk":
            raise ConfigError(f"STT_ENGINE={engine} needs STT_MODEL_PATH (see README)")
        return
    missing = [p for p in PACKAGES[engine] if importlib.util.find_spec(p) is None]
    if missing:
        raise ConfigError(
            f"STT_ENGINE={engine} needs {', '.join(missing)}: pip install 'voicebot[{engine}]'"
        )
    absent = [name for name in MODEL_FILES[engine] if not (Path(path) / name).exists()]
    if absent:
        raise ConfigError(
            f"STT_MODEL_PATH={path!r} is not a {engine} model directory (no {', '.join(absent)})"
        )


def load(settings: Settings) -> SpeechModel | None:
    """The configured model, loaded; None when no model is configured. Raises ConfigError."""
    check(settings)
    path = model_path(settings)
    if path is None:
        return None
    threads = settings.stt_threads or _cores()
    if settings.stt_engine in ("ctc", "transducer"):
        if settings.stt_engine == "ctc":
            from .ctc_stt import CtcModel as Encoder
        else:
            from .transducer_stt import TransducerModel as Encoder
        return Encoder(
            path,
            threads=threads,
            chunk_ms=settings.stt_chunk_ms,
            biased=settings.stt_vocabulary == "restricted",
        )
    if settings.stt_engine == "whisper":
        from .whisper_stt import WhisperModel

        return WhisperModel(path, threads=threads, hinted=settings.stt_vocabulary == "restricted")
    from .vosk_stt import VoskModel

    return VoskModel(path, restricted=settings.stt_vocabulary == "restricted")


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
