"""`voicebot privacy audit`: look for raw CPR and phone numbers where none should be.

Two kinds of key may hold a caller's number on purpose, and then only with an expiry: the
hand-off for the agent (`handoff:*`) and a callback request (`callback:*`). The intent set
(`intents:*`) holds the municipality's public numbers. Anything else in Redis, and every line of
the given log files, must be free of them.

Each Redis value is judged on its own (a hash of counters "19", "1", "6" is not a number read
out), and each log line field by field, digit groups said in a row joined ("12 34 56 78"), so
the status, size and duration of an access-log line never add up to a phone number. Our own
identifiers (call sids, hex hashes and tokens) are not numbers and are left out first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from fnmatch import fnmatch
from pathlib import Path

from redis import Redis

from ..core.redact import MASKS, redact

NUMBERS_ALLOWED_WITH_TTL = ("handoff:*", "callback:*")
PUBLIC_CONTENT = ("intents:*",)
"""The intent set as admins wrote it: its numbers are the municipality's own units' public ones
(`municipality.yaml`), and callers' words reach it only redacted (promoted from the review)."""
_IDENTIFIER = re.compile(r"\b(?:[A-Z]{2}[0-9a-f]{32}|[0-9a-f]{16,}|[A-Za-z0-9_-]{32,})\b")
"""Twilio sids, hex digests and random tokens: long, machine-made, and never a number said."""
_SPOKEN_GROUP = re.compile(r"\+?\d{2}|\d{4}|\d{6}")


def scan_redis(redis: Redis) -> Iterator[str]:
    """One finding per key that holds a CPR- or phone-like string it should not."""
    for raw_key in redis.scan_iter(count=500):
        key = raw_key.decode(errors="replace")
        if any(fnmatch(key, pattern) for pattern in PUBLIC_CONTENT):
            continue
        if not any(holds_number(value) for value in _values(redis, raw_key)):
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
                if any(holds_number(field) for field in log_fields(line)):
                    yield f"{path}:{number}: CPR- or phone-like number logged"


def holds_number(text: str) -> bool:
    """True when `text`, our identifiers left out, holds a CPR or phone number."""
    text = _IDENTIFIER.sub(" ", text)
    masked = redact(text)
    return any(masked.count(mask) > text.count(mask) for mask in MASKS)


def log_fields(line: str) -> list[str]:
    """A log line's fields (`key=value` values, words), with digit groups said in a row joined.

    Groups of two, four or six digits next to each other are how a person says a number
    ("12 34 56 78", "120385 1234"); a status code, a byte count and a duration are not.
    """
    words = line.split()
    fields: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if _SPOKEN_GROUP.fullmatch(word):
            run.append(word)
            continue
        if run:
            fields.append(" ".join(run))
            run = []
        fields.append(word)
    return fields


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
