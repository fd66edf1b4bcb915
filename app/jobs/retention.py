"""Deleting what is past TRANSCRIPT_RETENTION_DAYS; runs hourly from the worker, safe to repeat.

Expired keys leave Redis's memory but stay in its append-only file until it is rewritten, so
each run also asks Redis to rewrite the AOF: personal data that has expired leaves the disk
within the hour too.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from redis import Redis
from redis.exceptions import ResponseError
from rq import Queue, get_current_job

from ..config import Settings
from ..outcomes.review.store import ReviewStore
from .queue import QUEUE_NAME

log = logging.getLogger(__name__)

JOB_ID = "retention"
EVERY = timedelta(hours=1)


def purge(now_iso: str | None = None) -> int:
    """Drop review items last seen before the retention window; schedule the next run."""
    settings = Settings.from_env()
    redis = get_current_job().connection
    now = datetime.fromisoformat(now_iso) if now_iso else datetime.now(UTC)
    cutoff = now - timedelta(days=settings.transcript_retention_days)
    removed = ReviewStore(redis, settings.transcript_retention_days, str).expire(before=cutoff)
    log.info("retention removed=%d cutoff=%s", removed, cutoff.isoformat())
    rewrite_aof(redis)
    if now_iso is None:
        schedule(Queue(QUEUE_NAME, connection=redis))
    return removed


def schedule(queue: Queue) -> None:
    """Run `purge` in an hour (one scheduled run at a time: a fixed job id)."""
    queue.enqueue_in(EVERY, purge, job_id=JOB_ID)


def rewrite_aof(redis: Redis) -> bool:
    """Compact the AOF so expired data is gone from disk; False where Redis refuses (managed)."""
    try:
        redis.bgrewriteaof()
    except ResponseError as exc:  # already rewriting, AOF off, or the command is disabled
        log.info("aof rewrite not started: %s", exc)
        return False
    return True
