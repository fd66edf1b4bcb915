"""`voicebot privacy audit`: look for raw CPR and phone numbers where none should be.

Two kinds of key may hold a caller's number on purpose, and then only with an expiry: the
hand-off for the agent (`handoff:*`) and a callback request (`callback:*`). Anything else in
Redis, and every line of the given log files, must be free of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fnmatch import fnmatch
from pathlib import Path

from redis import Redis

from .dialogue.redact import redact

NUMBERS_ALLOWED_WITH_TTL = ("handoff:*", "callback:*")


def scan_redis(redis: Redis) -> Iterator[str]:
    """One finding per key that holds a CPR- or phone-like string it should not."""
    for raw_key in redis.scan_iter(count=500):
        key = raw_key.decode(errors="replace")
        text = " ".join(_values(redis, raw_key))
        if redact(text) == text:
            continue
        if any(fnmatch(key, pattern) for pattern in NUMBERS_ALLOWED_WITH_TTL):
            if redis.ttl(raw_key) > 0:
                continue
            yield f"redis {key}: personal number kept without an expiry"
        else:
            yield f"redis {key}: CPR- or phone-like number stored"


def scan_logs(paths: Iterable[Path]) -> Iterator[str]:
    """One finding per log line with a CPR- or phone-like string (line number, never the line)."""
    for path in paths:
        with path.open(encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, start=1):
                if redact(line) != line:
                    yield f"{path}:{number}: CPR- or phone-like number logged"


def _values(redis: Redis, key: bytes) -> list[str]:
    kind = redis.type(key).decode()
    if kind == "string":
        values = [redis.get(key) or b""]
    elif kind == "hash":
        values = list(redis.hgetall(key).values())
    elif kind == "list":
        values = redis.lrange(key, 0, -1)
    elif kind == "set":
        values = list(redis.smembers(key))
    elif kind == "zset":
        values = redis.zrange(key, 0, -1)
    else:
        values = []  # streams and others: we write none
    return [v.decode(errors="replace") for v in values]
