"""Twilio webhooks: answer a call with a stream, act on the flow's decision, record the status.

Every request here, the stream's WebSocket upgrade included, must carry a valid
X-Twilio-Signature for the public URL; anything else gets 403 and changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, abort, current_app, request
from flask_sock import Sock
from redis.exceptions import RedisError

from ..dialogue.call import Failed, HungUp, Outcome, State, TransferReason
from ..routing.handoff import HandoffStore
from ..routing.handoff import build as handoff_for
from ..services import Services
from . import signature, twiml
from .call_store import CallStore

log = logging.getLogger(__name__)

FINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


def services() -> Services:
    """The app's shared services (set by `create_app`)."""
    return current_app.extensions["voicebot"]


def public_url(path: str, websocket: bool = False) -> str:
    """The URL Twilio used: PUBLIC_BASE_URL + path (+ query), wss:// for the stream."""
    base = str(services().settings.public_base_url).rstrip("/")
    if websocket:
        base = "wss://" + base.split("://", 1)[1]
    query = request.query_string.decode()
    return f"{base}{path}" + (f"?{query}" if query else "")


def blueprint(sock: Sock) -> Blueprint:
    """The `/twilio` routes, the stream's WebSocket included; one per app."""
    from .twilio_socket import stream

    bp = Blueprint("twilio", __name__)
    bp.before_request(verify_signature)
    bp.post("/voice")(voice)
    bp.post("/after-stream")(after_stream)
    bp.post("/status")(status)
    bp.post("/whisper")(whisper)
    sock.route("/stream", bp=bp)(stream)
    return bp


def verify_signature() -> None:
    """403 unless Twilio signed this exact public URL and form."""
    token = str(services().settings.twilio_auth_token)
    sent = request.headers.get("X-Twilio-Signature", "")
    if request.headers.get("Upgrade", "").lower() == "websocket":
        urls = [public_url(request.path, websocket=True), public_url(request.path)]
        params: dict[str, list[str]] = {}
    else:
        urls = [public_url(request.path)]
        params = request.form.to_dict(flat=False) if request.method == "POST" else {}
    if not any(signature.is_valid(token, url, params, sent) for url in urls):
        log.warning(
            "rejected unsigned request path=%s call_sid=%s",
            request.path,
            request.form.get("CallSid", "-"),
        )
        abort(403)


def _xml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


def _call_sid() -> str:
    sid = request.form.get("CallSid", "")
    if not sid.startswith("CA") or len(sid) > 64:
        abort(400, "missing or malformed CallSid")
    return sid


def voice() -> Response:
    """A new call: connect a stream to the bot, then follow its decision."""
    call_sid = _call_sid()
    svc = services()
    try:
        token = CallStore(svc.redis).issue_token(call_sid)
        if request.form.get("From"):
            HandoffStore(svc.redis).remember_caller(call_sid, request.form["From"])
    except RedisError:
        log.exception("redis unavailable, transferring call_sid=%s", call_sid)
        return _xml(transfer_twiml(svc.flow().intents.default_queue, {}))
    params = {"token": token}
    if request.form.get("From"):
        params["caller"] = svc.caller_hash(request.form["From"])
    return _xml(
        twiml.connect_stream(
            public_url("/twilio/stream", websocket=True).split("?")[0],
            params,
            public_url("/twilio/after-stream").split("?")[0],
        )
    )


def after_stream() -> Response:
    """The stream closed: transfer or hang up as the conversation decided."""
    call_sid = _call_sid()
    svc = services()
    try:
        store = CallStore(svc.redis)
        saved = store.load(call_sid)
        if saved is None:
            log.warning("no call state after stream, transferring call_sid=%s", call_sid)
            return _xml(transfer_twiml(svc.flow().intents.default_queue, {"call_sid": call_sid}))
        call, meta = saved
        if call.state is not State.ENDED:  # the stream broke before the flow finished
            call = svc.flow().step(call, Failed("stream closed")).call
            store.save(call, meta)
            svc.record(call, meta)
    except RedisError:
        log.exception("redis unavailable after stream, transferring call_sid=%s", call_sid)
        return _xml(transfer_twiml(svc.flow().intents.default_queue, {"call_sid": call_sid}))
    if call.outcome is Outcome.TRANSFERRED and call.reason is not TransferReason.CLOSED:
        handoffs = HandoffStore(svc.redis)
        handoff = handoff_for(call, svc.flow().intents, handoffs.caller(call_sid))
        handoffs.save(handoff)
        return _xml(transfer_twiml(handoff.queue, handoff.task_attributes()))
    return _xml(twiml.hangup())


def whisper() -> Response:
    """The summary, spoken to the agent before the caller is put through.

    Twilio requests it for `<Dial><Number url>` (the caller is the ParentCallSid) and for an
    agent's `<Dial><Queue url>` (the dequeued caller is the CallSid).
    """
    sid = request.form.get("ParentCallSid") or _call_sid()
    handoff = HandoffStore(services().redis).load(sid)
    text = handoff.summary if handoff else "Der er ingen oplysninger om opkaldet."
    return _xml(twiml.say(text))


def status() -> Response:
    """Call status callbacks: a call that ended without the flow knowing gets its outcome now.

    Twilio may repeat or reorder these; the KPI store records a call's outcome exactly once.
    """
    call_sid = _call_sid()
    if request.form.get("CallStatus") not in FINAL_STATUSES:
        return Response(status=204)
    svc = services()
    store = CallStore(svc.redis)
    saved = store.load(call_sid)
    if saved is not None:
        call, meta = saved
        if call.state is not State.ENDED:
            call = svc.flow().step(call, HungUp()).call
            store.save(call, meta)
        svc.record(call, meta)
    return Response(status=204)


def transfer_twiml(queue: str, context: dict[str, Any]) -> str:
    """Hand the caller over as TRANSFER_MODE says: queue, TaskRouter task, or dial."""
    settings = services().settings
    if settings.transfer_mode == "dial":
        return twiml.dial(
            str(settings.transfer_number), public_url("/twilio/whisper").split("?")[0]
        )
    if settings.transfer_mode == "taskrouter":
        return twiml.enqueue_task(str(settings.twilio_workflow_sid), {"queue": queue, **context})
    return twiml.enqueue(queue)
