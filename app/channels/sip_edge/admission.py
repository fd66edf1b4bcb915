"""Who may reach the SIP edge: trusted networks, INVITE and message rates, the size of a message."""

from __future__ import annotations

import ipaddress
import logging
from collections import deque

MAX_SIP_MESSAGE = 16 * 1024
"""Bytes in one SIP message; an INVITE with SDP is 1–2 KB. Larger ones are dropped unread."""

log = logging.getLogger(__name__)


class InviteLimit:
    """At most `per_minute` INVITEs from one address in any minute.

    A looping or hostile peer cannot fill the bot with calls.
    """

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.seen: dict[str, deque[float]] = {}

    def allows(self, address: str, now: float) -> bool:
        """Count this INVITE; False once the address is over its limit."""
        times = self.seen.setdefault(address, deque())
        while times and now - times[0] >= 60:
            times.popleft()
        if len(times) >= self.per_minute:
            return False
        times.append(now)
        return True


class MessageLimit:
    """A token bucket per address: `per_second` SIP messages, bursts up to twice that.

    Keeps one flooding peer (or a loop) from taking the event loop every call shares.
    """

    def __init__(self, per_second: int) -> None:
        self.rate = per_second
        self.burst = 2 * per_second
        self.buckets: dict[str, tuple[float, float]] = {}

    def allows(self, address: str, now: float) -> bool:
        """Take a token for this message; False when the address has none left."""
        tokens, then = self.buckets.get(address, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        if len(self.buckets) > 10_000:  # forget idle addresses rather than grow without bound
            self.buckets.clear()
        if tokens < 1:
            self.buckets[address] = (tokens, now)
            return False
        self.buckets[address] = (tokens - 1, now)
        return True


def trusted(address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    """The INVITE comes from a network we take calls from."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def networks_of(setting: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """SIP_TRUSTED: comma-separated CIDRs."""
    return [ipaddress.ip_network(p.strip(), strict=False) for p in setting.split(",") if p.strip()]
