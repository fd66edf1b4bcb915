"""The hand-off context an agent receives with a transferred call, and where it is kept.

The context is the one place the caller's number is kept as it is (the agent may need to call
back); it lives in Redis for `HANDOFF_TTL_SECONDS` and the transcript in it is redacted.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from redis import Redis

from ..core.call import Call, TransferReason
from ..core.texts import UNKNOWN_ABOUT
from ..intents.catalogue import SYSTEM_TOPIC, IntentSet

HANDOFF_TTL_SECONDS = 24 * 3600
"""Long enough for an agent to finish the case the same day; then the number is gone."""
CALLER_TTL_SECONDS = 3 * 3600
"""The raw caller number waits this long for a hand-off (a call lasts minutes, not hours)."""
CALL_ID = re.compile(r"[A-Za-z0-9._-]{1,100}")
"""Every channel's call ids (CA…, ast-…, sip-…, web-…, chat-…): never a colon, never a key path."""
HANDOFF_KEY = "handoff:{sid}"
CALLER_KEY = "handoff:{sid}:caller"
CALLBACK_NUMBER_KEY = "handoff:{sid}:callback-to"
RECENT_KEY = "handoffs"
"""Sorted set of call sids by hand-off time, for the agents' list."""

REASONS_DA = {
    TransferReason.REQUESTED: "borgeren bad om en medarbejder",
    TransferReason.ACCEPTED_OFFER: "borgeren sagde ja til at blive stillet videre",
    TransferReason.NO_MATCH: "botten forstod ikke spørgsmålet",
    TransferReason.INTENT: "emnet skal altid til en medarbejder",
    TransferReason.ERROR: "der skete en teknisk fejl",
    TransferReason.CLOSED: "kontaktcentret havde lukket",
    TransferReason.URGENT: "borgeren beskrev noget akut; botten sagde: ring 112",
    TransferReason.CASE: "borgeren spurgte til sin egen sag",
    TransferReason.REJECTED_ANSWER: "borgeren afviste svaret",
}


@dataclass(frozen=True)
class Handoff:
    """What the agent sees: who called, what was said (redacted), what the bot understood."""

    call_sid: str
    caller: str | None
    queue: str
    reason: str
    topic: str | None
    intents: list[str]
    answered: list[str]
    summary: str
    about: str
    """What a callback would be about: "dit kørekort", else "dit spørgsmål"."""
    tries: int
    """How many times the bot did not understand before the hand-off."""
    transcript: list[str] = field(default_factory=list)
    created_at: str = ""

    def task_attributes(self) -> dict[str, object]:
        """The context as TaskRouter task attributes (JSON-safe)."""
        return asdict(self)


def build(
    call: Call, intents: IntentSet, caller: str | None, now: datetime | None = None
) -> Handoff:
    """The hand-off for a call the flow decided to transfer."""
    understood = [t.intent for t in call.turns if t.intent]
    topical = [
        i for i in understood if i in intents.intents and intents.intents[i].topic != SYSTEM_TOPIC
    ]
    topic = intents.intents[topical[-1]].topic if topical else None
    return Handoff(
        call_sid=call.call_id,
        caller=caller,
        queue=call.queue or intents.default_queue,
        reason=call.reason.value if call.reason else "",
        topic=topic,
        intents=understood,
        answered=list(call.answered),
        summary=summary_da(call, intents),
        about=next(
            (
                intents.intents[i].description
                for i in reversed(topical)
                if intents.intents[i].description
            ),
            UNKNOWN_ABOUT,
        ),
        tries=sum(t.decision == "none" for t in call.turns),
        transcript=[t.text for t in call.turns],
        created_at=(now or datetime.now(UTC)).isoformat(),
    )


def summary_da(call: Call, intents: IntentSet) -> str:
    """One Danish line for the agent, in the third person from each intent's `agent_summary`.

    "Borgeren spørger om pas; botten har givet svar om pas; borgeren bad om en medarbejder."
    """

    def about(intent_id: str) -> str:
        intent = intents.intents.get(intent_id)
        if intent is None:
            return intent_id
        topic = intents.topics.get(intent.topic)
        return intent.agent_summary or (topic.label.lower() if topic else intent.id)

    asked = [
        t.intent
        for t in call.turns
        if t.intent in intents.intents and intents.intents[t.intent].topic != SYSTEM_TOPIC
    ]
    parts = [
        f"Borgeren spørger om {about(asked[-1])}"
        if asked
        else "Botten fandt ikke ud af, hvad borgeren spørger om"
    ]
    if call.answered:
        parts.append("botten har givet svar om " + _join_da([about(i) for i in call.answered]))
    if call.reason:
        parts.append(REASONS_DA[call.reason])
    return "; ".join(parts) + "."


def _join_da(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " og " + items[-1]


class HandoffStore:
    """Hand-offs and the raw caller numbers waiting for them; the only module with their keys."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def remember_caller(self, call_sid: str, number: str) -> None:
        """Keep the caller's number until the call is handed off or the TTL ends."""
        self.redis.set(CALLER_KEY.format(sid=call_sid), number, ex=CALLER_TTL_SECONDS)

    def caller(self, call_sid: str) -> str | None:
        """The caller's number, if still kept."""
        raw = self.redis.get(CALLER_KEY.format(sid=call_sid))
        return raw.decode() if raw else None

    def remember_callback_number(self, call_sid: str, number: str) -> None:
        """Keep a keyed-in callback number for the job that makes the request."""
        self.redis.set(CALLBACK_NUMBER_KEY.format(sid=call_sid), number, ex=CALLER_TTL_SECONDS)

    def callback_number(self, call_sid: str) -> str | None:
        """The keyed-in callback number, if one was given and is still kept."""
        raw = self.redis.get(CALLBACK_NUMBER_KEY.format(sid=call_sid))
        return raw.decode() if raw else None

    def save(self, handoff: Handoff, listed: bool = True) -> None:
        """Store a hand-off (again: the same call overwrites its own).

        `listed` puts it in the agents' list of recent hand-offs.
        """
        pipe = self.redis.pipeline()
        pipe.set(
            HANDOFF_KEY.format(sid=handoff.call_sid),
            json.dumps(asdict(handoff)),
            ex=HANDOFF_TTL_SECONDS,
        )
        if listed:
            created = datetime.fromisoformat(handoff.created_at).timestamp()
            pipe.zadd(RECENT_KEY, {handoff.call_sid: created})
        pipe.execute()

    def dismiss(self, call_sid: str) -> bool:
        """Take a hand-off off the agents' list; False when it was not on it."""
        return bool(self.redis.zrem(RECENT_KEY, call_sid))

    def load(self, call_sid: str) -> Handoff | None:
        """A hand-off by call sid, or None once it has expired."""
        if not CALL_ID.fullmatch(call_sid):
            return None  # "<sid>:caller" would name the caller's number, not a hand-off
        raw = self.redis.get(HANDOFF_KEY.format(sid=call_sid))
        return Handoff(**json.loads(raw)) if raw else None
