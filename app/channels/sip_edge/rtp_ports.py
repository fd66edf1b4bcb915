"""RTP ports for calls: a configured range (what a firewall opens) or any free port."""

from __future__ import annotations

import logging
import random
import socket

log = logging.getLogger(__name__)


def rtp_ports_of(setting: str | None) -> range | None:
    """SIP_RTP_PORTS: `low-high` (inclusive); None: the kernel's ephemeral ports."""
    if not setting:
        return None
    low, sep, high = setting.partition("-")
    if not (sep and low.strip().isdigit() and high.strip().isdigit()):
        raise ValueError("SIP_RTP_PORTS must look like 30000-30999")
    ports = range(int(low) + int(low) % 2, int(high), 2)  # even RTP ports, RTCP on the next
    if not ports or ports.start < 1024 or int(high) > 65535:
        raise ValueError("SIP_RTP_PORTS must be a range of unprivileged ports, low below high")
    return ports


def free_rtp_port(host: str, ports: range | None = None) -> int:
    """An even port (RTP) whose odd neighbour (RTCP) is free too, now.

    From `ports` when configured, so a firewall can open exactly that range.
    """
    candidates = random.sample(ports, len(ports)) if ports else iter(lambda: 0, None)
    for port in candidates:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rtp:
            try:
                rtp.bind((host, port))
            except OSError:
                continue
            port = rtp.getsockname()[1]
            if port % 2:
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rtcp:
                try:
                    rtcp.bind((host, port + 1))
                except OSError:
                    continue
        return port
    raise OSError("no free RTP port in SIP_RTP_PORTS")
