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
import logging
from typing import Any

from ...config import Settings
from ...intents.catalogue import load_intents
from .admission import InviteLimit, MessageLimit, networks_of, trusted
from .aiosipua_compat import respond, send_error, transports
from .call import SipCall, settle
from .digest import DigestGuard, Verdict, users_of
from .playout import Pacing
from .rtp_ports import rtp_ports_of
from .tcp_limits import ConnectionLimit
from .transfer import TARGET

SESSION_EXPIRES = 1800
"""RFC 4028 session interval offered: a call whose far end vanished is ended within it."""

log = logging.getLogger(__name__)


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
        respond(incoming, 401, "Unauthorized", {"WWW-Authenticate": challenge})
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
            settle(call.transferred, status)

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
                    settle(call.referred, message.status_code)
                return
            try:
                inner(message, addr)
            except Exception:  # noqa: BLE001 - one bad request, never the edge
                log.warning("malformed SIP request refused")
                if isinstance(message, SipRequest) and message.method.upper() != "ACK":
                    send_error(uas, message, 400, "Bad Request")

        return on_message
