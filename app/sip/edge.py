"""`voicebot sip`: calls straight from a SIP trunk, with no Twilio and no Asterisk of the town hall.

A separate asyncio process. Each accepted INVITE gets an RTP session (PCMA, then PCMU, plus
RFC 4733 telephone-event) and becomes a chan_websocket session to the bot (`/asterisk/media` on
BOT_URL): the edge does for the bot what Asterisk's channel driver does — G.711 frames in, our
prompts framed and paced at 20 ms out, `MEDIA_BUFFERING_COMPLETED` once a prompt's last packet
has left, keys as `DTMF_END`. When the bot hangs up its side, the edge asks what follows and
transfers by REFER to the queue's configured SIP address, or says BYE.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import logging
import socket
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ..config import Settings
from ..dialogue.intents import load_intents
from ..speech.codecs import pcm16_to_alaw, pcm16_to_ulaw
from ..telephony import asterisk_media

log = logging.getLogger(__name__)

FRAME = 160
"""Bytes of G.711 in one 20 ms RTP packet."""
PAYLOAD_TYPES = {8: "alaw", 0: "ulaw"}
"""PCMA first: European trunks; PCMU where the far end only offers that."""
SILENCE = {"alaw": b"\xd5" * FRAME, "ulaw": b"\xff" * FRAME}
MAX_QUEUED_FRAMES = 3000
"""A minute of prompt audio queued for one call; more is not ours to play."""


@dataclass
class Outgoing:
    """The bot's audio for one call, framed, with the marks to report once played."""

    law: str
    frames: deque[bytes | str] = field(default_factory=deque)
    """160-byte frames, and mark names where a prompt ends."""
    partial: bytes = b""
    played: int = 0
    """Frames of the bot's audio sent so far (silence between prompts not counted)."""

    def add(self, audio: bytes) -> None:
        """Audio from the bot, any length: whole frames queue now, the rest waits."""
        data = self.partial + audio
        whole = len(data) - len(data) % FRAME
        for i in range(0, whole, FRAME):
            if len(self.frames) < MAX_QUEUED_FRAMES:
                self.frames.append(data[i : i + FRAME])
        self.partial = data[whole:]

    def end_prompt(self, mark: str) -> None:
        """STOP_MEDIA_BUFFERING: pad the last frame with silence, then the mark."""
        if self.partial:
            self.frames.append(self.partial + SILENCE[self.law][len(self.partial) :])
            self.partial = b""
        self.frames.append(mark)

    def flush(self) -> None:
        """FLUSH_MEDIA: drop everything queued (the caller talks over a prompt)."""
        self.frames.clear()
        self.partial = b""

    def next_frame(self) -> tuple[bytes, list[str]]:
        """The next 20 ms to send, and the marks whose prompts have now fully left."""
        marks = []
        while self.frames and isinstance(self.frames[0], str):
            marks.append(self.frames.popleft())  # type: ignore[arg-type]
        frame = self.frames.popleft() if self.frames else None
        if frame is None:
            frame = SILENCE[self.law]
        else:
            self.played += 1
        while self.frames and isinstance(self.frames[0], str):
            marks.append(self.frames.popleft())  # type: ignore[arg-type]
        return frame, marks  # type: ignore[return-value]


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


def free_udp_port(host: str) -> int:
    """An even port the kernel says is free now (RTP takes even ports)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
        if port % 2 == 0:
            return port


class SipEdge:
    """The SIP listener and its calls."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        host, _, port = settings.sip_listen.rpartition(":")
        self.host, self.port = host or "0.0.0.0", int(port)
        self.networks = networks_of(settings.sip_trusted)
        self.bot = settings.sip_bot_url.rstrip("/")
        self.default_queue = load_intents(settings.intents_dir).default_queue
        self.uas: Any = None
        self.uacs: dict[int, Any] = {}
        self.calls: dict[str, SipCall] = {}
        self.limit = InviteLimit(settings.sip_invites_per_minute)

    async def start(self) -> None:
        """Listen on UDP and TCP."""
        from aiosipua import SipUAC, SipUAS
        from aiosipua.transport import TcpSipTransport

        udp = udp_transport((self.host, self.port))
        tcp = TcpSipTransport(local_addr=(self.host, self.port))
        # In-dialog requests (REFER, BYE) leave by the transport the call came in on.
        self.uacs = {id(udp): SipUAC(udp), id(tcp): SipUAC(tcp)}
        self.uas = SipUAS(udp, uac=self.uacs[id(udp)], user_agent="voicebot-sip")
        self.tcp = SipUAS(tcp, uac=self.uacs[id(tcp)], user_agent="voicebot-sip")
        for uas in (self.uas, self.tcp):
            uas.on_invite = self._on_invite
            uas.on_bye = self._on_bye
            uas.on_cancel = self._on_cancel
            await uas.start()
        log.warning("sip edge listening on %s:%d (udp, tcp)", self.host, self.port)

    async def stop(self) -> None:
        """Hang up every call, then close the transports."""
        for call in list(self.calls.values()):
            await call.close(bye=True)
        await self.uas.stop()
        await self.tcp.stop()

    def _on_invite(self, incoming: Any) -> None:
        source = incoming.source_addr[0]
        if not trusted(source, self.networks):
            log.warning("INVITE refused from an untrusted address")
            incoming.reject(403, "Forbidden")
            return
        if not self.limit.allows(source, asyncio.get_running_loop().time()):
            log.warning("INVITE refused: too many from one address")
            incoming.reject(503, "Service Unavailable")
            return
        if len(self.calls) >= self.settings.sip_max_calls:
            incoming.reject(486, "Busy Here")
            return
        if incoming.sdp_offer is None:
            incoming.reject(488, "Not Acceptable Here")
            return
        call = SipCall(self, incoming)
        self.calls[incoming.call_id] = call
        asyncio.get_running_loop().create_task(call.run())

    def _on_bye(self, incoming: Any, _request: Any) -> None:
        call = self.calls.get(incoming.call_id)
        if call is not None:
            asyncio.get_running_loop().create_task(call.close(bye=False))

    def _on_cancel(self, request: Any, _addr: Any) -> None:
        call = self.calls.get(request.call_id or "")
        if call is not None:
            asyncio.get_running_loop().create_task(call.close(bye=False))


