"""The website chat as a channel: the phone's flow and intents, rendered as messages and buttons.

A chat is kept in Redis under a random session id: the flow's call state, the messages shown
(the citizen's redacted), its status (`ChatStatus`) and the
buttons on offer. Each request loads it under a short lock, feeds one event to the flow and
saves it back, so any web process (or node) can serve the next message. What the phone does with
keys the chat does with buttons whose values are those keys: a topic in the menu is "1", a
person is "0", and yes and no are the words.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from redis import Redis

from ...core.actions import run_actions
from ...core.call import YES_NO_STATES, Event, HungUp, RequestCallback, Silence, State, Turn
from ...core.callback import NUMBER, spoken_digits
from ...core.redact import redact
from ...core.texts import CHAT
from ...outcomes.kpi.events import Channel
from ...outcomes.review.store import missed_turns
from .agent_side import AgentSide
from .chat import (
    ACTIVE_KEY,
    GONE_SECONDS,
    MAX_MESSAGES,
    MAX_REPLY_MESSAGES,
    MAX_SILENCES,
    MAX_TEXT,
    SEEN_KEY,
    SESSION_ID,
    WAITING_KEY,
    Chat,
    ChatError,
    ChatStatus,
    Reply,
    checked,
    event_of,
    for_citizen,
)
from .chat_actions import ChatActions
from .store import ChatStorage

if TYPE_CHECKING:
    from datetime import datetime

    from ...core.call import Call
    from ...core.conversation import Conversation
    from ...core.flow import Flow
    from ...core.hours import OpeningHours
    from ...outcomes.handoff import Handoff
    from ...outcomes.kpi.store import KpiStore
    from ...outcomes.review.store import ReviewStore


class ChatServices(Protocol):
    """What the chat needs of its process (`services.Services` is one).

    The channel names what it uses instead of importing the composition root.
    """

    redis: Redis
    hours: OpeningHours
    kpi: KpiStore

    def clock(self) -> datetime:
        """Now, in the municipality's time zone."""

    def flow(self, intents: None = None, written: bool = False) -> Flow:
        """The rules on the current intent set (`written`: the chat's wording)."""

    def conversation(self, call_id: str, channel: Channel) -> Conversation:
        """A new conversation, recorded when it ends."""

    def record(self, call: Call, meta: dict[str, Any], ended_at: datetime | None = None) -> None:
        """Write a finished conversation's KPI record (once)."""

    def request_callback(
        self, call_id: str, request: RequestCallback, queue: str, inline: bool = False
    ) -> None:
        """Queue a callback request (never lost)."""

    def hand_off(self, call: Call, listed: bool = True) -> Handoff:
        """Store the context an agent receives, and return it."""

    def review(self) -> ReviewStore:
        """Where missed and rejected utterances go."""


