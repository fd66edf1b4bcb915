"""The record each finished call leaves behind: outcome, topic and time, no personal data."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum

from ...core.call import Call
from ...intents.catalogue import SYSTEM_TOPIC, IntentSet


class Channel(StrEnum):
    """Where a conversation was held: one name per channel, in records, reports and pages."""

    PHONE = "phone"
    WEB = "web"
    """The chat on the municipality's website."""
    TERMINAL = "terminal"
    """`voicebot chat`: the phone conversation typed, by staff trying the bot."""

    @classmethod
    def of(cls, value: str) -> Channel:
        """The channel a stored name means (older records wrote `chat` for the terminal)."""
        return cls.TERMINAL if value == "chat" else cls(value)


OTHER_TOPIC = "other"
"""Calls that never got to a topic (silence, no match, a request for a person at once)."""


@dataclass(frozen=True)
class CallRecord:
    """One call's KPI facts; JSON in Redis, never a transcript or a phone number."""

    call_id: str
    channel: Channel
    started_at: datetime
    ended_at: datetime
    outcome: str
    reason: str | None
    topic: str
    """The call's main topic: the first answered, else the last one understood, else other."""
    intents: tuple[str, ...]
    queue: str | None
    in_hours: bool
    caller: str | None = None
    """Keyed hash of the caller's number, for re-contact; never the number."""
    via: str | None = None
    """How a phone call reached us: `twilio`, `asterisk` or `sip` (None: chats, older records)."""
    queue_result: str | None = None
    """How a transferred call's wait ended, when it ended badly (abandoned_in_queue, ...)."""

    @classmethod
    def from_call(
        cls,
        call: Call,
        intents: IntentSet,
        *,
        channel: Channel,
        started_at: datetime,
        ended_at: datetime,
        in_hours: bool,
        caller: str | None = None,
        via: str | None = None,
    ) -> CallRecord:
        """Summarise a finished call."""
        assert call.outcome is not None, "only a finished call has a record"
        understood = [t.intent for t in call.turns if t.intent]
        topics = [
            intents.intents[i].topic
            for i in (*call.answered, *reversed(understood))
            if i in intents.intents and intents.intents[i].topic != SYSTEM_TOPIC
        ]
        return cls(
            call_id=call.call_id,
            channel=channel,
            started_at=started_at,
            ended_at=ended_at,
            outcome=call.outcome.value,
            reason=call.reason.value if call.reason else None,
            topic=topics[0] if topics else OTHER_TOPIC,
            intents=call.answered,
            queue=call.queue,
            in_hours=in_hours,
            caller=caller,
            via=via,
        )

    def to_json(self) -> str:
        """Compact JSON with ISO times."""
        data = asdict(self)
        del data["queue_result"]  # written later, beside the record
        data["started_at"] = self.started_at.isoformat()
        data["ended_at"] = self.ended_at.isoformat()
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes, queue_result: str | None = None) -> CallRecord:
        """Inverse of `to_json`; the queue result is stored beside the record, not in it."""
        data = json.loads(raw)
        data["queue_result"] = queue_result
        data["started_at"] = datetime.fromisoformat(data["started_at"])
        data["ended_at"] = datetime.fromisoformat(data["ended_at"])
        data["intents"] = tuple(data["intents"])
        data["channel"] = Channel.of(data["channel"])
        return cls(**data)

    def counters(self) -> list[str]:
        """Counter fields this call increments (cheap totals for dashboards and /metrics)."""
        fields = ["calls", f"outcome:{self.outcome}", f"topic:{self.topic}:{self.outcome}"]
        if self.reason and self.outcome == "transferred":
            fields.append(f"reason:{self.reason}")
        elif self.reason:
            fields.append(self.reason)  # rejected_answer: a call not resolved, not a transfer
        if self.outcome == "transferred" and self.queue:
            fields.append(f"queue:{self.queue}")
        return fields
