"""Prompt audio: a recorded file where an admin put one, else TTS cached by content hash.

Audio is stored as the bytes Twilio plays (8 kHz μ-law), so playing a prompt is a file read.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

from .codecs import wav_to_ulaw
from .tts import Synthesizer

log = logging.getLogger(__name__)


class PromptLibrary:
    """Finds or makes the audio for a prompt.

    Args:
        cache_dir: rendered TTS, `<prompt_id>-<hash>.ulaw`; safe to delete.
        recorded_dir: `<prompt_id>.wav` files that take precedence over TTS.
        synthesizer: used by `render` only; `cached` never synthesises.
        voice: part of the cache key, so changing the voice re-renders.
    """

    def __init__(
        self, cache_dir: Path, recorded_dir: Path, synthesizer: Synthesizer | None, voice: str = ""
    ) -> None:
        self.cache_dir = cache_dir
        self.recorded_dir = recorded_dir
        self.synthesizer = synthesizer
        self.voice = voice

    def cached(self, prompt_id: str, text: str) -> bytes | None:
        """The audio if a recording or a rendering exists; never blocks on synthesis."""
        recorded = self._recorded(prompt_id)
        if recorded is not None:
            return recorded
        path = self._path(prompt_id, text)
        return path.read_bytes() if path.exists() else None

    def render(self, prompt_id: str, text: str, keep: bool = True) -> bytes:
        """The audio, synthesising it if needed (slow: call off the call's loop).

        With `keep` False (text holding personal data, like a number read back) the audio is
        made for this call only: neither looked up nor written, since its file name would be a
        hash of the text.
        """
        found = self.cached(prompt_id, text) if keep else self._recorded(prompt_id)
        if found is not None:
            return found
        if self.synthesizer is None:
            raise LookupError(f"no audio for prompt {prompt_id!r} and no synthesizer")
        audio = wav_to_ulaw(self.synthesizer.synthesize(text))
        if not keep:
            return audio
        _write_atomically(self._path(prompt_id, text), audio)
        log.info("prompt rendered prompt_id=%s seconds=%.1f", prompt_id, len(audio) / 8000)
        return audio

    def _path(self, prompt_id: str, text: str) -> Path:
        digest = hashlib.sha256(f"{self.voice}\0{text}".encode()).hexdigest()[:16]
        return self.cache_dir / f"{prompt_id}-{digest}.ulaw"

    def _recorded(self, prompt_id: str) -> bytes | None:
        wav = self.recorded_dir / f"{prompt_id}.wav"
        if not wav.exists():
            return None
        data = wav.read_bytes()
        converted = (
            self.cache_dir
            / "recorded"
            / f"{prompt_id}-{hashlib.sha256(data).hexdigest()[:16]}.ulaw"
        )
        if not converted.exists():
            _write_atomically(converted, wav_to_ulaw(data))
        return converted.read_bytes()


def _write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file and rename, so a reader never sees half a prompt."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
