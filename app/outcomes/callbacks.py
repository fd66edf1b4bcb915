"""Callback requests: made when the contact centre is closed, worked off by agents when it opens."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from redis import Redis

CALLBACK_KEY = "callback:{id}"
OPEN_KEY = "callbacks:open"
"""Sorted set of open request ids by creation time: the agents work oldest first."""
DONE_KEY = "callbacks:done"
RETENTION_SECONDS = 30 * 24 * 3600
"""A request (it holds a phone number) is deleted this long after it was made."""
COUNTERS_KEY = "kpi:counters:{day}"


@dataclass(frozen=True)
class Callback:
    """One request to be called back."""

    id: str
    """The call sid: one request per call, however often the job runs."""
    number: str | None
    about: str
    intent: str | None
    queue: str
    created_at: str
    done_at: str | None = None
    done_by: str | None = None


class CallbackStore:
    """The only module that knows the callback keys."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def create(self, callback: Callback) -> bool:
        """Store a new request; False (and nothing changes) if this call already made one."""
        key = CALLBACK_KEY.format(id=callback.id)
        if not self.redis.set(key, json.dumps(asdict(callback)), nx=True, ex=RETENTION_SECONDS):
            return False
        created = datetime.fromisoformat(callback.created_at)
        pipe = self.redis.pipeline()
        pipe.zadd(OPEN_KEY, {callback.id: created.timestamp()})
        pipe.hincrby(COUNTERS_KEY.format(day=created.date().isoformat()), "callbacks:created", 1)
        pipe.execute()
        return True

    def get(self, callback_id: str) -> Callback | None:
        """A request by id."""
        raw = self.redis.get(CALLBACK_KEY.format(id=callback_id))
        return Callback(**json.loads(raw)) if raw else None

    def open_requests(self) -> list[Callback]:
        """Requests not yet done, oldest first."""
        ids = [i.decode() for i in self.redis.zrange(OPEN_KEY, 0, -1)]
        return [c for c in map(self.get, ids) if c is not None]

    def mark_done(self, callback_id: str, agent: str, now: datetime | None = None) -> bool:
        """Mark a request done by an agent; False if it is unknown or was already done."""
        if not self.redis.zrem(OPEN_KEY, callback_id):
            return False
        found = self.get(callback_id)
        moment = now or datetime.now(UTC)
        if found is not None:
            done = Callback(**{**asdict(found), "done_at": moment.isoformat(), "done_by": agent})
            self.redis.set(
                CALLBACK_KEY.format(id=callback_id), json.dumps(asdict(done)), keepttl=True
            )
        pipe = self.redis.pipeline()
        pipe.zadd(DONE_KEY, {callback_id: moment.timestamp()})
        pipe.hincrby(COUNTERS_KEY.format(day=moment.date().isoformat()), "callbacks:completed", 1)
        pipe.execute()
        return True
