"""Speech recognition as the call session sees it: two small protocols any engine can fill."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from ..core.normalise import tokens

MAX_UTTERANCE_SECONDS = 15.0
"""A turn longer than this is cut and recognised as it stands (callers who read a letter aloud)."""
LEAD_IN = b"\x00\x00" * 8 * 300
"""300 ms of 8 kHz silence fed before each turn: the recogniser mistakes a word that starts its
input for another (Korean model: 2 of 10 onsets wrong without it, 0 of 10 with)."""


class Recognizer(Protocol):
    """One call's recogniser: fed 16-bit PCM at the model's rate, one utterance at a time."""

    streaming: bool
    """True when `accept` returns partial transcripts as the caller speaks; turn-based engines
    return "" (ctc, whisper) or words a chunk late (transducer), so barge-in goes by how long the
    caller has spoken and the end of their turn may be judged by an end-of-turn model."""

    def accept(self, pcm16: bytes) -> str:
        """Feed audio; returns the partial transcript so far (for barge-in)."""
        ...

    def finish(self) -> str:
        """The final transcript of the utterance; the recogniser is then ready for the next."""
        ...


class SpeechModel(Protocol):
    """A loaded model, shared by every call in the process."""

    sample_rate: int
    """The rate recognisers are fed (8 kHz phone audio for every engine here)."""

    def recognizer(self, vocabulary: list[str] | None = None) -> Recognizer:
        """A new recogniser; `vocabulary` restricts it to those words where the model allows."""
        ...


def vocabulary_of(phrases: Iterable[str]) -> list[str]:
    """The distinct words of some phrases, sorted: a restricted vocabulary for the recogniser."""
    return sorted({word for phrase in phrases for word in tokens(phrase)})
