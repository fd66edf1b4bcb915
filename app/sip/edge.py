"""`voicebot sip`: calls straight from a SIP trunk, with no Twilio and no Asterisk of the town hall.

A separate asyncio process. Each accepted INVITE gets an RTP session (PCMA, then PCMU, plus
RFC 4733 telephone-event) and becomes a chan_websocket session to the bot (`/asterisk/media` on
BOT_URL): the edge does for the bot what Asterisk's channel driver does — G.711 frames in, our
prompts framed and paced at 20 ms out, `MEDIA_BUFFERING_COMPLETED` once a prompt's last packet
has left, keys as `DTMF_END`. When the bot hangs up its side, the edge asks what follows and
transfers by REFER to the queue's configured SIP address (bridging a second leg when REFER is
refused), or says BYE.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import ipaddress
import logging
import random
import socket
from collections import deque
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import quote

from ..config import Settings
from ..dialogue.intents import load_intents
from ..protocols import chan_websocket
from ..protocols.chan_websocket import FlushMedia, HangUpChannel, StopBuffering
from .digest import DigestGuard, Verdict, users_of
from .g711 import ENCODE, PAYLOAD_TYPES
from .tcp_limits import ConnectionLimit
from .transfer import TARGET, Bridge, Transfer, choose

log = logging.getLogger(__name__)

FRAME = 160
"""Bytes of G.711 in one 20 ms RTP packet."""
SILENCE = {"alaw": b"\xd5" * FRAME, "ulaw": b"\xff" * FRAME}
MAX_QUEUED_FRAMES = 3000
"""A minute of prompt audio queued for one call; more is not ours to play."""
MAX_SIP_MESSAGE = 16 * 1024
"""Bytes in one SIP message; an INVITE with SDP is 1–2 KB. Larger ones are dropped unread."""
SESSION_EXPIRES = 1800
"""RFC 4028 session interval offered: a call whose far end vanished is ended within it."""
REFER_WAIT = 8.0
"""Seconds for the caller's side to answer our REFER before we bridge the call ourselves."""
TRANSFER_WAIT = 32.0
"""Seconds for the final NOTIFY of a transfer; silence after a 202 is taken as success."""


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


class Pacing:
    """How late our RTP packets leave against their 20 ms schedule, over every call.

    A histogram in 0.5 ms bins (the last one holds everything from 100 ms): cheap enough to
    keep always, and what `voicebot bench sip` reads as send jitter.
    """

    BIN = 0.0005
    BINS = 200

    def __init__(self) -> None:
        self.counts = [0] * (self.BINS + 1)
        self.setup: deque[float] = deque(maxlen=10_000)
        """Seconds from an INVITE to our 200 OK (the bot reached, RTP bound)."""

    def record(self, late: float) -> None:
        """One packet sent `late` seconds after it was due."""
        self.counts[min(self.BINS, max(0, int(late / self.BIN)))] += 1

    @property
    def packets(self) -> int:
        """Packets sent so far."""
        return sum(self.counts)

    def percentile(self, p: float) -> float:
        """Lateness in ms at or below which p % of the packets left."""
        total, seen = self.packets, 0
        for i, count in enumerate(self.counts):
            seen += count
            if total and seen >= total * p / 100:
                return (i + 1) * self.BIN * 1000
        return 0.0

    def later_than(self, ms: float) -> int:
        """Packets that left more than `ms` late."""
        return sum(self.counts[int(ms / 1000 / self.BIN) :])


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


