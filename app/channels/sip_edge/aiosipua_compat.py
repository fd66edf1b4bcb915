"""Every use of aiosipua's private API, in one place, so an upgrade is checked here alone.

aiosipua (>=0.7) has no public way to: answer with extra headers (a 401's challenge), answer a
request its parser choked on, send an in-dialog request with extra headers (our REFER's
hand-off header), or put limits in front of its transports' parser. Each function here says
which private member it uses; `tests/channels/sip_edge` runs all of them against SIPp.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .admission import MAX_SIP_MESSAGE, MessageLimit
from .tcp_limits import ConnectionLimit

log = logging.getLogger(__name__)


def respond(incoming: Any, status: int, reason: str, headers: dict[str, str]) -> None:
    """Answer an INVITE with our headers (`IncomingCall.reject()` takes none): `_send_response`."""
    incoming._send_response(status, reason, extra_headers=headers)


def send_error(uas: Any, request: Any, status: int, reason: str) -> None:
    """Answer a request aiosipua's handlers failed on: `SipUAS._send_error`."""
    uas._send_error(request, status, reason)


def send_in_dialog(
    uac: Any, dialog: Any, method: str, addr: tuple[str, int], headers: dict[str, str]
) -> None:
    """An in-dialog request with our headers (`send_refer` takes none): `_send_in_dialog`."""
    uac._send_in_dialog(dialog, method, addr, extra_headers=headers)


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
