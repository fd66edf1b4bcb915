"""What a conversation leaves behind: KPI record, misses, hand-off, callback and link jobs.

All of it is spooled to disk while Redis is away and written when it is back.

A mixin of `Services` (it uses its Redis, flow, settings, clock and live figures).
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, datetime
from functools import cached_property

from redis.exceptions import RedisError

from ..core.call import Call, RequestCallback, SendLink
from ..infra.spool import Spool
from .handoff import Handoff, HandoffStore
from .handoff import build as build_handoff
from .kpi.events import CallRecord, Channel
from .kpi.store import KpiStore
from .review.store import ReviewStore, missed_turns
from .sms import danish_mobile

log = logging.getLogger(__name__)

SPOOL_REPLAY_SECONDS = 1.0
"""How often a process looks for spooled writes to replay (cheap: a stat when there are none)."""
Meta = dict[str, object]
"""What the KPI record needs besides the flow's state: channel, start, hours, hashed caller."""


class Outcomes:
    """Recording outcomes and queueing what follows a conversation, never losing one."""

    def record(self, call: Call, meta: Meta, ended_at: datetime | None = None) -> None:
        """Write a finished call's KPI record (once, however often it is asked).

        With Redis away the record is spooled to disk and written when it returns.
        """
        ended_at = ended_at or self.clock().astimezone(UTC)
        record = CallRecord.from_call(
            call,
            self.flow().intents,
            channel=Channel.of(str(meta["channel"])),
            started_at=datetime.fromisoformat(str(meta["started_at"])),
            ended_at=ended_at,
            in_hours=bool(meta["in_hours"]),
            caller=meta.get("caller"),  # type: ignore[arg-type]
            via=meta.get("via"),  # type: ignore[arg-type]
        )
        try:
            self._keep_missed(call, record.ended_at, record.channel)
            recorded = self.kpi.record(record)
        except RedisError:
            payload = {"call": call.to_dict(), "meta": meta, "ended_at": ended_at.isoformat()}
            self.spool.add("record", payload)
            return
        if recorded:
            log.info(
                "call ended call_id=%s outcome=%s reason=%s topic=%s",
                call.call_id,
                record.outcome,
                record.reason,
                record.topic,
            )

    def request_callback(
        self, call_id: str, request: RequestCallback, queue: str, inline: bool = False
    ) -> None:
        """Queue the callback job (`inline`: run it now, for channels without a worker).

        Whatever stops the job being queued (Redis away, or anything else), the request is kept
        on disk until it can be, and counted: a caller who confirmed a callback is never lost.
        """
        from ..jobs.callbacks import enqueue_callback

        try:
            enqueue_callback(self.redis, call_id, request, queue, inline=inline)
        except Exception as exc:  # noqa: BLE001 - any failure must reach the spool, not the call
            if not isinstance(exc, RedisError):
                log.exception("callback not queued call_id=%s; kept in the spool", call_id)
            self.live.count_enqueue_failure()
            self.spool.add("callback", {"call_id": call_id, **asdict(request), "queue": queue})

    def can_text(self, number: str | None) -> bool:
        """SMS is on and the caller's number (never stored by the flow) is a Danish mobile."""
        return bool(self.settings.sms_from) and danish_mobile(number) is not None

    def send_link(self, call_id: str, link: SendLink) -> None:
        """Queue the job that texts an answer's link; a failure is logged, the call goes on."""
        from ..jobs.links import enqueue_link

        try:
            enqueue_link(self.redis, call_id, link)
        except RedisError:
            log.warning("link not queued, redis unavailable call_id=%s", call_id)

    def hand_off(self, call: Call, listed: bool = True) -> Handoff:
        """Store the context an agent receives with a transferred call, and return it.

        `listed`: shown among the phone hand-offs on /agent/ (a chat has its own list).
        """
        handoffs = HandoffStore(self.redis)
        handoff = build_handoff(call, self.flow().intents, handoffs.caller(call.call_id))
        handoffs.save(handoff, listed)
        return handoff

    @cached_property
    def spool(self) -> Spool:
        """Writes kept on disk while Redis is away."""
        return Spool(self.settings.data_dir / "spool")

    def replay_spool(self) -> int:
        """Write spooled records and callback requests now that Redis answers."""
        from ..jobs.callbacks import enqueue_callback

        def record(p: dict) -> None:
            self.record(Call.from_dict(p["call"]), p["meta"], datetime.fromisoformat(p["ended_at"]))

        def callback(p: dict) -> None:
            request = RequestCallback(p["to"], p["intent"], p["about"])
            enqueue_callback(self.redis, p["call_id"], request, p["queue"])

        def queue_result(p: dict) -> None:
            KpiStore(self.redis).mark_queue_result(p["call_id"], p["result"])

        if not self.spool.pending():
            return 0
        self.redis.ping()  # raises while Redis is still away: nothing is touched
        handlers = {"record": record, "callback": callback, "queue_result": queue_result}
        return self.spool.replay(handlers)

    def start_spool_replayer(self, every_seconds: float = SPOOL_REPLAY_SECONDS) -> None:
        """A daemon thread that replays the spool whenever Redis is back."""
        self.run_every("spool-replayer", every_seconds, self.replay_spool)

    def review(self) -> ReviewStore:
        """Missed utterances, grouped by their content words under the current intent set."""
        lexicon = self.flow().matcher.lexicon
        return ReviewStore(
            self.redis,
            self.settings.transcript_retention_days,
            lambda text: " ".join(sorted(set(lexicon.analyse(text)))),
        )

    def _keep_missed(self, call: Call, at: datetime, channel: str) -> None:
        missed = missed_turns(call)
        if missed and not self.kpi.is_recorded(call.call_id):  # once per call
            review = self.review()
            for text, reason, guess in missed:
                review.add(text, reason, guess, at, channel)
