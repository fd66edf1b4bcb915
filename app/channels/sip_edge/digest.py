"""Digest authentication of INVITEs from outside SIP_TRUSTED (RFC 3261 §22, RFC 2617 qop=auth).

For a trunk whose addresses change, or a platform that authenticates rather than sitting in a
fixed network. Nonces are stateless: a timestamp signed with a per-process key, good for five
minutes; after that (or after a restart) the client is challenged again with `stale=TRUE`, which
tells it to retry with its credentials rather than give up. A nonce may be reused within its five
minutes (no nonce-count is kept), which is why SIP_TRUSTED, or TLS through the Kamailio front,
remains the better protection.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets

NONCE_SECONDS = 300
PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]+))')


class Verdict(enum.Enum):
    """What to do with an INVITE's credentials."""

    ACCEPT = "accept"
    CHALLENGE = "challenge"
    """None given, or for another realm: 401."""
    STALE = "stale"
    """Right credentials on an expired (or another process's) nonce: 401 with stale=TRUE."""
    REFUSE = "refuse"
    """Wrong credentials for our realm: 403."""


def users_of(setting: str | None) -> dict[str, str]:
    """SIP_USERS: `user:password`, comma-separated."""
    users = {}
    for item in (setting or "").split(","):
        user, sep, password = item.strip().partition(":")
        if sep and user and password:
            users[user] = password
    return users


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


class DigestGuard:
    """Challenges and checks one realm's credentials."""

    def __init__(self, users: dict[str, str], realm: str = "voicebot") -> None:
        self.users = users
        self.realm = realm
        self.key = secrets.token_bytes(32)

    def _sign(self, stamp: str) -> str:
        return hmac.new(self.key, stamp.encode(), hashlib.sha256).hexdigest()[:32]

    def challenge(self, now: float, stale: bool = False) -> str:
        """A WWW-Authenticate value with a fresh nonce."""
        stamp = str(int(now))
        nonce = f"{stamp}.{self._sign(stamp)}"
        extra = ", stale=TRUE" if stale else ""
        return f'Digest realm="{self.realm}", nonce="{nonce}", algorithm=MD5, qop="auth"{extra}'

    def check(self, authorization: str | None, method: str, now: float) -> Verdict:
        """Accept, challenge (again) or refuse an INVITE's Authorization header."""
        if not authorization or not authorization.lower().startswith("digest "):
            return Verdict.CHALLENGE
        params = {k.lower(): quoted or bare for k, quoted, bare in PARAM.findall(authorization)}
        if params.get("realm") != self.realm:
            return Verdict.CHALLENGE
        user, nonce = params.get("username", ""), params.get("nonce", "")
        password = self.users.get(user)
        if password is None:
            return Verdict.REFUSE
        ha1 = _md5(f"{user}:{self.realm}:{password}")
        ha2 = _md5(f"{method}:{params.get('uri', '')}")
        if params.get("qop") == "auth":
            nc, cnonce = params.get("nc", ""), params.get("cnonce", "")
            expected = _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        else:
            expected = _md5(f"{ha1}:{nonce}:{ha2}")
        if not hmac.compare_digest(expected, params.get("response", "")):
            return Verdict.REFUSE
        stamp, _, signature = nonce.partition(".")
        fresh = stamp.isdigit() and 0 <= now - int(stamp) <= NONCE_SECONDS
        if not (fresh and hmac.compare_digest(signature, self._sign(stamp))):
            return Verdict.STALE
        return Verdict.ACCEPT