class SipEdge:
    """The SIP listener and its calls."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        host, _, port = settings.sip_listen.rpartition(":")
        self.host, self.port = host or "0.0.0.0", int(port)
        self.networks = networks_of(settings.sip_trusted)
        self.rtp_ports = rtp_ports_of(settings.sip_rtp_ports)
        if settings.sip_register and not TARGET.fullmatch(settings.sip_register):
            raise ValueError("SIP_REGISTER must look like sip:user@trunk.host[:port]")
        self.bot = settings.sip_bot_url.rstrip("/")
        self.default_queue = load_intents(settings.intents_dir).default_queue
        self.uas: Any = None
        self.uacs: dict[int, Any] = {}
        self.calls: dict[str, SipCall] = {}
        self.legs: dict[str, SipCall] = {}
        """Second legs (bridged transfers) by their Call-ID → the caller's call."""
        self.limit = InviteLimit(settings.sip_invites_per_minute)
        self.messages = MessageLimit(settings.sip_messages_per_second)
        self.pacing = Pacing()
        users = users_of(settings.sip_users)
        self.digest = DigestGuard(users) if users else None
        self.registration: Any = None
        self.keeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listen on UDP and TCP."""
        from aiosipua import SipUAC, SipUAS

        connections = ConnectionLimit(
            lambda address: trusted(address, self.networks),
            self.settings.sip_tcp_per_address,
            self.settings.sip_tcp_idle_seconds,
        )
        udp, tcp = transports((self.host, self.port), self.messages, connections)
        # In-dialog requests (REFER, BYE) leave by the transport the call came in on.
        self.uacs = {id(udp): SipUAC(udp), id(tcp): SipUAC(tcp)}
        common = {"user_agent": "voicebot-sip", "session_expires": SESSION_EXPIRES}
        self.uas = SipUAS(udp, uac=self.uacs[id(udp)], **common)
        self.tcp = SipUAS(tcp, uac=self.uacs[id(tcp)], **common)
        for uas in (self.uas, self.tcp):
            uas.on_invite = self._on_invite
            uas.on_bye = self._on_bye
            uas.on_cancel = self._on_cancel
            uas.on_reinvite = self._on_reinvite
            uas.on_transfer_progress = self._on_transfer_progress
            uas.on_session_expired = self._on_session_expired
            await uas.start()
            uas.transport.on_message = self._messages(uas)
        if self.settings.sip_register:
            await self._register()
        log.warning("sip edge listening on %s:%d (udp, tcp)", self.host, self.port)

    async def _register(self) -> None:
        """REGISTER with the trunk (SIP_REGISTER), answering its digest challenge, and refresh."""
        from aiosipua import Registration, SipDigestAuth

        aor = str(self.settings.sip_register)
        found = TARGET.fullmatch(aor)
        assert found is not None  # checked in __init__
        host, port = found["host"], int(found["port"] or 5060)
        address = (await asyncio.get_running_loop().getaddrinfo(host, port))[0][4][:2]
        password = self.settings.sip_register_password or ""
        public = self.settings.sip_public_ip
        self.registration = Registration(
            self.uas.uac,
            aor,
            address,
            auth=SipDigestAuth(found["user"], password),
            contact_uri=f"sip:{found['user']}@{public}:{self.port}" if public else None,
            user_agent="voicebot-sip",
        )
        self.registration.on_registered = lambda r: log.warning(
            "registered with the trunk for %d s", r.granted_expires
        )
        self.registration.on_failed = lambda _r, status, reason: log.error(
            "registration with the trunk refused: %d %s", status, reason
        )
        self.keeper = asyncio.get_running_loop().create_task(self._keep_registered())

    async def _keep_registered(self) -> None:
        """Register, and again whenever the binding is lost or never came.

        aiosipua refreshes a granted binding but does not resend a REGISTER that got no answer
        (a trunk down when we start), nor retry after a refusal: this does, backing off to a
        minute.
        """
        from aiosipua import RegistrationState

        pause = 5.0
        while True:
            if self.registration.state is not RegistrationState.REGISTERED:
                if self.registration.state is not RegistrationState.REGISTERING or pause > 5:
                    self.registration.register()
                pause = min(60.0, pause * 2)
            else:
                pause = 5.0
            await asyncio.sleep(pause)

    async def stop(self) -> None:
        """Hang up every call, remove our registration, then close the transports."""
        for call in list(self.calls.values()):
            call.caller_gone(bye=True)
            await call.close(bye=True)
        if self.keeper is not None:
            self.keeper.cancel()
            self.registration.unregister()
        await self.uas.stop()
        await self.tcp.stop()

    def _on_invite(self, incoming: Any) -> None:
        source = incoming.source_addr[0]
        now = asyncio.get_running_loop().time()
        if not self.limit.allows(source, now):
            log.warning("INVITE refused: too many from one address")
            incoming.reject(503, "Service Unavailable")
            return
        if not trusted(source, self.networks) and not self._authenticated(incoming):
            return
        if len(self.calls) >= self.settings.sip_max_calls:
            incoming.reject(486, "Busy Here")
            return
        if incoming.sdp_offer is None:
            incoming.reject(488, "Not Acceptable Here")
            return
        call = SipCall(self, incoming, now)
        self.calls[incoming.call_id] = call
        asyncio.get_running_loop().create_task(call.run())

    def _authenticated(self, incoming: Any) -> bool:
        """From outside SIP_TRUSTED only with SIP_USERS' credentials: 401 asks, 403 refuses."""
        import time

        if self.digest is None:
            verdict = Verdict.REFUSE
        else:
            verdict = self.digest.check(
                incoming.invite.get_header("authorization"), "INVITE", time.time()
            )
        if verdict is Verdict.ACCEPT:
            return True
        if verdict is Verdict.REFUSE:
            log.warning("INVITE refused from an untrusted address")
            incoming.reject(403, "Forbidden")
            return False
        assert self.digest is not None
        challenge = self.digest.challenge(time.time(), stale=verdict is Verdict.STALE)
        # IncomingCall.reject() takes no headers; this is what it does, plus ours.
        incoming._send_response(401, "Unauthorized", extra_headers={"WWW-Authenticate": challenge})
        incoming.dialog.terminate()
        return False

    def _on_bye(self, incoming: Any, _request: Any) -> None:
        call = self.calls.get(incoming.call_id)
        if call is not None:
            call.caller_gone()
        leg = self.legs.get(incoming.call_id)
        if leg is not None:  # the agent hung up a bridged call: so does the caller
            leg.agent_gone()

    def _on_cancel(self, request: Any, _addr: Any) -> None:
        call = self.calls.get(request.call_id or "")
        if call is not None:
            call.caller_gone()

    def _on_session_expired(self, incoming: Any) -> None:
        call = self.calls.get(incoming.call_id)
        if call is not None:
            log.warning("sip session expired, no refresh call_id=%s", call.uniqueid)
            call.caller_gone(bye=True)

    def _on_reinvite(self, incoming: Any) -> None:
        call = self.calls.get(incoming.call_id)
        if call is not None:
            call.renegotiate()
            return
        leg = self.legs.get(incoming.call_id)
        if leg is not None and leg.bridge is not None:  # the agent's side: media stays as it is
            incoming.accept(leg.bridge.offer)
            return
        incoming.reject(481, "Call/Transaction Does Not Exist")

    def _on_transfer_progress(self, call_id: str, status: int, _reason: str) -> None:
        call = self.calls.get(call_id)
        if call is not None and status >= 200:
            _settle(call.transferred, status)

    def _messages(self, uas: Any) -> Any:
        """What the transport hands to aiosipua, with two things it does not do.

        Responses to our REFER (not a dialog it tracks) go to their call, and a request its
        parser chokes on (an INVITE with garbage SDP) gets 400 instead of no answer at all.
        """
        from aiosipua import SipRequest, SipResponse

        inner = uas.transport.on_message

        def on_message(message: Any, addr: tuple[str, int]) -> None:
            cseq = getattr(message, "cseq", None)
            if isinstance(message, SipResponse) and cseq and cseq.method.upper() == "REFER":
                call = self.calls.get(message.call_id or "")
                if call is not None and message.status_code >= 200:
                    _settle(call.referred, message.status_code)
                return
            try:
                inner(message, addr)
            except Exception:  # noqa: BLE001 - one bad request, never the edge
                log.warning("malformed SIP request refused")
                if isinstance(message, SipRequest) and message.method.upper() != "ACK":
                    uas._send_error(message, 400, "Bad Request")

        return on_message


