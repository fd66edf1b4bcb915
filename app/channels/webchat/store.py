"""Where chats live: Redis, each loaded under a short lock and saved back in one round trip."""

from __future__ import annotations

import secrets
import time
from typing import Any

from ...core.call import State
from .chat import (
    ACTIVE_KEY,
    CHAT_KEY,
    KEEP_SECONDS,
    LOCK_MS,
    LOCK_WAIT_SECONDS,
    RELEASE,
    Chat,
    ChatError,
    ChatStatus,
)


class ChatStorage:
    """Loading and saving chats for `Chats` (which sets `redis`, `now` and `idle_seconds`)."""

    @property
    def holding(self) -> tuple[str, str] | None:
        """The chat lock (key, token) this thread holds; the save that ends the request frees it."""
        return getattr(self._holding, "lock", None)

    @holding.setter
    def holding(self, lock: tuple[str, str] | None) -> None:
        self._holding.lock = lock

    # --- the citizen ----------------------------------------------------------------------

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
    with the save (`ChatStorage._save`) or on leaving. A lock outlives a crashed holder by LOCK_MS.
    """

    def __init__(self, chats: Any, sid: str | None, touch: bool) -> None:  # a `Chats`
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
