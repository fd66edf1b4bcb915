"""A matcher's verdict: the decision, the cut-offs it is made on, and the match the flow reads.

Plain data, apart from the matcher that makes it, so the flow's steps and the settings read it
without the scoring.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Decision(StrEnum):
    """What the flow should do with a match."""

    ANSWER = "answer"
    CONFIRM = "confirm"
    NONE = "none"


@dataclass(frozen=True)
class Thresholds:
    """Decision cut-offs on the 0–1 confidence; defaults live in `Settings` (MATCH_*)."""

    answer: float
    confirm: float
    margin: float

    def decide(self, best: float, runner_up: float) -> Decision:
        """Answer when sure and clear of the runner-up, confirm when plausible, else none."""
        if best >= self.answer and best - runner_up >= self.margin:
            return Decision.ANSWER
        if best >= self.confirm:
            return Decision.CONFIRM
        return Decision.NONE


@dataclass(frozen=True)
class Match:
    """The matcher's verdict on one utterance (the `voicebot match` JSON line)."""

    text: str
    intent: str | None
    confidence: float
    decision: Decision
    alternatives: tuple[tuple[str, float], ...]
    """Runner-up intents, best first, each with its confidence."""
    why: str = ""
    """The rule that made the decision (`voicebot match --explain`)."""

    @property
    def nearest(self) -> str | None:
        """The top-scoring intent whatever the decision (a `none` keeps it as first alternative)."""
        return self.intent or (self.alternatives[0][0] if self.alternatives else None)

    def as_dict(self) -> dict[str, object]:
        """One line of `voicebot match`: text, intent, confidence, decision, alternatives."""
        return {
            "text": self.text,
            "intent": self.intent,
            "confidence": round(self.confidence, 3),
            "decision": self.decision.value,
            "alternatives": [[i, round(c, 3)] for i, c in self.alternatives],
        }
