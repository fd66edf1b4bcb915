"""Per-call state in Redis: the flow's state and the stream's one-time token, all with a TTL."""

from __future__ import annotations

import json
import secrets

from redis import Redis

from ..core.call import Call

CALL_TTL_SECONDS = 24 * 3600
"""Call state outlives the call long enough for late status callbacks, then goes."""
TOKEN_TTL_SECONDS = 120
"""Twilio opens the stream within seconds of our TwiML; an old token is worthless."""
STATE_KEY = "call:{sid}:state"
TOKEN_KEY = "call:{sid}:token"


class CallStore:
    """Reads and writes one call's keys; the only module that knows them."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._written: dict[str, str] = {}
        """What `save` last wrote, per call."""

    def issue_token(self, call_sid: str) -> str:
        """A fresh token for the stream's `<Parameter>`, valid once."""
        token = secrets.token_hex(24)  # hex: never mistaken for a number by the privacy audit
        self.redis.set(TOKEN_KEY.format(sid=call_sid), token, ex=TOKEN_TTL_SECONDS)
        return token

    def redeem_token(self, call_sid: str, token: str) -> bool:
        """True once for the token issued to this call; False for anything else, or again."""
        issued = self.redis.getdel(TOKEN_KEY.format(sid=call_sid))
        return issued is not None and secrets.compare_digest(issued, token.encode(errors="replace"))

    def save(self, call: Call, meta: dict[str, object]) -> None:
        """Store the call's flow state (transcripts in it are already redacted) and its meta.

        A live call saves after every event and most (a prompt played, a frame of silence)
        change nothing: what this store last wrote for the call is not written again.
        """
        data = json.dumps({"call": call.to_dict(), "meta": meta}, ensure_ascii=False)
        if self._written.get(call.call_id) == data:
            return
        self.redis.set(STATE_KEY.format(sid=call.call_id), data, ex=CALL_TTL_SECONDS)
        self._written[call.call_id] = data

    def load(self, call_sid: str) -> tuple[Call, dict[str, object]] | None:
        """The call's last saved state and meta, or None."""
        raw = self.redis.get(STATE_KEY.format(sid=call_sid))
        if raw is None:
            return None
        data = json.loads(raw)
        return Call.from_dict(data["call"]), data["meta"]
