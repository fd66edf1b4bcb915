"""What a caller gets for their first sentence, through the whole flow: the figures that matter.

The matcher's own scores (`evaluation.py`) say how near it comes; this says what the citizen
hears: the right answer, a question back that leads to it, a wrong answer, a person. Reported by
need, topic and utterance length, since long stories are where a bot fails people.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from ..intents.catalogue import SYSTEM_TOPIC
from .call import CALLBACK_STATES, Heard, Say, Transfer
from .flow import Flow

LENGTH_BUCKETS = ((8, "≤ 8 words"), (16, "9–16 words"), (10_000, "> 16 words"))
"""The buckets the targets are set in: short requests, a sentence, a story."""
REFERRAL_TOPIC = "henvisning"


class Heard1(StrEnum):
    """What the first sentence led to."""

    RIGHT = "right"
    """The need's answer at once (or, for a need a person handles, that person's queue)."""
    CONFIRM_RIGHT = "confirm right"
    """"Handler det om …?" naming the need: one "ja" from the answer."""
    CHOICE_RIGHT = "choice right"
    """A topic question whose choices include the need."""
    CONFIRM_OTHER = "confirm other"
    """"Handler det om …?" naming another need (or any, when the catalogue has none): a "nej"
    away from being asked again."""
    WRONG = "wrong"
    """Another need's answer (or any answer to a need the catalogue lacks)."""
    PERSON = "person"
    """Handed to a person (or the callback offer) at once."""
    ASKED = "asked"
    """Asked again, without the need among what was offered."""


def first_turn(flow: Flow, text: str, need: str | None) -> Heard1:
    """Classify the flow's reply to `text` as the first sentence of a call."""
    call = flow.start("eval").call
    step = flow.step(call, Heard(text))
    content = {i.id for i in flow.intents.intents.values() if i.topic != SYSTEM_TOPIC}
    said = [a.prompt_id for a in step.actions if isinstance(a, Say)]
    answered = [p for p in said if p in content]
    if answered:
        return Heard1.RIGHT if answered[0] == need else Heard1.WRONG
    heard = step.call.turns[-1].intent if step.call.turns else None
    if need and need not in content and heard == need:
        return Heard1.RIGHT  # a hello, a thanks, a goodbye: heard as what it is, and met so
    routed = [a.intent for a in step.actions if isinstance(a, Transfer)]
    if need and routed == [need]:
        return Heard1.RIGHT  # a need whose handling is a person (a visit, a meeting): routed
    if routed or step.call.state in CALLBACK_STATES:
        return Heard1.PERSON
    if need and f"confirm.{need}" in said:
        return Heard1.CONFIRM_RIGHT
    if need and need in step.call.choices:
        return Heard1.CHOICE_RIGHT
    if any(p.startswith("confirm.") for p in said):
        return Heard1.CONFIRM_OTHER
    return Heard1.ASKED


@dataclass(frozen=True)
class Tally:
    """Counts of `Heard1` for one group of utterances."""

    counts: Counter

    @property
    def n(self) -> int:
        """How many utterances."""
        return sum(self.counts.values())

    def share(self, *kinds: Heard1) -> float:
        """The share of utterances that led to any of `kinds`."""
        return sum(self.counts[k] for k in kinds) / max(1, self.n)

    def line(self, name: str) -> str:
        """One printed row: right at once, right within one question, wrong, person, asked."""
        return (
            f"{name:<22} n={self.n:<4} right {self.share(Heard1.RIGHT):6.1%}"
            f"  within one question {self.share(*_REACHED):6.1%}"
            f"  wrong {self.share(Heard1.WRONG):5.1%}  person {self.share(Heard1.PERSON):5.1%}"
            f"  asked {self.share(Heard1.ASKED, Heard1.CONFIRM_OTHER):6.1%}"
        )


_REACHED = (Heard1.RIGHT, Heard1.CONFIRM_RIGHT, Heard1.CHOICE_RIGHT)


def length_bucket(text: str) -> str:
    """The bucket label of an utterance by its word count."""
    words = len(text.split())
    return next(label for limit, label in LENGTH_BUCKETS if words <= limit)


def report_lines(flow: Flow, texts: Sequence[str], needs: Sequence[str | None]) -> list[str]:
    """The flow-level report: answered needs by length and topic, unanswered needs apart.

    A need that is no intent of the set is out of scope: any answer to it is wrong.
    """
    intents = flow.intents.intents
    groups: dict[str, Counter] = defaultdict(Counter)
    for text, need in zip(texts, needs, strict=True):
        known = need if need in intents else None
        kind = first_turn(flow, text, known)
        if known is None:
            groups["out of scope (all)"][kind] += 1
            continue
        topic = intents[known].topic
        groups["answerable (all)"][kind] += 1
        groups[f"length {length_bucket(text)}"][kind] += 1
        groups[f"topic {topic}"][kind] += 1
        if topic == REFERRAL_TOPIC:
            groups["referred"][kind] += 1
    order = ["answerable (all)", *(f"length {label}" for _, label in LENGTH_BUCKETS)]
    order += sorted(k for k in groups if k.startswith("topic "))
    order += ["referred", "out of scope (all)"]
    lines = ["\n== first sentence through the flow (what the citizen hears)"]
    lines += [Tally(groups[k]).line(k) for k in order if k in groups]
    outside = Tally(groups["out of scope (all)"])
    if outside.n:
        refused = 1 - outside.share(Heard1.WRONG)
        lines.append(f"{'out of scope refused':<22} {refused:6.1%} (no answer given)")
    everything = groups["answerable (all)"] + outside.counts
    confirms = everything[Heard1.CONFIRM_RIGHT] + everything[Heard1.CONFIRM_OTHER]
    if confirms:
        named = everything[Heard1.CONFIRM_RIGHT] / confirms
        lines.append(
            f"{'confirm band':<22} n={confirms:<4} named the need {named:6.1%}"
            ' ("Handler det om …?"; the rest named another, or one the catalogue lacks)'
        )
    return lines
