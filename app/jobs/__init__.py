"""RQ jobs: plain functions that take ids and texts, safe to run twice."""

QUEUE_NAME = "voicebot"
"""The one queue web processes enqueue on and `voicebot worker` drains."""
WORKER_TTL_SECONDS = 20
"""RQ worker heartbeat lifetime; a worker beats every ~5 s (ttl - 15), so /readyz sees a dead one
within WORKER_STALE_SECONDS rather than RQ's default seven minutes."""
WORKER_STALE_SECONDS = 30
"""No heartbeat for this long: the worker is gone (callbacks and renders would wait)."""