class Chats(AgentSide, ChatStorage):
    """The chat channel on a process's services: start, message, poll, agents, idle sweep.

    Args:
        services: the app's shared services (flow, Redis, hand-off, callbacks, KPI).
        idle_seconds: a chat with no message for this long ends as a silent call does.
        agent_wait_seconds: waiting this long for an agent turns into a callback offer.
        contact_url: the municipality's contact form, offered when nobody can take a chat.
        now: the clock in epoch seconds (Redis's expiry times stay on Redis's own clock).
    """

    def __init__(
        self,
        services: ChatServices,
        idle_seconds: int,
        agent_wait_seconds: int,
        contact_url: str | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.services = services
        self.now = now
        """Epoch seconds for idle, waiting and keeping times (tests move it instead of sleeping)."""
        self.idle_seconds = idle_seconds
        self.agent_wait_seconds = agent_wait_seconds
        self.contact_url = contact_url
        self._holding = threading.local()

    @property
    def redis(self) -> Redis:
        """The app's Redis."""
        return self.services.redis

    def message(self, sid: str | None, text: str | None, choice: str | None) -> Reply:
        """One message or button press; a missing, unknown or expired session starts a chat."""
        if (text is None) == (choice is None):
            raise ChatError("send either 'text' or 'choice'")
        value = text if text is not None else choice
        if not isinstance(value, str):
            raise ChatError("'text' and 'choice' must be text")
        value = checked(value, MAX_TEXT, empty_ok=True)
        if sid is not None and not SESSION_ID.fullmatch(sid):
            raise ChatError("'session' is not a session id")
        with self._locked(sid) as chat:
            if chat is None:
                chat, after = self._start(expired=sid is not None), 0
            else:
                after = len(chat.messages)
            if not value:
                pass  # opening the chat, or an empty line: nothing to answer
            elif choice is not None and choice.startswith("feedback:"):
                self._rate(chat, choice.removeprefix("feedback:"))
            elif chat.status in (ChatStatus.WAITING, ChatStatus.AGENT):
                chat.add("citizen", redact(value))
            elif chat.status is ChatStatus.CALLBACK:
                self._callback_step(chat, value)
            elif chat.status is ChatStatus.ENDED:
                if chat.messages[-1]["text"] != CHAT["ended"]:  # said once, however often asked
                    chat.add("bot", CHAT["ended"])
            elif len(chat.messages) >= MAX_MESSAGES:
                self._end_full(chat)
            else:
                pressed = next((c["label"] for c in chat.choices if c["value"] == choice), None)
                chat.add("citizen", redact(pressed or value))  # a button as its words, not "0"
                chat.feedback = None  # "Fik du svar?" is about the answer just shown, only
                self._feed(chat, event_of(value, pressed=choice is not None))
            self._save(chat)
            self.redis.zadd(SEEN_KEY, {chat.sid: self.now()})
            return self._reply(chat, after)

    def poll(self, sid: str, after: int) -> Reply:
        """Messages after `after` (an agent's, or a wait that ran out); 404 as LookupError."""
        if not SESSION_ID.fullmatch(sid):
            raise ChatError("'session' is not a session id")
        with self._locked(sid) as chat:
            if chat is None:
                raise LookupError(sid)
            if chat.status is ChatStatus.WAITING and self._waited_out(chat):
                self._no_agent(chat)
                self._save(chat)
            self.redis.zadd(SEEN_KEY, {sid: self.now()})
            return self._reply(chat, max(0, after), mine=True)

    def _start(self, expired: bool) -> Chat:
        sid = secrets.token_urlsafe(18)
        convo = self.services.conversation(f"web-{sid[:16]}", channel=Channel.WEB)
        chat = Chat(sid, convo.call, convo.meta, started=self.now())
        if expired:
            chat.add("bot", CHAT["expired"])
        self._perform(chat, convo.opening)
        return chat

    def _end_full(self, chat: Chat) -> None:
        """A chat at MAX_MESSAGES ends, its outcome recorded as a hang-up's would be."""
        if chat.call.state is not State.ENDED:
            self._feed(chat, HungUp())
        self.redis.zrem(WAITING_KEY, chat.sid)
        chat.status, chat.choices, chat.feedback = ChatStatus.ENDED, [], None
        chat.add("bot", CHAT["full"])

    def _feed(self, chat: Chat, event: Event) -> None:
        flow = self.services.flow(written=True)
        was_ended = chat.call.state is State.ENDED
        step = flow.step(chat.call, event)
        chat.call = step.call
        self._perform(chat, step.actions, was_ended)

    def _perform(self, chat: Chat, actions: tuple[Any, ...], was_ended: bool = False) -> None:
        """Show what the flow says, hand over, request callbacks; record the end once."""
        run_actions(actions, ChatActions(self, chat))
        if chat.call.state is State.ENDED and not was_ended:
            self.services.record(chat.call, chat.meta)
        chat.choices = self._choices(chat)

    def _choices(self, chat: Chat) -> list[dict[str, str]]:
        if chat.status is not ChatStatus.BOT or chat.call.state is State.ENDED:
            return []
        state = chat.call.state
        last = chat.call.last_said[-1].prompt_id if chat.call.last_said else ""
        if last == "anything_else":  # the button answers this question: no more, goodbye
            return [{"label": "Ja", "value": "ja"}, {"label": "Nej", "value": "nej tak"}]
        if state in YES_NO_STATES or last == "also":
            return [{"label": "Ja", "value": "ja"}, {"label": "Nej", "value": "nej"}]
        if state is State.CHOOSING:  # the topic question: one button a need, keyed 1, 2, 3
            intents = self.services.flow(written=True).intents.intents
            needs = [intents[c].description for c in chat.call.choices if c in intents]
            offered = [
                {"label": d[:1].upper() + d[1:], "value": str(n)} for n, d in enumerate(needs, 1)
            ]
            return [*offered, {"label": CHAT["person"], "value": "0"}]
        if state is State.MENU:
            labels = self.services.flow(written=True).menu_labels
            topics = [{"label": label, "value": str(n)} for n, label in enumerate(labels, 1)]
            return [*topics, {"label": CHAT["person"], "value": "0"}]
        if state is State.LISTENING:
            return [self._person_button()]
        return []

    def _person_button(self) -> dict[str, str]:
        """0 reaches a person: in opening hours "Tal med en medarbejder", else a callback."""
        is_open = self.services.hours.is_open(self.services.clock())
        return {"label": CHAT["person"] if is_open else CHAT["call_me"], "value": "0"}

    def _rate(self, chat: Chat, verdict: str) -> None:
        if verdict not in ("yes", "no"):
            raise ChatError("feedback must be feedback:yes or feedback:no")
        if chat.feedback is None:
            return  # already rated, or nothing to rate: a second click changes nothing
        self._count_feedback(chat.feedback, verdict)
        chat.feedback = None
        chat.add("bot", CHAT["thanks_feedback"])
        if verdict == "no" and chat.call.answered:
            self._rejected(chat)

    def _rejected(self, chat: Chat) -> None:
        """A 👎: the answer helped no one, and it goes to review.

        While the chat is open its outcome can no longer be `resolved` on that answer; an
        ended chat was counted already.
        """
        call = chat.call
        thumbs_down = Turn("👎", None, "rejected", 0.0)
        if call.state is not State.ENDED:  # as "nej, det var ikke det": another way, or a person
            step = self.services.flow(written=True).reject(
                dataclasses.replace(call, turns=(*call.turns, thumbs_down))
            )
            chat.call = step.call
            self._perform(chat, step.actions)
            chat.choices = [self._person_button()]
            return
        ended = dataclasses.replace(call, turns=(*call.turns, thumbs_down))
        review = self.services.review()
        for text, reason, guess in missed_turns(ended):
            if reason == "rejected_answer":
                review.add(text, reason, guess, self.services.clock(), Channel.WEB)

    def _count_feedback(self, topic: str, kind: str) -> None:
        self.services.kpi.count_feedback(topic, kind, self.services.clock())

    def _reply(self, chat: Chat, after: int, mine: bool = False) -> Reply:
        """Messages after `after`; the citizen's own only with `mine` (the page echoes them)."""
        feedback = None
        if chat.feedback and chat.status is ChatStatus.BOT:
            feedback = {
                "question": CHAT["feedback"],
                "choices": [
                    {"label": CHAT["feedback_yes"], "value": "feedback:yes"},
                    {"label": CHAT["feedback_no"], "value": "feedback:no"},
                ],
            }
        newer = chat.messages[after : after + MAX_REPLY_MESSAGES]  # seq n is at index n - 1
        return Reply(
            session=chat.sid,
            messages=[
                {**for_citizen(m), "text": chat.unstored.get(m["seq"], m["text"])}
                for m in newer
                if mine or m["from"] != "citizen"
            ],
            choices=chat.choices,
            status=chat.status,
            ended=chat.status is ChatStatus.ENDED,
            seq=newer[-1]["seq"] if newer else min(after, len(chat.messages)),
            feedback=feedback,
            queue=self._queue_note(chat) if chat.status is ChatStatus.WAITING else None,
        )

    def _queue_note(self, chat: Chat) -> str:
        """The place in the queue ("Du er nummer 2 …"): ahead are those whose pages are open."""
        now = self.now()
        ahead = 0
        for raw_sid in self.redis.zrange(WAITING_KEY, 0, -1):
            if raw_sid.decode() == chat.sid:
                break
            seen = self.redis.zscore(SEEN_KEY, raw_sid)
            ahead += seen is None or now - seen <= GONE_SECONDS
        waited = now - (chat.waiting_since or now)
        minutes = max(1, round((self.agent_wait_seconds - waited) / 60))
        return CHAT["queue_place"].format(place=ahead + 1, minutes=minutes)

    # --- waiting for a person -------------------------------------------------------------

    def _waited_out(self, chat: Chat) -> bool:
        return (
            chat.waiting_since is not None
            and self.now() - chat.waiting_since >= self.agent_wait_seconds
        )

    def _no_agent(self, chat: Chat) -> None:
        """Nobody took the chat in time: offer a callback request or the contact form."""
        self.redis.zrem(WAITING_KEY, chat.sid)
        self.services.kpi.mark_queue_result(chat.call.call_id, "abandoned_in_queue")
        chat.status, chat.waiting_since = ChatStatus.CALLBACK, None
        text = CHAT["no_agent"]
        links = (
            [{"title": CHAT["contact_form"], "url": self.contact_url}] if self.contact_url else []
        )
        chat.add("bot", text, links)
        chat.choices = [{"label": CHAT["call_me"], "value": "callback"}]

    def _callback_step(self, chat: Chat, text: str) -> None:
        """After a wait ran out: the button, then the citizen's number for a callback request."""
        number = NUMBER.fullmatch(spoken_digits(text))
        if text == "callback":
            chat.add("bot", CHAT["callback_number"])
            chat.choices = []
        elif number:
            flow = self.services.flow(written=True)
            queue = chat.queue or flow.intents.default_queue
            request = RequestCallback(number[1], None, self._about(chat))
            self.services.request_callback(chat.call.call_id, request, queue, inline=True)
            chat.add("citizen", redact(text))
            chat.add("bot", CHAT["callback_done"])
            chat.status, chat.choices = ChatStatus.ENDED, []
        else:
            chat.add("citizen", redact(text))
            chat.add("bot", CHAT["callback_bad_number"])

    def _about(self, chat: Chat) -> str:
        """What a callback is about: the last intent the citizen asked for, in words."""
        intents = self.services.flow(written=True).intents.intents
        for turn in reversed(chat.call.turns):
            intent = intents.get(turn.intent or "")
            if intent is not None and intent.description:
                return intent.description
        return CHAT["callback_about"]

    # --- idle chats -----------------------------------------------------------------------

    def sweep(self, now: float | None = None) -> int:
        """End chats idle longer than `idle_seconds` as a silent call ends; returns how many.

        A chat left waiting for an agent (the citizen closed the page, so no poll ever ran out
        its wait) leaves the agents' queue once its wait and the idle time have both passed.
        """
        now = now or self.now()
        stale = self.redis.zrangebyscore(ACTIVE_KEY, "-inf", now - self.idle_seconds)
        ended = 0
        for raw in stale:
            sid = raw.decode()
            with self._locked(sid, touch=False) as chat:
                self.redis.zrem(ACTIVE_KEY, sid)
                if chat is not None and chat.call.state is not State.ENDED:
                    self._end_idle(chat)
                    ended += 1
        left = now - self.idle_seconds - self.agent_wait_seconds
        for raw in self.redis.zrangebyscore(WAITING_KEY, "-inf", left):
            sid = raw.decode()
            with self._locked(sid, touch=False) as chat:
                self.redis.zrem(WAITING_KEY, sid)
                if chat is not None and chat.status is ChatStatus.WAITING:
                    self.services.kpi.mark_queue_result(chat.call.call_id, "abandoned_in_queue")
                    chat.status, chat.waiting_since, chat.choices = ChatStatus.ENDED, None, []
                    self._save(chat, touch=False)
                    ended += 1
        return ended

    def _end_idle(self, chat: Chat) -> None:
        """Silence until the flow ends the chat, as it ends a silent call (then a hang-up)."""
        for _ in range(MAX_SILENCES):
            if chat.call.state is State.ENDED:
                break
            self._feed(chat, Silence())
        if chat.call.state is not State.ENDED:
            self._feed(chat, HungUp())
        chat.status = ChatStatus.ENDED if chat.status is ChatStatus.BOT else chat.status
        self._save(chat, touch=False)
        self.redis.zrem(ACTIVE_KEY, chat.sid)
