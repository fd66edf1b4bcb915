"""The Media Streams WebSocket: a thin loop from Twilio messages to a `CallSession`."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from . import twilio_stream
from .call_store import CallStore
from .live_calls import open_session
from .session import CallSession
from .twilio_http import services
from .twilio_stream import AudioIn, DtmfIn, MarkIn, ProtocolError, StreamStarted, StreamStopped

log = logging.getLogger(__name__)

QUIET_SECONDS = 10
"""Twilio sends audio every 20 ms, silence included: ten quiet seconds mean the call is gone."""
POLL_SECONDS = 0.05
"""How often a quiet socket still sends prompt audio that finished rendering meanwhile."""


class TwilioSink:
    """Plays a session's audio into one Twilio stream."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.stream_sid = ""
        self.ended = threading.Event()

    def play(self, ulaw: bytes, mark: str) -> None:
        """Media messages, then a mark Twilio echoes when they have played."""
        for message in twilio_stream.media(self.stream_sid, ulaw):
            self.ws.send(message)
        self.ws.send(twilio_stream.mark(self.stream_sid, mark))

    def clear(self) -> None:
        """Drop what Twilio has buffered (barge-in)."""
        self.ws.send(twilio_stream.clear(self.stream_sid))

    def end(self) -> None:
        """Close the stream; Twilio then follows the TwiML after `<Connect>`."""
        self.ended.set()


def stream(ws: Any) -> None:
    """One call's stream, until it stops or the session ends it."""
    live = services().live
    live.call_started()
    try:
        _serve_stream(ws)
    finally:
        live.call_ended()


def _serve_stream(ws: Any) -> None:
    sink = TwilioSink(ws)
    session: CallSession | None = None
    call_sid = "-"
    last_message = time.monotonic()
    while not sink.ended.is_set():
        raw = ws.receive(timeout=POLL_SECONDS)
        if raw is None:
            if session:
                session.flush()
            if time.monotonic() - last_message > QUIET_SECONDS:
                log.warning("stream went quiet call_sid=%s", call_sid)
                if session:
                    session.on_hangup()
                return
            continue
        last_message = time.monotonic()
        try:
            event = twilio_stream.parse(raw)
        except ProtocolError as exc:
            log.warning("malformed stream message ignored call_sid=%s problem=%s", call_sid, exc)
            continue
        if isinstance(event, StreamStarted):
            session = _start(event, sink)
            if session is None:
                return
            call_sid = event.call_sid
            continue
        if session is None or event is None:
            continue
        try:
            _dispatch(session, event)
        except Exception:  # noqa: BLE001 - the edge of a call: apologise and hand over, never crash
            log.exception("call failed call_sid=%s", call_sid)
            session.fail("exception")
        if isinstance(event, StreamStopped):
            return


def _start(event: StreamStarted, sink: TwilioSink) -> CallSession | None:
    svc = services()
    if not CallStore(svc.redis).redeem_token(event.call_sid, event.parameters.get("token", "")):
        log.warning("stream with a bad or reused token closed call_sid=%s", event.call_sid)
        return None
    sink.stream_sid = event.stream_sid
    return open_session(svc, event.call_sid, event.parameters.get("caller"), sink, "twilio")


def _dispatch(session: CallSession, event: object) -> None:
    match event:
        case AudioIn(ulaw=ulaw):
            session.on_audio(ulaw)
        case DtmfIn(digit=digit):
            session.on_dtmf(digit)
        case MarkIn(name=name):
            session.on_mark(name)
        case StreamStopped():
            session.on_hangup()
