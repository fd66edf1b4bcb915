"""Speech synthesis as the prompt library sees it."""

from __future__ import annotations

from typing import Protocol


class Synthesizer(Protocol):
    """Turns text into speech."""

    def synthesize(self, text: str) -> bytes:
        """A 16-bit mono WAV file of `text` spoken (any sample rate)."""
        ...
