"""The long-lived parts of one process (Redis, intents, hours, flow), built once from settings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from redis import Redis

from .config import Settings
from .dialogue.conversation import Conversation
from .dialogue.flow import Call, Flow
from .dialogue.hours import OpeningHours
from .dialogue.intents import IntentLibrary, IntentSet
from .dialogue.matcher import Matcher
from .kpi.events import CallRecord
from .kpi.store import KpiStore
from .redis_server import EmbeddedRedis

log = logging.getLogger(__name__)


class Services:
    """What commands and the web app share; `close()` stops what it started.

    Args:
        settings: the process's settings.
        clock: current time; tests and `voicebot chat --at` pin it.
    """

    def __init__(self, settings: Settings, clock: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.tz = ZoneInfo(settings.timezone)
        self.clock = clock or (lambda: datetime.now(self.tz))
        self.hours = OpeningHours.from_spec(
            settings.opening_hours, settings.timezone, settings.closed_dates
        )
        self.library = IntentLibrary(settings.intents_dir)
        self._flows: dict[str, Flow] = {}
        self._embedded: EmbeddedRedis | None = None
        self._redis: Redis | None = None

    @property
    def redis(self) -> Redis:
        """The configured Redis, or an embedded one started on first use."""
        if self._redis is None:
            url = self.settings.redis_url
            if not url:
                self._embedded = EmbeddedRedis(self.settings.data_dir / "redis")
                url = self._embedded.start()
            self._redis = Redis.from_url(url)
        return self._redis

    @property
    def kpi(self) -> KpiStore:
        """Call records and counters."""
        return KpiStore(self.redis)

    def flow(self, intents: IntentSet | None = None) -> Flow:
        """The flow for an intent set (default: the current one), built once per version."""
        intents = intents or self.library.current()
        flow = self._flows.get(intents.version)
        if flow is None:
            matcher = Matcher(intents, self.settings.thresholds())
            flow = Flow(intents, matcher, self.hours, self.clock, self.settings.municipality_name)
            self._flows = {intents.version: flow}  # calls in progress keep their own reference
        return flow

    def conversation(self, call_id: str, channel: str, caller: str | None = None) -> Conversation:
        """A new call on the current intent set, whose outcome is recorded when it ends."""
        flow = self.flow()
        started_at = self.clock().astimezone(UTC)
        in_hours = self.hours.is_open(started_at)

        def record(call: Call) -> None:
            record = CallRecord.from_call(
                call,
                flow.intents,
                channel=channel,
                started_at=started_at,
                ended_at=self.clock().astimezone(UTC),
                in_hours=in_hours,
                caller=caller,
            )
            if self.kpi.record(record):
                log.info(
                    "call ended call_id=%s outcome=%s reason=%s topic=%s",
                    call.call_id,
                    record.outcome,
                    record.reason,
                    record.topic,
                )

        return Conversation(flow, call_id, on_end=record)

    def close(self) -> None:
        """Close connections and stop an embedded Redis we started."""
        if self._redis is not None:
            self._redis.close()
            self._redis = None
        if self._embedded is not None:
            self._embedded.stop()
            self._embedded = None