def transports(
    local_addr: tuple[str, int], limit: MessageLimit, connections: ConnectionLimit
) -> tuple[Any, Any]:
    """The UDP and TCP transports of aiosipua, our size and rate limits in front of its parser.

    The UDP one also skips an isinstance assert that CPython 3.11's transports fail; the TCP one
    admits connections by `connections` and closes untrusted ones that fall silent.
    """
    from aiosipua import transport as sip_transport

    # aiosipua reads these per TCP message; ours are tighter than its 64 KB and 1 MB.
    sip_transport.MAX_HEADER_BYTES = MAX_SIP_MESSAGE
    sip_transport.MAX_BODY_BYTES = MAX_SIP_MESSAGE

    class Guarded:
        def _dispatch(self, data: bytes, addr: tuple[str, int]) -> None:
            if len(data) > MAX_SIP_MESSAGE:
                log.warning("oversized SIP message dropped (%d bytes)", len(data))
                return
            if not limit.allows(addr[0], asyncio.get_running_loop().time()):
                return  # a flood: dropped quietly, a retransmission will come if it mattered
            super()._dispatch(data, addr)  # type: ignore[misc]

    class Protocol(asyncio.DatagramProtocol):
        def __init__(self, owner: Any) -> None:
            self.owner = owner

        def datagram_received(self, data: bytes, addr: Any) -> None:
            self.owner._dispatch(data, (str(addr[0]), int(addr[1])))

    class Udp(Guarded, sip_transport.UdpSipTransport):  # type: ignore[misc]
        async def start(self) -> None:
            loop = asyncio.get_running_loop()
            self._udp_transport, _ = await loop.create_datagram_endpoint(
                lambda: Protocol(self), local_addr=self.local_addr
            )

    class Tcp(Guarded, sip_transport.TcpSipTransport):  # type: ignore[misc]
        heard: dict[tuple[str, int], float] = {}  # a class per transports() call: per edge

        async def _handle_connection(self, reader: Any, writer: Any) -> None:
            peer = writer.get_extra_info("peername")
            addr = (str(peer[0]), int(peer[1])) if peer else ("0.0.0.0", 0)
            if not connections.admit(addr[0]):
                writer.close()
                return
            watchdog = None
            if not connections.trusted(addr[0]):
                self.heard[addr] = asyncio.get_running_loop().time()
                watchdog = asyncio.create_task(self._close_when_silent(addr, writer))
            try:
                await super()._handle_connection(reader, writer)
            finally:
                if watchdog is not None:
                    watchdog.cancel()
                self.heard.pop(addr, None)
                connections.release(addr[0])

        async def _close_when_silent(self, addr: tuple[str, int], writer: Any) -> None:
            loop = asyncio.get_running_loop()
            while True:
                silent = loop.time() - self.heard.get(addr, loop.time())
                if silent >= connections.idle_seconds:
                    log.info("idle untrusted SIP TCP connection closed")
                    writer.close()  # its reader sees EOF; the transport's loop ends
                    return
                await asyncio.sleep(connections.idle_seconds - silent)

        def _dispatch(self, data: bytes, addr: tuple[str, int]) -> None:
            if addr in self.heard:
                self.heard[addr] = asyncio.get_running_loop().time()
            super()._dispatch(data, addr)

    return Udp(local_addr=local_addr), Tcp(local_addr=local_addr)


