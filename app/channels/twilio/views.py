"""Twilio webhooks: answer a call with a stream, act on the flow's decision, record the status.

Every request here, the stream's WebSocket upgrade included, must carry a valid
X-Twilio-Signature for the public URL; anything else gets 403 and changes nothing.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, request
from flask_sock import Sock
from redis.exceptions import RedisError

from ...core.call import HungUp, State
from ...core.texts import PROMPTS
from ...outcomes.handoff import HandoffStore
from ..call_store import CallStore
from ..live_calls import next_step
from . import queue as twilio_queue
from . import signature, twiml
from .http import form_call_sid, public_url, requested_url, services, transfer_twiml, xml

log = logging.getLogger(__name__)

FINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


def blueprint(sock: Sock) -> Blueprint:
    """The `/twilio` routes, the stream's WebSocket included; one per app."""
    from .socket import stream

    bp = Blueprint("twilio", __name__)
    bp.before_request(verify_signature)
    bp.register_error_handler(RedisError, redis_unavailable)
    bp.post("/voice")(voice)
    bp.post("/after-stream")(after_stream)
    bp.post("/status")(status)
    bp.post("/whisper")(whisper)
    bp.post("/wait")(twilio_queue.wait)
    bp.post("/queue-result")(twilio_queue.queue_result)
    bp.post("/callback-offer")(twilio_queue.callback_offer)
    sock.route("/stream", bp=bp)(stream)
    return bp


def verify_signature() -> None:
    """403 unless Twilio signed this exact public URL and form; 404 without Twilio at all."""
    token = services().settings.twilio_auth_token
    if not token:
        abort(404)  # an Asterisk-only town hall: no key, so nothing could be verified
    sent = request.headers.get("X-Twilio-Signature", "")
    if _is_websocket_upgrade():
        urls = [requested_url(websocket=True), requested_url()]
        params: dict[str, list[str]] = {}
    else:
        urls = [requested_url()]
        params = request.form.to_dict(flat=False) if request.method == "POST" else {}
    if not any(signature.is_valid(token, url, params, sent) for url in urls):
        # Only validated identifiers are logged: a form value may forge lines or carry a number.
        log.warning("rejected unsigned request endpoint=%s", request.endpoint or "-")
        abort(403)


def _is_websocket_upgrade() -> bool:
    """A real upgrade (a GET asking for one): only that may be signed without a form body."""
    connection = {t.strip().lower() for t in request.headers.get("Connection", "").split(",")}
    return (
        request.method == "GET"
        and request.headers.get("Upgrade", "").lower() == "websocket"
        and "upgrade" in connection
    )


def voice() -> Response:
    """A new call: connect a stream to the bot, then follow its decision."""
    call_sid = form_call_sid()
    svc = services()
    try:
        token = CallStore(svc.redis).issue_token(call_sid)
        if request.form.get("From"):
            HandoffStore(svc.redis).remember_caller(call_sid, request.form["From"])
    except RedisError:
        log.exception("redis unavailable, transferring call_sid=%s", call_sid)
        return xml(transfer_twiml(svc.flow().intents.default_queue, {}))
    params = {"token": token}
    if request.form.get("From"):
        params["caller"] = svc.caller_hash(request.form["From"])
    return xml(
        twiml.connect_stream(
            public_url("/twilio/stream", websocket=True),
            params,
            public_url("/twilio/after-stream"),
        )
    )


def after_stream() -> Response:
    """The stream closed: transfer or hang up as the conversation decided (`next_step`)."""
    call_sid = form_call_sid()
    svc = services()
    try:
        step = next_step(svc, call_sid)
    except RedisError:
        log.exception("redis unavailable after stream, transferring call_sid=%s", call_sid)
        return xml(transfer_twiml(svc.flow().intents.default_queue, {"call_sid": call_sid}))
    document = twiml.hangup()
    if step.queue is not None:
        context = step.handoff.task_attributes() if step.handoff else {"call_sid": call_sid}
        document = transfer_twiml(step.queue, context)
    return xml(twiml.prefaced(document, PROMPTS["error"]) if step.apologise else document)


def whisper() -> Response:
    """The summary, spoken to the agent before the caller is put through.

    Twilio requests it for `<Dial><Number url>` (the caller is the ParentCallSid) and for an
    agent's `<Dial><Queue url>` (the dequeued caller is the CallSid).
    """
    sid = form_call_sid("ParentCallSid" if request.form.get("ParentCallSid") else "CallSid")
    try:
        handoff = HandoffStore(services().redis).load(sid)
    except RedisError:
        handoff = None
    text = handoff.summary if handoff else "Der er ingen oplysninger om opkaldet."
    return xml(twiml.say(text))


def status() -> Response:
    """Call status callbacks: a call that ended without the flow knowing gets its outcome now.

    Twilio may repeat or reorder these; the KPI store records a call's outcome exactly once.
    """
    call_sid = form_call_sid()
    if request.form.get("CallStatus") not in FINAL_STATUSES:
        return Response(status=204)
    svc = services()
    store = CallStore(svc.redis)
    try:
        saved = store.load(call_sid)
        if saved is not None:
            call, meta = saved
            if call.state is not State.ENDED:
                call = svc.flow().step(call, HungUp()).call
                store.save(call, meta)
            svc.record(call, meta)
    except RedisError:
        # The stream's own end already recorded (or spooled) the outcome of a connected call.
        log.warning("status not applied, redis unavailable call_sid=%s", call_sid)
    return Response(status=204)


def redis_unavailable(error: RedisError) -> Response:
    """Last line of defence: a caller whose webhook hit a Redis failure goes to a person."""
    log.error("redis unavailable endpoint=%s", request.endpoint or "-")
    if request.endpoint == "twilio.status":
        return Response(status=204)
    return xml(transfer_twiml(services().flow().intents.default_queue, {}))
