"""Digest authentication of INVITEs from outside SIP_TRUSTED (RFC 3261 §22, RFC 2617 qop=auth).

For a trunk whose addresses change, or a platform that authenticates rather than sitting in a
fixed network. Nonces are stateless: a timestamp signed with a per-process key, good for five
minutes, so a restart or a second edge needs no shared store.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

NONCE_SECONDS = 300
PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]+))')


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

    def challenge(self, now: float) -> str:
        """A WWW-Authenticate value with a fresh nonce."""
        stamp = str(int(now))
        nonce = f"{stamp}.{self._sign(stamp)}"
        return f'Digest realm="{self.realm}", nonce="{nonce}", algorithm=MD5, qop="auth"'

    def verify(self, authorization: str | None, method: str, now: float) -> str | None:
        """The user whose valid credentials these are, else None (missing, stale or wrong)."""
        if not authorization or not authorization.lower().startswith("digest "):
            return None
        params = {k.lower(): quoted or bare for k, quoted, bare in PARAM.findall(authorization)}
        user, nonce = params.get("username", ""), params.get("nonce", "")
        password = self.users.get(user)
        stamp, _, signature = nonce.partition(".")
        if password is None or params.get("realm") != self.realm or not stamp.isdigit():
            return None
        if not hmac.compare_digest(signature, self._sign(stamp)):
            return None
        if not 0 <= now - int(stamp) <= NONCE_SECONDS:
            return None
        ha1 = _md5(f"{user}:{self.realm}:{password}")
        ha2 = _md5(f"{method}:{params.get('uri', '')}")
        if params.get("qop") == "auth":
            nc, cnonce = params.get("nc", ""), params.get("cnonce", "")
            expected = _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        else:
            expected = _md5(f"{ha1}:{nonce}:{ha2}")
        return user if hmac.compare_digest(expected, params.get("response", "")) else None

    def names_us(self, authorization: str | None) -> bool:
        """The header answers one of our challenges (so wrong credentials, not none)."""
        return bool(authorization) and f'realm="{self.realm}"' in (authorization or "")