def call_uniqueid(call_id: str, remote_tag: str) -> str:
    """Our id for a SIP dialog: readable, and a different id for every different dialog.

    A hash of the whole Call-ID and the far end's tag follows a readable prefix, so two
    Call-IDs that differ only in punctuation ("x-coll1@h", "xcoll1@h") never share a KPI record.
    """
    readable = "".join(c for c in call_id if c.isalnum())[:16]
    digest = hashlib.sha256(f"{call_id}\0{remote_tag}".encode()).hexdigest()[:32]
    return f"sip-{readable}-{digest}"


class SipCall:
    """One call: its RTP session, its socket to the bot, and the pacing between them."""

    def __init__(self, edge: SipEdge, incoming: Any, invited: float = 0.0) -> None:
        self.edge = edge
        self.incoming = incoming
        self.invited = invited
        self.uniqueid = call_uniqueid(incoming.call_id, incoming.dialog.remote_tag)
        self.rtp: Any = None
        self.rtp_port = 0
        self.ws: Any = None
        self.out: Outgoing | None = None
        self.closed = asyncio.Event()
        """The media part is over (either side)."""
        self.ended = asyncio.Event()
        """The caller's side ended the dialog (BYE, CANCEL), or we must end it."""
        self.bye_due = False
        self.bot_hung_up = False
        self.held = False
        """The caller put us on hold (re-INVITE sendonly/inactive): prompts wait."""
        self.to_bot: asyncio.Queue[str | bytes] = asyncio.Queue()
        """Caller audio, keys and marks for the bot, sent in order by one task."""
        self.referred: asyncio.Future[int] | None = None
        """The final response to our REFER."""
        self.transferred: asyncio.Future[int] | None = None
        """The final status the caller's side reports (NOTIFY) for the transfer."""
        self.bridge: Bridge | None = None

    @cached_property
    def number(self) -> str:
        """The caller's number from P-Asserted-Identity, else From: digits and + only."""
        asserted = self.incoming.invite.get_header("p-asserted-identity") or ""
        source = asserted or self.incoming.caller
        return "".join(c for c in source.split("@")[0].split(":")[-1] if c in "+0123456789")

    async def run(self) -> None:
        """Answer, bridge until either side ends, then transfer or hang up."""
        from aiosipua import CallSession

        try:
            self.rtp_port = free_rtp_port(self.edge.host, self.edge.rtp_ports)
            self.rtp = CallSession(
                self.edge.host,  # where RTP is bound
                self.rtp_port,
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
        try:
            if self.ended.is_set():  # CANCEL arrived while the bot was being reached
                return
            await self.rtp.start()
            self.rtp.on_audio = self._caller_audio
            self.rtp.on_dtmf = self._caller_key
            self.incoming.accept(self.rtp.sdp_answer)
            self.edge.pacing.setup.append(asyncio.get_running_loop().time() - self.invited)
            log.info("sip call answered call_id=%s codec=%s", self.uniqueid, law)
            await asyncio.gather(self._from_bot(), self._pace(), self._send_to_bot())
            if self.bot_hung_up and not self.ended.is_set():
                await self._what_next()
        finally:
            await self.close(bye=self.bye_due or not self.ended.is_set())

    def caller_gone(self, bye: bool = False) -> None:
        """The caller's side ended the call (BYE, CANCEL), or it went quiet (`bye`: we end it)."""
        self.bye_due = bye
        self.ended.set()
        self.closed.set()
        if self.ws is not None:  # wakes the reader
            asyncio.get_running_loop().create_task(self.ws.close())

    def agent_gone(self) -> None:
        """The contact centre hung up a bridged call."""
        if self.bridge is not None:
            self.bridge.ended.set()

    def renegotiate(self) -> None:
        """A re-INVITE: answer its offer on the same port and codec; hold pauses our prompts."""
        from aiosipua.sdp_negotiate import negotiate_sdp

        offer = self.incoming.sdp_offer
        if self.rtp is None or offer is None:
            self.incoming.accept(self.rtp.sdp_answer if self.rtp is not None else None)
            return
        try:
            answer, _ = negotiate_sdp(
                offer=offer,
                local_ip=self._media_address(),
                rtp_port=self.rtp_port,
                supported_codecs=[self.rtp.chosen_payload_type],
            )
        except Exception:  # noqa: BLE001 - a new offer without our codec: keep the old session
            self.incoming.reject(488, "Not Acceptable Here")
            return
        audio = offer.audio
        address = offer.rtp_address
        self.held = audio is not None and (
            audio.direction in ("sendonly", "inactive") or (address and address[0] == "0.0.0.0")
        )
        if address and address[0] != "0.0.0.0" and not self.held:
            self.rtp.update_remote(address)
        self.incoming.accept(answer)
        log.info("sip call re-invited call_id=%s held=%s", self.uniqueid, self.held)

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

        url = self.edge.bot.replace("http", "ws", 1) + "/asterisk/media?via=sip"
        url += f"&call={self.uniqueid}"
        if self.number:
            url += "&caller=" + quote(self.number)
        self.ws = await websockets.connect(
            url,
            additional_headers={"Authorization": _basic(self.edge.settings.asterisk_password)},
            subprotocols=["media"],  # type: ignore[list-item]
            max_size=chan_websocket.MAX_MEDIA_MESSAGE * 2,
        )
        await self.ws.send(chan_websocket.media_start(self.uniqueid, law))

    def _caller_audio(self, pcm: bytes, _timestamp: int) -> None:
        # aiortp hands over PCM (lost packets concealed); the bot takes the call's G.711.
        if self.out is not None and not self.closed.is_set():
            self.to_bot.put_nowait(ENCODE[self.out.law](pcm))

    def _caller_key(self, digit: str, _duration: int) -> None:
        if digit in chan_websocket.DIGITS and not self.closed.is_set():
            self.to_bot.put_nowait(chan_websocket.dtmf_end(digit))

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
                match chan_websocket.parse_command(message):
                    case StopBuffering(mark=mark):
                        self.out.end_prompt(mark)
                    case FlushMedia():
                        self.out.flush()
                    case HangUpChannel():
                        self.bot_hung_up = True
                        break
        except Exception:  # noqa: BLE001 - however the socket ends, this side is done
            pass
        finally:
            self.closed.set()

    async def _pace(self) -> None:
        """One RTP packet every 20 ms on a monotonic clock; marks go back as packets leave.

        On hold nothing is sent and the prompts wait where they are.
        """
        assert self.out is not None
        loop = asyncio.get_running_loop()
        timestamp, due = 0, loop.time()
        while not self.closed.is_set():
            if not self.held:
                frame, marks = self.out.next_frame()
                self.edge.pacing.record(loop.time() - due)
                self.rtp.send_audio(frame, timestamp)
                for mark in marks:
                    self.to_bot.put_nowait(chan_websocket.buffering_completed(mark))
            timestamp += FRAME
            due += 0.02
            await asyncio.sleep(max(0.0, due - loop.time()))

    async def _ask_bot(self) -> dict[str, Any]:
        """The bot's next step, as a dialplan would ask; a person when the bot cannot say."""
        import json
        import urllib.request

        url = f"{self.edge.bot}/asterisk/calls/{self.uniqueid}/next"
        request = urllib.request.Request(url, data=b"x=1", method="POST")
        request.add_header("Authorization", _basic(self.edge.settings.asterisk_password))
        request.add_header("Accept", "application/json")
        try:
            answer = await asyncio.to_thread(
                lambda: urllib.request.urlopen(request, timeout=5).read()
            )
            return dict(json.loads(answer))
        except Exception:  # noqa: BLE001 - a person rather than silence
            log.exception("no next step from the bot, transferring call_id=%s", self.uniqueid)
            return {"action": "transfer", "queue": self.edge.default_queue}

    async def _what_next(self) -> None:
        """Carry out the bot's next step: REFER to the queue, else bridge to it, or BYE."""
        transfer = choose(
            await self._ask_bot(), self.edge.settings.sip_transfer_uri, self.edge.default_queue
        )
        if transfer is None or self.ended.is_set():
            return
        if not await self._refer(transfer):
            await self._bridge(transfer)

    def _uac(self) -> Any:
        """The UAC on the transport the call came in by (in-dialog requests go back that way)."""
        return self.edge.uacs.get(id(self.incoming.transport), self.edge.uas.uac)

    async def _refer(self, transfer: Transfer) -> bool:
        """Ask the caller's side to call the queue itself; False when it will not or could not."""
        loop = asyncio.get_running_loop()
        self.referred, self.transferred = loop.create_future(), loop.create_future()
        headers = {"Refer-To": transfer.refer_to(), **transfer.headers()}
        # aiosipua's send_refer takes no extra headers; this is the call it makes.
        self._uac()._send_in_dialog(
            self.incoming.dialog, "REFER", self.incoming.source_addr, extra_headers=headers
        )
        log.info("sip call referred call_id=%s", self.uniqueid)
        status = await self._until(self.referred, REFER_WAIT)
        if self.ended.is_set():
            return True
        if status is None or status >= 300:
            log.warning("REFER refused (%s), bridging call_id=%s", status, self.uniqueid)
            return False
        final = await self._until(self.transferred, TRANSFER_WAIT)
        if final is not None and final >= 300 and not self.ended.is_set():
            log.warning("transfer failed (%s), bridging call_id=%s", final, self.uniqueid)
            return False
        return True

    async def _bridge(self, transfer: Transfer) -> None:
        """Call the queue ourselves and relay audio between the two legs until one hangs up."""
        assert self.out is not None
        uac = self.edge.uas.uac
        self.bridge = Bridge(self.rtp, self.out.law, self.edge.host, self._media_address())
        port = free_rtp_port(self.edge.host, self.edge.rtp_ports)
        if not await self.bridge.dial(uac, transfer, self.number, port):
            log.error("transfer impossible, the call ends call_id=%s", self.uniqueid)
            return
        leg = self.bridge.leg.call_id
        self.edge.legs[leg] = self
        log.info("sip call bridged call_id=%s", self.uniqueid)
        ended = asyncio.ensure_future(self.ended.wait())
        agent = asyncio.ensure_future(self.bridge.ended.wait())
        await asyncio.wait({ended, agent}, return_when=asyncio.FIRST_COMPLETED)
        ended.cancel()
        agent.cancel()
        self.edge.legs.pop(leg, None)
        await self.bridge.close(uac, bye=self.ended.is_set())
        log.warning(
            "sip bridge ended call_id=%s frames_to_agent=%d frames_to_caller=%d",
            self.uniqueid,
            self.bridge.frames["to_agent"],
            self.bridge.frames["to_caller"],
        )

    async def _until(self, future: asyncio.Future[int], timeout: float) -> int | None:
        """The future's result, or None on timeout or once the caller has gone."""
        ended = asyncio.ensure_future(self.ended.wait())
        await asyncio.wait({future, ended}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        ended.cancel()
        return future.result() if future.done() else None

    async def close(self, bye: bool) -> None:
        """End the call's media and its socket to the bot (and say BYE if asked)."""
        if self.edge.calls.get(self.incoming.call_id) is not self:
            return
        self.edge.calls.pop(self.incoming.call_id, None)
        self.closed.set()
        if bye:
            self.incoming.hangup()
        if self.ws is not None:
            await self.ws.close()
        if self.rtp is not None:
            await self.rtp.close()
        if self.out is not None:
            seconds = self.out.played * FRAME / 8000
            log.warning("sip call ended call_id=%s bot_audio_seconds=%.1f", self.uniqueid, seconds)


def _settle(waiting: asyncio.Future[int] | None, status: int) -> None:
    """A final status for a REFER or a transfer the call waits on (once; none if not asked)."""
    if waiting is not None and not waiting.done():
        waiting.set_result(status)


def _basic(password: str | None) -> str:
    return "Basic " + base64.b64encode(f"voicebot:{password or ''}".encode()).decode()
