"""Call records in Redis, written exactly once per call however often a channel reports the end."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from redis import Redis

from .events import CallRecord

CALLS_KEY = "kpi:calls"
"""Sorted set: call id scored by end time (epoch seconds), for period queries."""
RECORD_KEY = "kpi:call:{call_id}"
COUNTERS_KEY = "kpi:counters:{day}"
"""Hash of counters per UTC day: calls, outcome:<o>, reason:<r>, topic:<t>:<o>."""

_RECORD_ONCE = """
if redis.call('HSETNX', KEYS[1], 'record', ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
for i = 4, #ARGV do redis.call('HINCRBY', KEYS[3], ARGV[i], 1) end
return 1
"""


class KpiStore:
    """Reads and writes call records; the only module that knows their Redis keys."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._record_once = redis.register_script(_RECORD_ONCE)

    def record(self, record: CallRecord) -> bool:
        """Store a finished call; False (and no change) if this call was recorded before."""
        keys = [
            RECORD_KEY.format(call_id=record.call_id),
            CALLS_KEY,
            COUNTERS_KEY.format(day=record.ended_at.date().isoformat()),
        ]
        args = [record.to_json(), record.ended_at.timestamp(), record.call_id, *record.counters()]
        return bool(self._record_once(keys=keys, args=args))

    def mark_queue_result(self, call_id: str, result: str) -> bool:
        """Add how a transferred call's wait ended (e.g. abandoned_in_queue), once per call.

        The outcome stays `transferred`; this refines it, counted on the call's own day.
        """
        key = RECORD_KEY.format(call_id=call_id)
        raw = self.redis.hget(key, "record")
        if raw is None or not self.redis.hsetnx(key, "queue_result", result):
            return False
        day = CallRecord.from_json(raw).ended_at.date().isoformat()
        self.redis.hincrby(COUNTERS_KEY.format(day=day), f"queue_result:{result}", 1)
        return True

    def is_recorded(self, call_id: str) -> bool:
        """True once the call has its outcome."""
        return bool(self.redis.exists(RECORD_KEY.format(call_id=call_id)))

    def records(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[CallRecord]:
        """Calls that ended in [since, until), oldest first."""
        low = since.timestamp() if since else "-inf"
        high = f"({until.timestamp()}" if until else "+inf"
        ids = self.redis.zrangebyscore(CALLS_KEY, low, high)
        if not ids:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for call_id in ids:
            pipe.hmget(RECORD_KEY.format(call_id=_text(call_id)), "record", "queue_result")
        return [
            CallRecord.from_json(raw, queue_result=_text(result) if result else None)
            for raw, result in pipe.execute()
            if raw
        ]

    def count_feedback(self, topic: str, kind: str, at: datetime) -> None:
        """One "Fik du svar?" asked, or answered `yes`/`no`, for a topic (the chat asks it)."""
        day = at.astimezone(UTC).date().isoformat()
        self.redis.hincrby(COUNTERS_KEY.format(day=day), f"feedback:{topic}:{kind}", 1)

    def count_sms_link(self, at: datetime) -> None:
        """One answer's link texted to a caller who asked for it on the phone."""
        day = at.astimezone(UTC).date().isoformat()
        self.redis.hincrby(COUNTERS_KEY.format(day=day), "sms_links", 1)

    def counters_between(self, first: date, last: date) -> list[dict[str, int]]:
        """The counters of every UTC day from `first` to `last`, inclusive, in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for d in range((last - first).days + 1):
            pipe.hgetall(COUNTERS_KEY.format(day=(first + timedelta(days=d)).isoformat()))
        return [{_text(k): int(v) for k, v in raw.items()} for raw in pipe.execute()]

    def counters(self, day: str) -> dict[str, int]:
        """The counters of one UTC day (`YYYY-MM-DD`)."""
        raw = self.redis.hgetall(COUNTERS_KEY.format(day=day))
        return {_text(k): int(v) for k, v in raw.items()}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
