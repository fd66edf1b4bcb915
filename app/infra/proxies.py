"""The client's address behind our own front: X-Forwarded-For is believed only from trusted proxies.

Per-address limits (staff logins, the chat) key on `request.remote_addr`. Behind Caddy that is
Caddy's address, so one host could lock out everyone; read blindly from the header, any client
could pick its own address. So: when the connecting peer is a configured proxy, the client is the
rightmost address in X-Forwarded-For that is not itself a trusted proxy; otherwise the peer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import ConfigError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(spec: str) -> tuple[Network, ...]:
    """`10.0.0.0/8, ::1` → networks; a bad entry fails start-up with one line."""
    networks = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ConfigError(f"TRUSTED_PROXIES: {part!r} is not an address or network") from None
    return tuple(networks)


class TrustedProxies:
    """WSGI middleware that sets REMOTE_ADDR to the client a trusted proxy names."""

    def __init__(self, app: Callable[..., Any], networks: Iterable[Network]) -> None:
        self.app = app
        self.networks = tuple(networks)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Rewrite REMOTE_ADDR for requests from a trusted proxy, then pass the request on."""
        peer = environ.get("REMOTE_ADDR", "")
        if self.trusted(peer):
            environ["REMOTE_ADDR"] = self.client(peer, environ.get("HTTP_X_FORWARDED_FOR", ""))
        return self.app(environ, start_response)

    def client(self, peer: str, forwarded: str) -> str:
        """The rightmost untrusted hop; the peer when the header has none we can read."""
        client = peer
        for hop in reversed([h.strip() for h in forwarded.split(",")]):
            if _address(hop) is None:
                break  # garbage from the far side of the chain: believe nothing further left
            client = hop
            if not self.trusted(hop):
                break
        return client

    def trusted(self, address: str) -> bool:
        """Whether `address` is one of our own proxies."""
        ip = _address(address)
        return ip is not None and any(ip in network for network in self.networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
