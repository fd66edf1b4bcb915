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
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from redis import Redis

from ..dialogue.actions import run_actions
from ..dialogue.call import (
    YES_NO_STATES,
    Call,
    Event,
    Hangup,
    Heard,
    HungUp,
    Keypad,
    Played,
    RequestCallback,
    Say,
    SendLink,
    Silence,
    State,
    Transfer,
    Turn,
)
from ..dialogue.callback import NUMBER, spoken_digits
from ..dialogue.redact import redact
from ..dialogue.texts import CHAT
from ..kpi.events import Channel
from ..review.store import missed_turns
from ..services import Services

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


class Chats:
    """The chat channel on one `Services`: start, message, poll, agents, idle sweep.

    Args:
        services: the app's shared services (flow, Redis, hand-off, callbacks, KPI).
        idle_seconds: a chat with no message for this long ends as a silent call does.
        agent_wait_seconds: waiting this long for an agent turns into a callback offer.
        contact_url: the municipality's contact form, offered when nobody can take a chat.
        now: the clock in epoch seconds (Redis's expiry times stay on Redis's own clock).
    """

    def __init__(
        self,
        services: Services,
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

    @property
    def holding(self) -> tuple[str, str] | None:
        """The chat lock (key, token) this thread holds; the save that ends the request frees it."""
        return getattr(self._holding, "lock", None)

    @holding.setter
    def holding(self, lock: tuple[str, str] | None) -> None:
        self._holding.lock = lock

    # --- the citizen ----------------------------------------------------------------------

    def message(self, sid: str | None, text: str | None, choice: str | None) -> Reply:
        """One message or button press; a missing, unknown or expired session starts a chat."""
        if (text is None) == (choice is None):
            raise ChatError("send either 'text' or 'choice'")
        value = text if text is not None else choice
        if not isinstance(value, str):
            raise ChatError("'text' and 'choice' must be text")
        value = _checked(value, MAX_TEXT, empty_ok=True)
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
                self._feed(chat, _event(value, pressed=choice is not None))
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
        run_actions(actions, _ChatActions(self, chat))
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
                {**_for_citizen(m), "text": chat.unstored.get(m["seq"], m["text"])}
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

    # --- agents ---------------------------------------------------------------------------

    def waiting(self) -> list[dict[str, Any]]:
        """Chats waiting for an agent, longest first, with their hand-off context."""
        from ..routing.handoff import HandoffStore

        handoffs = HandoffStore(self.redis)
        now = self.now()
        self.redis.zremrangebyscore(SEEN_KEY, "-inf", now - KEEP_SECONDS)
        out = []
        for raw_sid, since in self.redis.zrange(WAITING_KEY, 0, -1, withscores=True):
            seen = self.redis.zscore(SEEN_KEY, raw_sid)
            if seen is not None and now - seen > GONE_SECONDS:
                continue  # the citizen closed the page: nobody to take over
            chat = self.load(raw_sid.decode())
            if chat is None or chat.status is not ChatStatus.WAITING:
                continue
            handoff = handoffs.load(chat.call.call_id)
            out.append(
                {
                    "session": chat.sid,
                    "waiting_since": datetime.fromtimestamp(since, UTC).isoformat(),
                    "summary": handoff.summary if handoff else "",
                    "queue": chat.queue,
                    "written": [m["text"] for m in chat.messages if m["from"] == "citizen"],
                }
            )
        return out

    def take(self, sid: str, agent: str, agent_name: str) -> bool:
        """An agent (account id) takes a waiting chat; False when it is gone or taken.

        The chat belongs to the account, never to a display name two staff may share; the
        citizen is told the name.
        """
        with self._locked(sid) as chat:
            if chat is None or chat.status is not ChatStatus.WAITING:
                return False
            self.redis.zrem(WAITING_KEY, sid)
            self.services.kpi.mark_queue_result(chat.call.call_id, "answered")
            chat.status, chat.agent, chat.choices = ChatStatus.AGENT, agent, []
            chat.add("system", CHAT["agent_joined"].format(name=agent_name))
            chat.messages[-1]["agent_sees"] = CHAT["agent_took"]  # not "Du skriver nu med <you>"
            self._save(chat)
            return True

    def agent_says(self, sid: str, agent: str, text: str) -> bool:
        """The agent's message to the citizen; False unless this account has the chat."""
        text = _checked(text, 2 * MAX_TEXT, empty_ok=False)
        with self._locked(sid) as chat:
            if chat is None or chat.status is not ChatStatus.AGENT or chat.agent != agent:
                return False
            if len(chat.messages) >= MAX_MESSAGES:
                raise ChatError("the chat is full; close it and ask the citizen to start anew")
            chat.add("agent", redact(text))  # agents' words are stored as citizens' are
            self._save(chat)
            return True

    def agent_closes(self, sid: str, agent: str) -> bool:
        """The agent ends the chat."""
        with self._locked(sid) as chat:
            if chat is None or chat.status is not ChatStatus.AGENT or chat.agent != agent:
                return False
            chat.status = ChatStatus.ENDED
            chat.add("system", CHAT["agent_left"])
            self._save(chat)
            return True

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

    # --- storage --------------------------------------------------------------------------

    def load(self, sid: str) -> Chat | None:
        """A stored chat, or None."""
        raw = self.redis.get(CHAT_KEY.format(sid=sid))
        return Chat.from_json(sid, raw) if raw else None

    def _save(self, chat: Chat, touch: bool = True) -> None:
        """Write the chat back and let go of its lock, in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        chat.started = chat.started or self.now()  # chats stored before `started` existed
        ends = int(chat.started + KEEP_SECONDS)
        pipe.set(
            CHAT_KEY.format(sid=chat.sid),
            chat.to_json(),
            exat=max(ends, int(time.time()) + 1),  # Redis's clock
        )
        if touch and chat.status is ChatStatus.BOT and chat.call.state is not State.ENDED:
            pipe.zadd(ACTIVE_KEY, {chat.sid: self.now()})
        elif touch:
            pipe.zrem(ACTIVE_KEY, chat.sid)
        if self.holding and self.holding[0] == f"chat:lock:{chat.sid}":
            pipe.eval(RELEASE, 1, *self.holding)
            self.holding = None
        pipe.execute()

    def _locked(self, sid: str | None, touch: bool = True) -> _Locked:
        return _Locked(self, sid, touch)


class _Locked:
    """A chat loaded under a short Redis lock (two tabs, two nodes), or None when there is none.

    Taking the lock, reading the chat and its last activity is one round trip; the lock goes
    with the save (`Chats._save`) or on leaving. A lock outlives a crashed holder by LOCK_MS.
    """

    def __init__(self, chats: Chats, sid: str | None, touch: bool) -> None:
        self.chats, self.sid, self.touch = chats, sid, touch
        self.key = f"chat:lock:{sid}"
        self.token = secrets.token_hex(8)

    def __enter__(self) -> Chat | None:
        if self.sid is None:
            return None
        redis = self.chats.redis
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            pipe = redis.pipeline(transaction=False)
            pipe.set(self.key, self.token, nx=True, px=LOCK_MS)
            pipe.get(CHAT_KEY.format(sid=self.sid))
            pipe.zscore(ACTIVE_KEY, self.sid)
            locked, raw, active = pipe.execute()
            if locked:
                break
            if time.monotonic() > deadline:
                raise ChatError("the chat is busy; try again")
            time.sleep(0.01)
        self.chats.holding = (self.key, self.token)
        chat = Chat.from_json(self.sid, raw) if raw else None
        idle = active is not None and self.chats.now() - active > self.chats.idle_seconds
        if chat is not None and self.touch and chat.status is ChatStatus.BOT and idle:
            if chat.call.state is not State.ENDED:
                self.chats._end_idle(chat)  # idle past the timeout: it ends before we answer
            return None
        return chat

    def __exit__(self, *exc: object) -> None:
        if self.sid is not None and self.chats.holding == (self.key, self.token):
            self.chats.redis.eval(RELEASE, 1, self.key, self.token)
        self.chats.holding = None


class _ChatActions:
    """The chat's way with the flow's actions (`dialogue.actions.ChannelActions`): messages."""

    def __init__(self, chats: Chats, chat: Chat) -> None:
        self.chats, self.chat = chats, chat
        self.flow = chats.services.flow(written=True)

    def say(self, action: Say) -> None:
        chat, flow = self.chat, self.flow
        intent = flow.intents.intents.get(action.prompt_id)
        if intent is not None and intent.answer:
            chat.add("bot", flow.written_answer(intent), _links(intent))
            chat.feedback = intent.topic
            self.chats._count_feedback(intent.topic, "asked")
        elif action.private:  # a number read back: shown now, stored masked
            chat.add("bot", redact(action.text))
            chat.unstored[chat.messages[-1]["seq"]] = action.text
        else:
            chat.add("bot", action.text)
        if chat.call.state is not State.ENDED:
            chat.call = flow.step(chat.call, Played(action.prompt_id)).call

    def transfer(self, action: Transfer) -> None:
        """Shown under "Chats i kø", not as a phone call."""
        chat = self.chat
        self.chats.services.hand_off(chat.call, listed=False)
        chat.status, chat.queue, chat.waiting_since = (
            ChatStatus.WAITING,
            action.queue,
            self.chats.now(),
        )
        self.chats.redis.zadd(WAITING_KEY, {chat.sid: chat.waiting_since})

    def hang_up(self, action: Hangup) -> None:
        if self.chat.status is ChatStatus.BOT:  # an agent's chat is ended by the agent
            self.chat.status = ChatStatus.ENDED

    def request_callback(self, action: RequestCallback) -> None:
        queue = self.flow.queue_for(self.chat.call)
        self.chats.services.request_callback(self.chat.call.call_id, action, queue, inline=True)

    def send_link(self, action: SendLink) -> None:
        """Never asked for: a chat shows its links with the answer."""


def _for_citizen(message: dict[str, Any]) -> dict[str, Any]:
    """A stored message as the citizen's page gets it (without the agents' wording)."""
    return {k: v for k, v in message.items() if k != "agent_sees"}


def _event(value: str, pressed: bool) -> Event:
    """A typed line or a button's value as the flow's event (buttons carry keys and words)."""
    if pressed and len(value) == 1 and value in "0123456789*#":
        return Keypad(value)
    return Heard(value)


def _checked(text: str, longest: int, empty_ok: bool) -> str:
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


def _links(intent: Any) -> list[dict[str, str]]:
    return [{"title": link.title, "url": link.url} for link in intent.links]
