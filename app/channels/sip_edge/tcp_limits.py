"""TCP connections to the SIP edge: bounded per address and in all, idle strangers let go.

Every TCP connection holds a file descriptor; 1,030 idle ones from one untrusted address used to
exhaust the process's descriptors, so trusted trunks' calls failed at accept(). Connections from
SIP_TRUSTED networks are never refused or timed out here (a trunk keeps one open for hours);
others are held to a few per address and a total well under the descriptor limit, and closed
when they send no complete SIP message for a while.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

UNTRUSTED_TOTAL = 256
"""Untrusted connections at once, all addresses together (the process may open 1,024 files, and
RTP sockets and the bot's WebSockets need theirs)."""


class ConnectionLimit:
    """Counts open TCP connections by address and decides which new ones may stay."""

    def __init__(
        self,
        trusted: Callable[[str], bool],
        per_address: int,
        idle_seconds: float,
        total: int = UNTRUSTED_TOTAL,
    ) -> None:
        self.trusted = trusted
        self.per_address = per_address
        self.idle_seconds = idle_seconds
        self.total = total
        self.open: Counter[str] = Counter()

    def admit(self, address: str) -> bool:
        """Take a new connection from `address`, or False: close it at once."""
        if not self.trusted(address):
            if self.open[address] >= self.per_address or self.untrusted() >= self.total:
                return False
        self.open[address] += 1
        return True

    def release(self, address: str) -> None:
        """A connection from `address` closed."""
        self.open[address] -= 1
        if self.open[address] <= 0:
            del self.open[address]

    def untrusted(self) -> int:
        """Open connections from addresses outside SIP_TRUSTED."""
        return sum(n for address, n in self.open.items() if not self.trusted(address))
