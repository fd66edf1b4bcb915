"""Staff sign-in: sessions kept in Redis (revocable), throttled logins, safe return paths.

The cookie carries only a random session id (signed by Flask). Each request looks the id up in
Redis and the account up in ACCOUNTS_FILE, so logging out, deleting an account or changing its
role takes effect on the next request, and no session outlives `SESSION_HOURS`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from redis import Redis

from .accounts import Account, AccountBook

SESSION_KEY = "staff:session:{id}"
SESSION_HOURS = 12
"""Absolute lifetime: one working day, then sign in again, whatever the activity."""
FAILURES_KEY = "staff:login-failures:{kind}:{value}"
FAILURE_WINDOW_SECONDS = 15 * 60
MAX_FAILURES = {"account": 5, "address": 20}
"""Wrong passwords within the window before further tries are refused until it has passed."""
RETURN_PREFIXES = ("/agent/", "/admin/")
"""The only places a login may send the browser back to."""


@dataclass(frozen=True)
class Staff:
    """A signed-in member of staff, as the accounts file says now."""

    session_id: str
    account: Account


class StaffSessions:
    """Sessions and login throttling; the only module that knows their Redis keys."""

    def __init__(self, redis: Redis, book: AccountBook) -> None:
        self.redis = redis
        self.book = book

    def sign_in(self, username: str, password: str, address: str) -> Staff | None:
        """A new session for the right password, unless the account or address is throttled.

        Raises:
            Throttled: too many wrong passwords lately; nothing is checked.
        """
        keys = self._failure_keys(username, address)
        # Count the try before checking it (one atomic INCR each): concurrent tries can never all
        # slip in under the limit, as they could when the count was read first.
        pipe = self.redis.pipeline()
        for key, _ in keys:
            pipe.set(key, 0, ex=FAILURE_WINDOW_SECONDS, nx=True)  # the window opens once
            pipe.incr(key)
        counts = pipe.execute()[1::2]
        if any(count > limit for count, (_, limit) in zip(counts, keys, strict=True)):
            raise Throttled()
        account = self.book.authenticate(username, password)
        if account is None:
            return None
        pipe = self.redis.pipeline()  # a right password was no failure
        pipe.delete(keys[0][0])
        pipe.decr(keys[1][0])
        pipe.execute()
        session_id = secrets.token_urlsafe(32)
        self.redis.set(SESSION_KEY.format(id=session_id), account.username, ex=SESSION_HOURS * 3600)
        return Staff(session_id, account)

    def current(self, session_id: str | None) -> Staff | None:
        """The session's staff member, if the session and the account both still exist."""
        if not session_id:
            return None
        username = self.redis.get(SESSION_KEY.format(id=session_id))
        account = self.book.get(username.decode()) if username else None
        return Staff(session_id, account) if account else None

    def sign_out(self, session_id: str) -> None:
        """End one session now."""
        self.redis.delete(SESSION_KEY.format(id=session_id))

    @staticmethod
    def _failure_keys(username: str, address: str) -> list[tuple[str, int]]:
        # Hash the values: a typed username may be a password or a number, never kept raw.
        return [
            (FAILURES_KEY.format(kind=kind, value=_digest(value)), MAX_FAILURES[kind])
            for kind, value in (("account", username.lower()), ("address", address))
        ]


class Throttled(Exception):  # noqa: N818 - a verdict shown to the user, not a fault
    """Too many wrong passwords for this account or address; try again later."""


def safe_return_path(target: str | None) -> str | None:
    r"""`target` if it is a path on our own staff pages, else None.

    Parsed, not prefix-checked: browsers drop tabs and newlines and read backslashes as
    slashes, so "/\\t/evil.example" would leave the site.
    """
    if not target or any(ord(c) < 0x21 or c == "\\" or ord(c) == 0x7F for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(RETURN_PREFIXES):
        return None
    return target


def csrf_ok(sent: str | None, expected: str | None) -> bool:
    """The form's or header's token is the session's (and there is one to compare)."""
    if not (sent and expected):
        return False
    return hmac.compare_digest(str(sent).encode(), str(expected).encode())  # any characters


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:24]
