"""The agents' side of the chat: the queue of chats waiting, taking one, writing, closing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ...core.redact import redact
from ...core.texts import CHAT
from .chat import (
    GONE_SECONDS,
    KEEP_SECONDS,
    MAX_MESSAGES,
    MAX_TEXT,
    SEEN_KEY,
    WAITING_KEY,
    ChatError,
    ChatStatus,
    checked,
)


class AgentSide:
    """What agents do with chats, for `Chats` (storage from `ChatStorage`)."""

    def waiting(self) -> list[dict[str, Any]]:
        """Chats waiting for an agent, longest first, with their hand-off context."""
        from ...outcomes.handoff import HandoffStore

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
        text = checked(text, 2 * MAX_TEXT, empty_ok=False)
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
