"""The job queue: its name, the worker's heartbeat, and job ids rq accepts for any channel's id."""

from __future__ import annotations

import hashlib
import re

QUEUE_NAME = "voicebot"
"""The one queue web processes enqueue on and `voicebot worker` drains."""
WORKER_TTL_SECONDS = 20
"""RQ worker heartbeat lifetime; a worker beats every ~5 s (ttl - 15), so /readyz sees a dead one
within WORKER_STALE_SECONDS rather than RQ's default seven minutes."""
WORKER_STALE_SECONDS = 30
"""No heartbeat for this long: the worker is gone (callbacks and renders would wait)."""

_JOB_ID_SAFE = re.compile(r"[A-Za-z0-9_-]{1,80}")
"""rq 3 refuses any other job id (`JOB_ID_PATTERN`): Asterisk's UNIQUEID has a dot."""


def job_id(kind: str, entity_id: str) -> str:
    """A job id rq accepts for any channel's id, the same for the same id (so a job runs once).

    An id rq would refuse keeps its safe characters for readability, plus a hash of the whole id
    so two ids that differ only in the dropped characters never share a job.
    """
    if _JOB_ID_SAFE.fullmatch(entity_id):
        return f"{kind}-{entity_id}"
    readable = re.sub(r"[^A-Za-z0-9_-]", "_", entity_id)[:48]
    digest = hashlib.sha256(entity_id.encode()).hexdigest()[:16]
    return f"{kind}-{readable}-{digest}"
