"""The chat's way with the flow's actions: messages, the queue, callbacks."""

from __future__ import annotations

from typing import Any

from ...core.call import Hangup, Played, RequestCallback, Say, SendLink, State, Transfer
from ...core.redact import redact
from .chat import WAITING_KEY, Chat, ChatStatus, links_of


class ChatActions:
    """The chat's way with the flow's actions (`dialogue.actions.ChannelActions`): messages."""

    def __init__(self, chats: Any, chat: Chat) -> None:  # a `Chats`
        self.chats, self.chat = chats, chat
        self.flow = chats.services.flow(written=True)

    def say(self, action: Say) -> None:
        """An answer with its links (and the 👍/👎 question), a number masked when stored."""
        chat, flow = self.chat, self.flow
        intent = flow.intents.intents.get(action.prompt_id)
        if intent is not None and intent.answer:
            chat.add("bot", flow.written_answer(intent), links_of(intent))
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
        """The bot's part is over."""
        if self.chat.status is ChatStatus.BOT:  # an agent's chat is ended by the agent
            self.chat.status = ChatStatus.ENDED

    def request_callback(self, action: RequestCallback) -> None:
        """Queued at once (a chat has no worker of its own to wait for)."""
        queue = self.flow.queue_for(self.chat.call)
        self.chats.services.request_callback(self.chat.call.call_id, action, queue, inline=True)

    def send_link(self, action: SendLink) -> None:
        """Never asked for: a chat shows its links with the answer."""
