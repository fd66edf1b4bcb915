"""Calls from a municipality's own Asterisk, no Twilio: chan_websocket, and a CURL() for what next.

Dialplan (README "Calls from your own Asterisk"):
`Dial(WebSocket/voicebot/c(alaw)v(call=${UNIQUEID},caller=${URIENCODE(${CALLERID(num)})}))`,
then `CURL(https://…/asterisk/calls/${UNIQUEID}/next,x)` → `transfer <queue>` or `hangup`.
Both carry HTTP basic auth with ASTERISK_PASSWORD (websocket_client.conf `password`); unset,
everything here answers 404.
"""

from __future__ import annotations

import hmac
import logging
import re
import threading
from collections import deque
from typing import Any

from flask import Blueprint, Response, abort, g, jsonify, request
from flask_sock import Sock
from redis.exceptions import RedisError

from ..infra.throttle import WrongSecrets
from ..outcomes.handoff import HandoffStore
from ..protocols import chan_websocket
from ..protocols.chan_websocket import BufferingCompleted, DtmfEnd, FlowControl, MediaStart
from ..speech.codecs import alaw_to_ulaw, ulaw_to_alaw
from . import media_loop
from .live_calls import NextStep, next_step, open_session
from .media_loop import Audio, Key, Mark, MediaEvent, Opened
from .session import CallSession
from .twilio.http import services

log = logging.getLogger(__name__)

CALL_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
"""Asterisk's UNIQUEID (`1761245643.1`, or with a system name prefix)."""
CALLER = re.compile(r"\+?[0-9]{2,20}")
MAX_AUDIO_MESSAGE = 8000
"""Asterisk sends 160 bytes a message; anything far larger is not audio from it."""


def blueprint(sock: Sock) -> Blueprint:
    """The `/asterisk` routes, the media WebSocket included."""
    bp = Blueprint("asterisk", __name__)
    bp.before_request(authenticate)
    bp.post("/calls/<call>/next")(next_for_dialplan)
    sock.route("/media", bp=bp)(media)
    return bp


def authenticate() -> None:
    """404 when Asterisk calls are off; 401 without the right password (basic auth).

    A media socket without the channel's UNIQUEID is a 400, before the upgrade.
    """
    svc = services()
    password = svc.settings.asterisk_password
    if not password:
        abort(404)
    wrong = WrongSecrets(svc.redis, "asterisk")
    address = request.remote_addr or "-"
    if wrong.blocked(address):
        abort(Response("too many wrong passwords; try again later\n", 429))
    sent = request.authorization.password if request.authorization else None
    if not sent or not hmac.compare_digest(sent.encode(), password.encode()):
        log.warning("asterisk request without the right password endpoint=%s", request.endpoint)
        wrong.failed(address)
        abort(Response("wrong or missing password\n", 401, {"WWW-Authenticate": "Basic"}))
    if request.endpoint == "asterisk.media":  # refused before the upgrade, not after it
        g.asterisk_call = call_id(request.args.get("call", ""))


def call_id(raw: str) -> str:
    """Our id for an Asterisk channel's UNIQUEID; 400 when it is not one."""
    if not CALL_ID.fullmatch(raw):
        abort(400, "call must be the channel's UNIQUEID")
    return "ast-" + raw


def next_for_dialplan(call: str) -> Response:
    """What the dialplan does after Dial(): `transfer <queue>` or `hangup`.

    `apologise` follows when the media broke before the conversation ended (play an error sound).
    Asked for JSON (the SIP edge does), the answer also names the queue's SIP address from
    `index.yaml` and the hand-off id an agent's software looks up at `/api/handoffs/<id>`.
    """
    svc = services()
    ours = call_id(call)
    try:
        step = next_step(svc, ours)
    except RedisError:
        log.exception("redis unavailable after the media, transferring call_id=%s", call)
        step = NextStep(svc.flow().intents.default_queue)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(
            action="transfer" if step.queue else "hangup",
            queue=step.queue,
            sip=svc.flow().intents.queue_sip.get(step.queue or ""),
            handoff=ours if step.handoff else None,
            apologise=step.apologise,
        )
    words = [f"transfer {step.queue}" if step.queue else "hangup"]
    if step.apologise:
        words.append("apologise")
    return _text(" ".join(words))


def _text(line: str) -> Response:
    return Response(line + "\n", mimetype="text/plain")


class AsteriskSink:
    """Plays a session's audio into one chan_websocket channel, minding its flow control."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.alaw = True
        self.paused = False
        self.pending: deque[str | bytes] = deque()
        self.ended = threading.Event()

    def play(self, ulaw: bytes, mark: str) -> None:
        """A prompt, framed and timed by Asterisk; its mark comes back once it has played."""
        audio = ulaw_to_alaw(ulaw) if self.alaw else ulaw
        self.pending.append(chan_websocket.start_buffering())
        self.pending.extend(chan_websocket.media_messages(audio))
        self.pending.append(chan_websocket.stop_buffering(mark))
        self.pump()

    def pump(self) -> None:
        """Send what is queued, unless Asterisk asked us to wait (MEDIA_XOFF)."""
        while self.pending and not self.paused:
            self.ws.send(self.pending.popleft())

    def clear(self) -> None:
        """Drop queued audio here and in Asterisk (barge-in)."""
        self.pending.clear()
        self.ws.send(chan_websocket.flush())

    def end(self) -> None:
        """Hang up the WebSocket channel; the dialplan asks `next` what follows."""
        self.ws.send(chan_websocket.hangup())
        self.ended.set()


def media(ws: Any) -> None:
    """One call from Asterisk, from MEDIA_START until we hang up or the channel goes."""
    svc = services()
    this_call = g.asterisk_call  # checked by `authenticate`
    caller = request.args.get("caller", "")
    if caller and not CALLER.fullmatch(caller):
        caller = ""  # a withheld or odd caller id: the call goes on without it
    if caller:
        HandoffStore(svc.redis).remember_caller(this_call, caller)
    via = "sip" if request.args.get("via") == "sip" else "asterisk"  # our edge says which
    svc.live.call_started()
    try:
        _serve(ws, this_call, svc.caller_hash(caller) if caller else None, via)
    finally:
        svc.live.call_ended()


def _serve(ws: Any, this_call: str, caller: str | None, via: str) -> None:
    media_loop.serve(ws, _AsteriskWire(AsteriskSink(ws), this_call, caller, via), this_call)


class _AsteriskWire:
    """chan_websocket for the media loop: audio as binary messages, control as text."""

    def __init__(self, sink: AsteriskSink, call_id: str, caller: str | None, via: str) -> None:
        self.sink, self.ended = sink, sink.ended
        self.call_id, self.caller, self.via = call_id, caller, via

    def decode(self, raw: str | bytes) -> MediaEvent | None:
        if isinstance(raw, bytes):
            if len(raw) > MAX_AUDIO_MESSAGE:
                return None
            return Audio(alaw_to_ulaw(raw) if self.sink.alaw else raw)
        match chan_websocket.parse(raw):
            case MediaStart() as start:
                return Opened(start)
            case DtmfEnd(digit=digit):
                return Key(digit)
            case BufferingCompleted(mark=mark):
                return Mark(mark)
            case FlowControl(paused=paused):  # the sink's business, not the call's
                self.sink.paused = paused
                self.sink.pump()
        return None

    def open(self, opened: Opened) -> CallSession | None:
        start = opened.start
        assert isinstance(start, MediaStart)
        self.sink.alaw = start.format == "alaw"
        return open_session(services(), self.call_id, self.caller, self.sink, self.via)
