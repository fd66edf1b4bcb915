"""Missed utterances, grouped by what they say, counted, with the dates they were seen.

Kept: a `none`, a "Handler det om …?" answered with nej, a question whose answer the caller
rejected ("nej, det var ikke det", 👎), and what came before a transfer for not understanding.
Texts arrive redacted (the flow stores only redacted turns) and expire after
TRANSCRIPT_RETENTION_DAYS from when they were last seen.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime

from redis import Redis

from ...core.call import Call, TransferReason, Turn
from ...core.redact import MASKS
from ...intents.catalogue import SystemIntent

ITEM_KEY = "review:item:{id}"
OPEN_KEY = "review:open"
"""Sorted set of item ids by last seen."""


@dataclass(frozen=True)
class ReviewItem:
    """One group of similar missed utterances."""

    id: str
    text: str
    """The first wording seen (redacted)."""
    count: int
    first_seen: str
    last_seen: str
    guess: str | None
    """The intent the matcher leaned towards, if any."""
    reasons: list[str]
    channels: list[str] = field(default_factory=lambda: ["phone"])
    """Where it was missed: `phone`, `web` (the chat), or both."""


def missed_turns(call: Call) -> list[tuple[str, str, str | None]]:
    """(text, reason, guess) for each utterance of a finished call worth a human look."""
    found = []
    turns = call.turns
    for i, turn in enumerate(turns):
        answer_after = turns[i + 1].intent if i + 1 < len(turns) else None
        if turn.decision != "rejected" and not _has_words(turn.text):
            continue  # a number or mark alone ("[telefon]#"): nothing to understand or teach
        if turn.decision == "none":
            found.append((turn.text, "none", turn.intent))
        elif turn.decision == "confirm" and answer_after == SystemIntent.NO:
            found.append((turn.text, "confirm_rejected", turn.intent))
        elif turn.decision == "rejected":  # "nej, det var ikke det", 👎: a wrong answer
            asked = _question_answered(turns[:i], call.answered)
            if asked is not None:
                found.append((asked.text, "rejected_answer", asked.intent))
    if call.reason is TransferReason.NO_MATCH:
        found = [(t, "transferred_no_match", g) for t, _, g in found] or found
    return found


def _has_words(text: str) -> bool:
    """Whether anything but masked numbers, digits and marks was said."""
    for mask in MASKS:
        text = text.replace(mask, "")
    return any(ch.isalpha() for ch in text)


def _question_answered(before: tuple[Turn, ...], answered: tuple[str, ...]) -> Turn | None:
    """The caller's question behind the answer just rejected (past a "ja" to "Handler det om")."""
    for turn in reversed(before):
        if turn.intent in answered and turn.intent not in (SystemIntent.YES, SystemIntent.NO):
            return turn
        if turn.decision == "confirm" and turn.intent:
            return turn
    return None


class ReviewStore:
    """The only module that knows the review keys."""

    def __init__(self, redis: Redis, retention_days: int, group_key: Callable[[str], str]) -> None:
        self.redis = redis
        self.ttl = retention_days * 24 * 3600
        self.group_key = group_key
        """Maps an utterance to what groups it (e.g. its sorted content stems)."""

    def add(
        self, text: str, reason: str, guess: str | None, at: datetime, channel: str = "phone"
    ) -> str:
        """Count one missed utterance into its group; returns the group id."""
        key_text = self.group_key(text) or text
        item_id = hashlib.sha1(key_text.encode()).hexdigest()[:16]
        key = ITEM_KEY.format(id=item_id)
        raw = self.redis.get(key)
        if raw:
            item = ReviewItem(**json.loads(raw))
            item = ReviewItem(
                item.id,
                item.text,
                item.count + 1,
                item.first_seen,
                at.isoformat(),
                item.guess or guess,
                sorted({*item.reasons, reason}),
                sorted({*item.channels, channel}),
            )
        else:
            item = ReviewItem(
                item_id, text, 1, at.isoformat(), at.isoformat(), guess, [reason], [channel]
            )
        pipe = self.redis.pipeline()
        pipe.set(key, json.dumps(asdict(item), ensure_ascii=False), ex=self.ttl)
        pipe.zadd(OPEN_KEY, {item_id: at.timestamp()})
        pipe.execute()
        return item_id

    def items(self, limit: int = 200) -> list[ReviewItem]:
        """Open groups, most often missed first."""
        ids = [i.decode() for i in self.redis.zrevrange(OPEN_KEY, 0, -1)]
        found = [
            ReviewItem(**json.loads(raw))
            for raw in (self.redis.get(ITEM_KEY.format(id=i)) for i in ids)
            if raw
        ]
        return sorted(found, key=lambda it: (-it.count, it.last_seen))[:limit]

    def get(self, item_id: str) -> ReviewItem | None:
        """One group."""
        raw = self.redis.get(ITEM_KEY.format(id=item_id))
        return ReviewItem(**json.loads(raw)) if raw else None

    def close(self, item_id: str) -> bool:
        """Remove a group (promoted or dismissed)."""
        self.redis.zrem(OPEN_KEY, item_id)
        return bool(self.redis.delete(ITEM_KEY.format(id=item_id)))

    def expire(self, before: datetime) -> int:
        """Drop groups last seen before `before` (the retention job); returns how many."""
        ids = self.redis.zrangebyscore(OPEN_KEY, "-inf", f"({before.timestamp()}")
        for item_id in ids:
            self.close(item_id.decode())
        return len(ids)
