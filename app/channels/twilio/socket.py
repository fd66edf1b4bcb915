"""The Media Streams WebSocket: Twilio's messages read for the one media loop."""

from __future__ import annotations

import logging
import threading
from typing import Any

from .. import media_loop
from ..call_store import CallStore
from ..live_calls import open_session
from ..media_loop import MediaEvent, Opened
from ..session import CallSession
from . import stream as twilio_stream
from .http import services
from .stream import StreamStarted

log = logging.getLogger(__name__)


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
    media_loop.serve(ws, _TwilioWire(TwilioSink(ws)))


class _TwilioWire:
    """Media Streams for the media loop: every message is JSON text."""

    def __init__(self, sink: TwilioSink) -> None:
        self.sink, self.ended = sink, sink.ended

    def decode(self, raw: str | bytes) -> MediaEvent | None:
        event = twilio_stream.parse(raw)
        return Opened(event) if isinstance(event, StreamStarted) else event

    def open(self, opened: Opened) -> CallSession | None:
        event = opened.start
        assert isinstance(event, StreamStarted)
        svc = services()
        if not CallStore(svc.redis).redeem_token(event.call_sid, event.parameters.get("token", "")):
            log.warning("stream with a bad or reused token closed call_sid=%s", event.call_sid)
            return None
        self.sink.stream_sid = event.stream_sid
        return open_session(
            svc, event.call_sid, event.parameters.get("caller"), self.sink, "twilio"
        )
