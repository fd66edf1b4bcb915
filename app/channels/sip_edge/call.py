"""One SIP call: RTP with the caller, a chan_websocket session with the bot, REFER or a bridge."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import socket
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ...protocols import chan_websocket
from ...protocols.chan_websocket import FlushMedia, HangUpChannel, StopBuffering
from .aiosipua_compat import send_in_dialog
from .g711 import ENCODE, PAYLOAD_TYPES
from .playout import FRAME, Outgoing
from .rtp_ports import free_rtp_port
from .transfer import Bridge, Transfer, choose

if TYPE_CHECKING:
    from .server import SipEdge

log = logging.getLogger(__name__)


REFER_WAIT = 8.0
"""Seconds for the caller's side to answer our REFER before we bridge the call ourselves."""
TRANSFER_WAIT = 32.0
"""Seconds for the final NOTIFY of a transfer; silence after a 202 is taken as success."""


def call_uniqueid(call_id: str, remote_tag: str) -> str:
    """Our id for a SIP dialog: readable, and a different id for every different dialog.

    A hash of the whole Call-ID and the far end's tag follows a readable prefix, so two
    Call-IDs that differ only in punctuation ("x-coll1@h", "xcoll1@h") never share a KPI record.
    """
    readable = "".join(c for c in call_id if c.isalnum())[:16]
    digest = hashlib.sha256(f"{call_id}\0{remote_tag}".encode()).hexdigest()[:32]
    return f"sip-{readable}-{digest}"


class CallState(StrEnum):
    """Where a SIP call is: each state says what the edge is doing for the caller now."""

    SETTING_UP = "setting up"
    """INVITE received: RTP being set up and the bot being reached; no answer sent yet."""
    TALKING = "talking"
    """Answered: caller audio to the bot, the bot's prompts paced back as RTP."""
    HELD = "held"
    """The caller put us on hold (re-INVITE sendonly/inactive): prompts wait where they are."""
    NEXT_STEP = "next step"
    """The bot hung up its side: asking it what follows (a queue, or goodbye)."""
    REFERRING = "referring"
    """REFER sent: the caller's side is asked to call the queue itself."""
    BRIDGED = "bridged"
    """We called the queue and relay audio between the two legs."""
    ENDED = "ended"
    """The caller's side ended the dialog (BYE, CANCEL)."""
    TO_END = "to end"
    """We end the dialog with a BYE (the call went quiet, its session expired, we stop)."""


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
        self.state = CallState.SETTING_UP
        self.closed = asyncio.Event()
        """The media part is over (either side): the tasks of the TALKING state stop."""
        self.ended = asyncio.Event()
        """Set on entering ENDED or TO_END, for the tasks that wait on the dialog's end."""
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
            self._enter(CallState.TALKING)
            self.edge.pacing.setup.append(asyncio.get_running_loop().time() - self.invited)
            log.info("sip call answered call_id=%s codec=%s", self.uniqueid, law)
            await asyncio.gather(self._from_bot(), self._pace(), self._send_to_bot())
            if self.state is CallState.NEXT_STEP:
                await self._what_next()
        finally:
            await self.close(bye=self.state is not CallState.ENDED)

    def caller_gone(self, bye: bool = False) -> None:
        """The caller's side ended the call (BYE, CANCEL), or it went quiet (`bye`: we end it)."""
        self.state = CallState.TO_END if bye else CallState.ENDED
        self.ended.set()
        self.closed.set()
        if self.ws is not None:  # wakes the reader
            asyncio.get_running_loop().create_task(self.ws.close())

    def _enter(self, state: CallState) -> None:
        """Move on, unless the dialog has ended: nothing follows ENDED or TO_END."""
        if self.state not in (CallState.ENDED, CallState.TO_END):
            self.state = state

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
        held = audio is not None and (
            audio.direction in ("sendonly", "inactive") or (address and address[0] == "0.0.0.0")
        )
        if address and address[0] != "0.0.0.0" and not held:
            self.rtp.update_remote(address)
        self.incoming.accept(answer)
        if self.state in (CallState.TALKING, CallState.HELD):
            self._enter(CallState.HELD if held else CallState.TALKING)
        log.info("sip call re-invited call_id=%s state=%s", self.uniqueid, self.state)

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
                        self._enter(CallState.NEXT_STEP)
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
            if self.state is not CallState.HELD:
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
        self._enter(CallState.REFERRING)
        send_in_dialog(
            self._uac(), self.incoming.dialog, "REFER", self.incoming.source_addr, headers
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
        self._enter(CallState.BRIDGED)
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


def settle(waiting: asyncio.Future[int] | None, status: int) -> None:
    """A final status for a REFER or a transfer the call waits on (once; none if not asked)."""
    if waiting is not None and not waiting.done():
        waiting.set_result(status)


def _basic(password: str | None) -> str:
    return "Basic " + base64.b64encode(f"voicebot:{password or ''}".encode()).decode()
