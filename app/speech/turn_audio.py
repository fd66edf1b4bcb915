"""One turn's audio at a model's rate, cut into the chunks a turn-based engine encodes.

The ctc and transducer engines encode while the caller is still speaking: a chunk [start, end)
is due once `context` more audio has arrived after it, and is encoded with up to `context` on
each side; what is left when the turn ends is the tail. Both engines keep the same bookkeeping,
so it lives here once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .codecs import PhoneToModel


@dataclass(frozen=True)
class Chunk:
    """Samples [start, end) of the turn to encode, with `left` and `right` context around."""

    start: int
    end: int
    left: int
    right: int
    """0 for the tail: nothing follows it."""


class TurnAudio:
    """Phone audio resampled to `rate` as it comes, and the chunks due for encoding.

    Args:
        rate: the model's sampling rate.
        chunk: samples per chunk while the caller speaks; 0 waits for the whole turn.
        context: samples of context encoded on each side of a chunk.
    """

    def __init__(self, rate: int, chunk: int, context: int) -> None:
        self._wide = PhoneToModel(rate)
        self.chunk, self.context = chunk, context
        self.reset()

    def feed(self, pcm16: bytes) -> list[Chunk]:
        """Add 8 kHz audio; returns the chunks that now have their right context."""
        self._append(self._wide.feed(pcm16))
        due = []
        while self.chunk and self._samples >= self._encoded + self.chunk + self.context:
            due.append(self._cut(self._encoded + self.chunk, self.context))
        return due

    def tail(self) -> Chunk | None:
        """The turn has ended: the rest not yet encoded, if any."""
        self._append(self._wide.flush())
        return self._cut(self._samples, 0) if self._samples > self._encoded else None

    def samples(self) -> np.ndarray:
        """Every sample of the turn so far."""
        if len(self._audio) > 1:
            self._audio = [np.concatenate(self._audio)]
        return self._audio[0] if self._audio else np.zeros(0, np.float32)

    def reset(self) -> None:
        """Ready for the next turn."""
        self._audio: list[np.ndarray] = []
        self._samples = 0
        self._encoded = 0

    def _append(self, samples: np.ndarray) -> None:
        self._audio.append(samples)
        self._samples += len(samples)

    def _cut(self, end: int, right: int) -> Chunk:
        start, self._encoded = self._encoded, end
        return Chunk(start, end, min(self.context, start), right)
