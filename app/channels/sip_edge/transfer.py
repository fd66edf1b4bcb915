"""Handing a SIP call to the contact centre: REFER first, a bridged second leg if that is refused.

The target only ever comes from configuration (a queue's `sip:` in `index.yaml`, else
SIP_TRANSFER_URI): nothing a caller sends chooses where a call goes, so the edge is no relay.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .g711 import ENCODE, PAYLOAD_TYPES, SDP_NAMES, payload_type

log = logging.getLogger(__name__)

HANDOFF_HEADER = "X-Voicebot-Handoff"
"""Carries the hand-off id; the agent's software reads the context at `/api/handoffs/<id>`."""
TARGET = re.compile(r"sips?:(?P<user>[^@]+)@(?P<host>[A-Za-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?")


@dataclass(frozen=True)
class Transfer:
    """Where a call goes and the hand-off it carries."""

    target: str
    """A plain `sip:user@host[:port]`."""
    handoff: str | None

    def refer_to(self) -> str:
        """Refer-To, with the hand-off id as an embedded header (RFC 3261 §19.1.5).

        The caller's side copies it into the INVITE it sends the contact centre, which is the
        request the contact-centre platform sees.
        """
        if not self.handoff:
            return f"<{self.target}>"
        return f"<{self.target}?{HANDOFF_HEADER}={quote(self.handoff, safe='')}>"

    def headers(self) -> dict[str, str]:
        """The hand-off header, for the REFER itself and for a bridged second leg."""
        return {HANDOFF_HEADER: self.handoff} if self.handoff else {}

    def address(self) -> tuple[str, int]:
        """The host and port the target names (5060 when it names none)."""
        found = TARGET.fullmatch(self.target)
        if found is None:
            raise ValueError("not a plain sip:user@host[:port] target")
        return found["host"], int(found["port"] or 5060)


def choose(step: dict[str, Any], template: str | None, default_queue: str) -> Transfer | None:
    """The transfer the bot's next step asks for, or None for a hang-up.

    The queue's own `sip:` wins; SIP_TRANSFER_URI (`sip:{queue}@…`) covers queues without one.
    """
    if step.get("action") != "transfer":
        return None
    queue = str(step.get("queue") or default_queue)
    target = step.get("sip") or (template.format(queue=queue) if template else None)
    if not target or not TARGET.fullmatch(target):
        log.error("no SIP address for queue %s: set sip: in index.yaml or SIP_TRANSFER_URI", queue)
        return None
    return Transfer(target, step.get("handoff"))


class Bridge:
    """A second call leg to the contact centre, its audio relayed to and from the caller's.

    Used when the caller's side refuses REFER: the edge stays in the middle (a B2BUA) so the
    caller still reaches a person. aiortp hands over PCM and takes G.711, so each direction is
    re-encoded in the codec the other leg chose.
    """

    def __init__(self, caller_rtp: Any, caller_law: str, host: str, advertised: str) -> None:
        self.caller_rtp = caller_rtp
        self.caller_law = caller_law
        self.host = host
        self.advertised = advertised
        self.leg: Any = None
        self.offer: Any = None
        """Our SDP for the second leg (also our answer to the agent's side re-INVITEs)."""
        self.agent_rtp: Any = None
        self.frames = {"to_agent": 0, "to_caller": 0}
        self.ended = asyncio.Event()

    async def dial(
        self, uac: Any, transfer: Transfer, caller: str, port: int, timeout: float = 30
    ) -> bool:
        """INVITE the target with our offer; True once it has answered and audio flows."""
        from aiosipua import CallSession, DialogState
        from aiosipua.sdp_negotiate import build_sdp

        self.offer = offer = build_sdp(
            self.host,
            port,
            payload_type(self.caller_law),
            SDP_NAMES[self.caller_law],
            advertised_ip=self.advertised,
        )
        host, sip_port = transfer.address()
        resolved = await asyncio.get_running_loop().getaddrinfo(host, sip_port)
        address = resolved[0][4][:2]
        self.leg = uac.send_invite(
            f"sip:{caller or 'voicebot'}@{self.advertised}",
            transfer.target,
            address,
            offer,
            extra_headers=transfer.headers(),
            user_agent="voicebot-sip",
        )
        try:
            await self.leg.wait_answered(timeout=timeout)
        except (TimeoutError, RuntimeError) as exc:
            log.error("second leg to the contact centre failed: %s", exc)
            if self.leg.dialog.state is DialogState.EARLY:
                self.leg.cancel(uac)
            return False
        if self.leg.sdp_answer is None:
            log.error("second leg answered without SDP")
            self.leg.hangup(uac)
            return False
        self.agent_rtp = CallSession(
            self.host,
            port,
            self.leg.sdp_answer,  # their answer, read as the description of their side
            advertised_ip=self.advertised,
            supported_codecs=list(PAYLOAD_TYPES),
            symmetric_rtp=True,
        )
        await self.agent_rtp.start()
        agent_law = PAYLOAD_TYPES[self.agent_rtp.chosen_payload_type]
        self.agent_rtp.on_audio = self._relay(self.caller_rtp, self.caller_law, "to_caller")
        self.caller_rtp.on_audio = self._relay(self.agent_rtp, agent_law, "to_agent")
        self.caller_rtp.on_dtmf = lambda digit, _duration: self.agent_rtp.send_dtmf(digit)
        return True

    def _relay(self, to: Any, law: str, direction: str) -> Callable[[bytes, int], None]:
        encode = ENCODE[law]
        timestamp = 0

        def send(pcm: bytes, _timestamp: int) -> None:
            nonlocal timestamp
            if self.ended.is_set():
                return
            payload = encode(pcm)
            to.send_audio(payload, timestamp)
            timestamp += len(payload)
            self.frames[direction] += 1

        return send

    async def close(self, uac: Any, *, bye: bool) -> None:
        """End the second leg (BYE when the caller left first) and its media."""
        self.ended.set()
        if bye and self.leg is not None:
            self.leg.hangup(uac)
        if self.agent_rtp is not None:
            await self.agent_rtp.close()
            self.agent_rtp = None
