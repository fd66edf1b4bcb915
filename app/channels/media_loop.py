"""The one media loop: a call's WebSocket, read until it ends, fed to its `CallSession`.

Twilio's Media Streams and Asterisk's chan_websocket differ only in how a message reads
(`Wire.decode`) and how the call opens (`Wire.open`); silence, quiet sockets, hang-ups, bad
messages and failing handlers are dealt with here, once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from threading import Event
from typing import Any, Protocol

from simple_websocket import ConnectionClosed

from .session import CallSession

log = logging.getLogger(__name__)

QUIET_SECONDS = 10
"""Both wires send audio every 20 ms, silence included: ten quiet seconds mean the call is gone."""
POLL_SECONDS = 0.05
"""How often a quiet socket still sends prompt audio that finished rendering meanwhile."""


@dataclass(frozen=True)
class Opened:
    """The wire says the call's media has started; `start` is the wire's own start event."""

    start: object


@dataclass(frozen=True)
class Audio:
    """A frame of the caller's audio, 8 kHz μ-law."""

    ulaw: bytes


@dataclass(frozen=True)
class Key:
    """A key the caller pressed."""

    digit: str


@dataclass(frozen=True)
class Mark:
    """A prompt has finished playing."""

    name: str


@dataclass(frozen=True)
class Stopped:
    """The wire says the call has ended."""


MediaEvent = Opened | Audio | Key | Mark | Stopped


class Wire(Protocol):
    """One vendor's WebSocket protocol, as the loop needs it."""

    ended: Event
    """Set by the sink when the session has ended the call."""

    def decode(self, raw: str | bytes) -> MediaEvent | None:
        """What one message means (None: nothing for the call); a ValueError for a bad one."""

    def open(self, opened: Opened) -> CallSession | None:
        """The call's session, or None when the call may not go on (the socket is closed)."""


def serve(ws: Any, wire: Wire, call_id: str = "-") -> None:
    """Read the socket until the call ends; the session hears every event in order."""
    session: CallSession | None = None
    last_message = time.monotonic()
    while not wire.ended.is_set():
        try:
            raw = ws.receive(timeout=POLL_SECONDS)
        except ConnectionClosed:  # the caller hung up (the other end closed the socket)
            if session is not None:
                session.on_hangup()
            return
        if raw is None:
            if session is not None:
                session.flush()
            if time.monotonic() - last_message > QUIET_SECONDS:
                log.warning("media went quiet call_id=%s", call_id)
                if session is not None:
                    session.on_hangup()
                return
            continue
        last_message = time.monotonic()
        try:
            event = wire.decode(raw)
        except ValueError as exc:  # each wire's ProtocolError
            log.warning("malformed media message ignored call_id=%s problem=%s", call_id, exc)
            continue
        if isinstance(event, Opened):
            if session is None:
                session = wire.open(event)
                if session is None:
                    return
                call_id = session.call.call_id
            continue
        if session is None or event is None:
            continue
        try:
            _dispatch(session, event)
        except Exception:  # noqa: BLE001 - the edge of a call: apologise and hand over
            log.exception("call failed call_id=%s", call_id)
            session.fail("exception")
        if isinstance(event, Stopped):
            return


def _dispatch(session: CallSession, event: MediaEvent) -> None:
    match event:
        case Audio(ulaw=ulaw):
            session.on_audio(ulaw)
        case Key(digit=digit):
            session.on_dtmf(digit)
        case Mark(name=name):
            session.on_mark(name)
        case Stopped():
            session.on_hangup()