def udp_transport(local_addr: tuple[str, int]) -> Any:
    """The UDP transport of aiosipua, minus an isinstance assert CPython 3.11's transports fail."""
    from aiosipua.transport import UdpSipTransport

    class Protocol(asyncio.DatagramProtocol):
        def __init__(self, owner: Any) -> None:
            self.owner = owner

        def datagram_received(self, data: bytes, addr: Any) -> None:
            self.owner._dispatch(data, (str(addr[0]), int(addr[1])))

    class Transport(UdpSipTransport):  # type: ignore[misc]
        async def start(self) -> None:
            loop = asyncio.get_running_loop()
            self._udp_transport, _ = await loop.create_datagram_endpoint(
                lambda: Protocol(self), local_addr=self.local_addr
            )

    return Transport(local_addr=local_addr)


class SipCall:
    """One call: its RTP session, its socket to the bot, and the pacing between them."""

    def __init__(self, edge: SipEdge, incoming: Any) -> None:
        self.edge = edge
        self.incoming = incoming
        self.uniqueid = "sip-" + "".join(c for c in incoming.call_id if c.isalnum())[:48]
        self.rtp: Any = None
        self.ws: Any = None
        self.out: Outgoing | None = None
        self.closed = asyncio.Event()
        self.bot_hung_up = False
        self.to_bot: asyncio.Queue[str | bytes] = asyncio.Queue()
        """Caller audio, keys and marks for the bot, sent in order by one task."""

    async def run(self) -> None:
        """Answer, bridge until either side ends, then transfer or hang up."""
        from aiosipua import CallSession

        try:
            self.rtp = CallSession(
                self.edge.host,  # where RTP is bound
                free_udp_port(self.edge.host),
                self.incoming.sdp_offer,
                advertised_ip=self._media_address(),
                supported_codecs=list(PAYLOAD_TYPES),
                symmetric_rtp=True,
            )
        except Exception:  # noqa: BLE001 - no common codec, or a broken offer
            log.warning("INVITE with no usable audio offer refused")
            self.incoming.reject(488, "Not Acceptable Here")
            self.edge.calls.pop(self.incoming.call_id, None)
            return
        law = PAYLOAD_TYPES[self.rtp.chosen_payload_type]
        self.out = Outgoing(law)
        try:
            await self._connect_bot(law)
        except Exception:  # noqa: BLE001 - the bot is away: the caller hears a busy signal
            log.exception("bot unreachable, call refused")
            self.incoming.reject(503, "Service Unavailable")
            self.edge.calls.pop(self.incoming.call_id, None)
            return
        await self.rtp.start()
        self.rtp.on_audio = self._caller_audio
        self.rtp.on_dtmf = self._caller_key
        self.incoming.accept(self.rtp.sdp_answer)
        log.info("sip call answered call_id=%s codec=%s", self.uniqueid, law)
        await asyncio.gather(self._from_bot(), self._pace(), self._send_to_bot())
        if self.bot_hung_up:
            await self._what_next()
        await self.close(bye=False)

    def _media_address(self) -> str:
        """The address put in our SDP.

        SIP_PUBLIC_IP, else the listen address, else (listening on every interface) the one
        this host sends from toward the caller.
        """
        if self.edge.settings.sip_public_ip:
            return self.edge.settings.sip_public_ip
        if self.edge.host not in ("0.0.0.0", ""):
            return self.edge.host
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect((self.incoming.source_addr[0], 9))  # no packet is sent
            return str(probe.getsockname()[0])

    async def _connect_bot(self, law: str) -> None:
        import websockets

        caller = self.incoming.caller
        number = "".join(c for c in caller.split("@")[0].split(":")[-1] if c in "+0123456789")
        url = self.edge.bot.replace("http", "ws", 1) + "/asterisk/media?via=sip"
        url += f"&call={self.uniqueid}"
        if number:
            url += "&caller=" + quote(number)
        self.ws = await websockets.connect(
            url,
            additional_headers={"Authorization": _basic(self.edge.settings.asterisk_password)},
            subprotocols=["media"],  # type: ignore[list-item]
            max_size=asterisk_media.MAX_MEDIA_MESSAGE * 2,
        )
        start = f"MEDIA_START connection_id:{self.uniqueid} format:{law} optimal_frame_size:160"
        await self.ws.send(start)

    def _caller_audio(self, pcm: bytes, _timestamp: int) -> None:
        # aiortp hands over PCM (lost packets concealed); the bot takes the call's G.711.
        if self.out is not None and not self.closed.is_set():
            law = pcm16_to_alaw if self.out.law == "alaw" else pcm16_to_ulaw
            self.to_bot.put_nowait(law(pcm))

    def _caller_key(self, digit: str, _duration: int) -> None:
        if digit in asterisk_media.DIGITS:
            self.to_bot.put_nowait(f"DTMF_END digit:{digit}")

    async def _send_to_bot(self) -> None:
        """Everything for the bot, in the order it happened, until the call ends."""
        while not self.closed.is_set():
            try:
                message = await asyncio.wait_for(self.to_bot.get(), timeout=0.1)
                await self.ws.send(message)
            except TimeoutError:
                continue
            except Exception:  # noqa: BLE001 - the bot's side closed: the call is ending anyway
                self.closed.set()

    async def _from_bot(self) -> None:
        """Commands and prompt audio from the bot, until it hangs up or the call ends."""
        assert self.out is not None
        try:
            async for message in self.ws:
                if isinstance(message, bytes):
                    self.out.add(message)
                    continue
                name, _, arg = message.partition(" ")
                if name == "STOP_MEDIA_BUFFERING":
                    self.out.end_prompt(arg.strip())
                elif name == "FLUSH_MEDIA":
                    self.out.flush()
                elif name == "HANGUP":
                    self.bot_hung_up = True
                    break
        except Exception:  # noqa: BLE001 - however the socket ends, this side is done
            pass
        finally:
            self.closed.set()

    async def _pace(self) -> None:
        """One RTP packet every 20 ms on a monotonic clock; marks go back as packets leave."""
        assert self.out is not None
        loop = asyncio.get_running_loop()
        timestamp, due = 0, loop.time()
        while not self.closed.is_set():
            frame, marks = self.out.next_frame()
            self.rtp.send_audio(frame, timestamp)
            for mark in marks:
                self.to_bot.put_nowait(f"MEDIA_BUFFERING_COMPLETED {mark}")
            timestamp += FRAME
            due += 0.02
            await asyncio.sleep(max(0.0, due - loop.time()))

    async def _what_next(self) -> None:
        """Ask the bot (as a dialplan would) and carry it out: REFER to the queue, or BYE."""
        import urllib.request

        url = f"{self.edge.bot}/asterisk/calls/{self.uniqueid}/next"
        request = urllib.request.Request(url, data=b"x=1", method="POST")
        request.add_header("Authorization", _basic(self.edge.settings.asterisk_password))
        try:
            answer = await asyncio.to_thread(
                lambda: urllib.request.urlopen(request, timeout=5).read().decode()
            )
        except Exception:  # noqa: BLE001 - a person rather than silence
            answer = "transfer " + self.edge.default_queue
        words = answer.split()
        if words[:1] == ["transfer"] and len(words) > 1 and self.edge.settings.sip_transfer_uri:
            target = self.edge.settings.sip_transfer_uri.format(queue=words[1])
            log.info("sip call transferred call_id=%s", self.uniqueid)
            uac = self.edge.uacs.get(id(self.incoming.transport), self.edge.uas.uac)
            uac.send_refer(self.incoming.dialog, target, self.incoming.source_addr)
            await asyncio.sleep(2)  # the far end takes over with its own INVITE, then BYEs us
        self.incoming.hangup()

    async def close(self, bye: bool) -> None:
        """End the call's media and its socket to the bot (and say BYE if asked)."""
        if self.closed.is_set() and self.rtp is None:
            return
        self.closed.set()
        if bye:
            self.incoming.hangup()
        if self.ws is not None:
            await self.ws.close()
        if self.rtp is not None:
            await self.rtp.close()
            self.rtp = None
        if self.out is not None:
            seconds = self.out.played * FRAME / 8000
            log.warning("sip call ended call_id=%s bot_audio_seconds=%.1f", self.uniqueid, seconds)
        self.edge.calls.pop(self.incoming.call_id, None)


def _basic(password: str | None) -> str:
    return "Basic " + base64.b64encode(f"voicebot:{password or ''}".encode()).decode()
