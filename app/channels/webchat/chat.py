"""A chat as stored and as answered: its status, messages, keys in Redis and the limits."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ...core.call import Call, Event, Heard, Keypad
from ...core.texts import CHAT

CHAT_KEY = "chat:{sid}"
ACTIVE_KEY = "chat:active"
"""Sorted set: session id → last activity (the idle sweep reads it)."""
WAITING_KEY = "chat:waiting"
"""Sorted set: session id → when it started waiting for an agent."""
SEEN_KEY = "chat:seen"
"""Sorted set: session id → when its page last asked (a message or a poll)."""
GONE_SECONDS = 30
"""A waiting chat whose page has not asked for this long has lost its citizen (the widget polls
every 2 s while waiting): agents are no longer offered it."""
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{24}")
MAX_TEXT = 500
"""Characters in one message: a question, not a letter."""
KEEP_SECONDS = 24 * 3600
"""A chat (redacted) is kept this long from its start, for the agent who took it, then goes;
messages do not prolong it."""
MAX_MESSAGES = 200
"""Messages in one chat (both sides); then it ends. A long case is an agent's ~60."""
MAX_REPLY_MESSAGES = 50
"""Messages in one reply or poll; the page asks again from the last one it got."""
MAX_SILENCES = 5
"""Silences fed to the flow when a chat goes idle, until it ends as a silent call does."""
LOCK_MS = 10_000
RELEASE = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
)
"""Free a lock only if it is still ours: a request that ran past LOCK_MS must not free the next
holder's (the one thing redis-py's Lock does that a bare DEL does not)."""
LOCK_WAIT_SECONDS = 5.0


class ChatError(ValueError):
    """Input the chat cannot take; the message says why (a 400 for the API)."""


class ChatStatus(StrEnum):
    """Who a chat is with: the bot, the queue, a callback form, an agent, or nobody any more."""

    BOT = "bot"
    WAITING = "waiting"
    """Handed over; waiting for an agent to take it."""
    CALLBACK = "callback"
    """Waited too long: the citizen is asked for a number to be called back on."""
    AGENT = "agent"
    ENDED = "ended"


@dataclass
class Chat:
    """One chat as stored."""

    sid: str
    call: Call
    meta: dict[str, Any]
    status: ChatStatus = ChatStatus.BOT
    messages: list[dict[str, Any]] = field(default_factory=list)
    choices: list[dict[str, str]] = field(default_factory=list)
    agent: str | None = None
    queue: str | None = None
    waiting_since: float | None = None
    feedback: str | None = None
    """The topic whose answer may still be rated."""
    started: float | None = None
    """When the chat began (epoch seconds): it is kept KEEP_SECONDS from then."""
    unstored: dict[int, str] = field(default_factory=dict)
    """Message number → its clear text, for this reply only (the stored text is masked)."""

    def add(self, sender: str, text: str, links: list[dict[str, str]] | None = None) -> None:
        """Append a message with the next sequence number."""
        message: dict[str, Any] = {"seq": len(self.messages) + 1, "from": sender, "text": text}
        if links:
            message["links"] = links
        self.messages.append(message)

    def to_json(self) -> str:
        """The stored form (what `unstored` holds is never written)."""
        data = {k: v for k, v in self.__dict__.items() if k not in ("sid", "call", "unstored")}
        return json.dumps({**data, "call": self.call.to_dict()}, ensure_ascii=False)

    @classmethod
    def from_json(cls, sid: str, raw: str | bytes) -> Chat:
        """Read the stored form."""
        data = json.loads(raw)
        status = ChatStatus(data.pop("status", ChatStatus.BOT))
        return cls(sid=sid, call=Call.from_dict(data.pop("call")), status=status, **data)


@dataclass(frozen=True)
class Reply:
    """What the API answers: new messages since the request, buttons, and whether it ended."""

    session: str
    messages: list[dict[str, Any]]
    choices: list[dict[str, str]]
    status: ChatStatus
    ended: bool
    seq: int
    """The last message's number (poll with `after=seq`)."""
    feedback: dict[str, Any] | None = None
    queue: str | None = None
    """While waiting for a person: the place in the queue and when a callback is offered."""

    def as_dict(self) -> dict[str, Any]:
        """The JSON body."""
        body = {k: v for k, v in self.__dict__.items() if k not in ("feedback", "queue")}
        if self.feedback:
            body["feedback"] = self.feedback
        if self.queue:
            body["queue"] = self.queue
        return body


def for_citizen(message: dict[str, Any]) -> dict[str, Any]:
    """A stored message as the citizen's page gets it (without the agents' wording)."""
    return {k: v for k, v in message.items() if k != "agent_sees"}


def event_of(value: str, pressed: bool) -> Event:
    """A typed line or a button's value as the flow's event (buttons carry keys and words)."""
    if pressed and len(value) == 1 and value in "0123456789*#":
        return Keypad(value)
    return Heard(value)


def checked(text: str, longest: int, empty_ok: bool) -> str:
    """The text stripped, or ChatError: too long, empty where it may not be, or not Unicode."""
    text = text.strip()
    if len(text) > longest:
        raise ChatError(CHAT["too_long"].format(longest=longest))  # the citizen reads these
    if not text and not empty_ok:
        raise ChatError(CHAT["empty"])
    try:
        text.encode("utf-8")  # JSON may carry a lone "\\ud800", which nothing can store or show
    except UnicodeEncodeError:
        raise ChatError("the text is not valid Unicode") from None
    return text


def links_of(intent: Any) -> list[dict[str, str]]:
    """An intent's links as the chat shows them."""
    return [{"title": link.title, "url": link.url} for link in intent.links]
