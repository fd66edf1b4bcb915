"""Answer governance: every answer with its owner, its last review and how it fares with callers.

Høje-Taastrup reviews the bot's answers with the subject owners (fagansvarlige). An answer is
due when its review is older than ANSWER_REVIEW_DAYS (or it was never reviewed), and it is
flagged when callers often asked for a person right after it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from ...intents.catalogue import SYSTEM_TOPIC, IntentSet
from ..kpi.events import CallRecord

HIGH_TRANSFER_SHARE = 0.3
"""After-answer transfers above this share (with at least MIN_GIVEN answers) flag an answer."""
MIN_GIVEN = 5
RECONTACT = timedelta(hours=24)


@dataclass(frozen=True)
class AnswerRow:
    """One answer as the governance list shows it."""

    intent: str
    description: str
    topic: str
    owner: str
    reviewed: date | None
    reviewed_by: str
    given: int
    """Conversations in the period in which the answer was given."""
    transferred_after: int
    """... that then ended with a transfer (the caller still wanted a person)."""
    recontacted: int
    """... whose caller came back within 24 hours."""
    due: bool
    flagged: bool
    answer: str = ""
    """What the phone says, as written in the intent file (placeholders unfilled)."""
    web_answer: str = ""
    source: str = ""
    links: tuple[tuple[str, str], ...] = ()
    """(title, url) of each link the chat shows."""

    @property
    def transfer_share(self) -> float | None:
        """After-answer transfers per answer given."""
        return self.transferred_after / self.given if self.given else None

    def why(self) -> list[str]:
        """The reasons it needs a look, in words."""
        reasons = []
        if self.reviewed is None:
            reasons.append("aldrig gennemgået")
        elif self.due:
            reasons.append("gennemgang for gammel")
        if self.flagged:
            reasons.append("mange vil tale med en medarbejder bagefter")
        return reasons


def answer_rows(
    intents: IntentSet, records: Iterable[CallRecord], today: date, review_days: int
) -> list[AnswerRow]:
    """Every answering intent, those needing a look first, then the most given."""
    ordered = sorted(records, key=lambda r: r.ended_at)
    given: dict[str, int] = defaultdict(int)
    transferred: dict[str, int] = defaultdict(int)
    recontacted: dict[str, int] = defaultdict(int)
    by_caller: dict[str, list[CallRecord]] = defaultdict(list)
    for record in ordered:
        if record.caller:
            by_caller[record.caller].append(record)
    for record in ordered:
        again = any(
            record.ended_at < r.started_at <= record.ended_at + RECONTACT
            for r in by_caller.get(record.caller or "", ())
        )
        for intent in set(record.intents):
            given[intent] += 1
            transferred[intent] += record.outcome == "transferred"
            recontacted[intent] += again
    rows = []
    for intent in intents.intents.values():
        if intent.topic == SYSTEM_TOPIC or not intent.answer:
            continue
        topic = intents.topics.get(intent.topic)
        due = intent.reviewed is None or (today - intent.reviewed).days > review_days
        n, t = given[intent.id], transferred[intent.id]
        rows.append(
            AnswerRow(
                intent=intent.id,
                description=intent.description,
                topic=topic.label if topic else intent.topic,
                owner=intent.owner,
                reviewed=intent.reviewed,
                reviewed_by=intent.reviewed_by,
                given=n,
                transferred_after=t,
                recontacted=recontacted[intent.id],
                due=due,
                flagged=n >= MIN_GIVEN and t / n > HIGH_TRANSFER_SHARE,
                answer=intent.answer,
                web_answer=intent.web_answer,
                source=intent.source,
                links=tuple((link.title, link.url) for link in intent.links),
            )
        )
    return sorted(rows, key=lambda r: (not r.why(), -r.given, r.description))
