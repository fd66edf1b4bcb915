"""Wrong secrets counted per client address, so guessing a token or a password is slow.

The hand-off API's bearer token and Asterisk's basic-auth password are long random secrets; the
count keeps a guesser from costing us a request each, and its log from filling the disk.
"""

from __future__ import annotations

import hashlib

from redis import Redis
from redis.exceptions import RedisError

FAILURES_KEY = "throttle:{kind}:{address}"
WINDOW_SECONDS = 15 * 60
LIMIT = 20
"""Wrong secrets one address may send within the window; then 429 until it has passed."""


class WrongSecrets:
    """One kind of secret's failures per address (hashed: an address is personal data)."""

    def __init__(self, redis: Redis, kind: str, limit: int = LIMIT) -> None:
        self.redis, self.kind, self.limit = redis, kind, limit

    def blocked(self, address: str) -> bool:
        """Too many wrong secrets from this address lately.

        Never while Redis is away: calls must still reach the bot then.
        """
        try:
            return int(self.redis.get(self._key(address)) or 0) >= self.limit
        except RedisError:
            return False

    def failed(self, address: str) -> None:
        """Count one wrong secret; the window opens with the first."""
        try:
            pipe = self.redis.pipeline()
            pipe.set(self._key(address), 0, ex=WINDOW_SECONDS, nx=True)
            pipe.incr(self._key(address))
            pipe.execute()
        except RedisError:
            pass

    def _key(self, address: str) -> str:
        digest = hashlib.sha256(address.encode()).hexdigest()[:24]
        return FAILURES_KEY.format(kind=self.kind, address=digest)
