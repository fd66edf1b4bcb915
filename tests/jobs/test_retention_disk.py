"""Expired personal data leaves the disk too: the hourly job rewrites Redis's append-only file."""

import time

from redis import Redis
from rq import Queue

from app.infra.redis_server import EmbeddedRedis
from app.jobs.queue import QUEUE_NAME
from app.jobs.retention import purge


def aof_bytes(directory):
    return b"".join(p.read_bytes() for p in directory.rglob("*.aof") if p.is_file())


def test_an_expired_number_is_gone_from_the_aof_after_the_hourly_job(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSCRIPT_RETENTION_DAYS", "30")
    server = EmbeddedRedis(tmp_path / "redis")
    redis = Redis.from_url(server.start())
    try:
        redis.set("handoff:CA1:caller", "+4520123456", px=200)
        redis.set("kept", "x")
        deadline = time.monotonic() + 5
        while b"4520123456" not in aof_bytes(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)  # appendfsync everysec
        assert b"4520123456" in aof_bytes(tmp_path)
        time.sleep(0.3)
        assert redis.get("handoff:CA1:caller") is None  # expired in memory, still on disk
        Queue(QUEUE_NAME, connection=redis, is_async=False).enqueue(purge, None)
        deadline = time.monotonic() + 10
        while b"4520123456" in aof_bytes(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert b"4520123456" not in aof_bytes(tmp_path)
        assert redis.get("kept") == b"x"
    finally:
        redis.close()
        server.stop()
