"""While a transferred caller waits in a Twilio queue: position, time-out, callback instead.

Twilio plays `/twilio/wait` on a loop during the wait and posts `/twilio/queue-result` when the
wait ends. A wait longer than QUEUE_TIMEOUT_SECONDS leaves the queue and offers a callback (one
key), so no caller waits on indefinitely. These prompts are short TwiML `<Say>` sentences: the
caller is on Twilio's side of the call by now, not on our stream.
"""

from __future__ import annotations

import logging

from flask import Response, request
from redis.exceptions import RedisError

from ...core.call import RequestCallback
from ...core.texts import UNKNOWN_ABOUT
from ...outcomes.handoff import HandoffStore
from ...outcomes.kpi.store import KpiStore
from . import twiml
from .http import form_call_sid, form_int, public_url, services, transfer_twiml, xml

log = logging.getLogger(__name__)

ABANDONED_IN_QUEUE = "abandoned_in_queue"
CALLBACK_FROM_QUEUE = "callback_from_queue"
WAIT_TEXT = "Du er nummer {position} i køen. Vi tager telefonen så hurtigt, vi kan."
OFFER_TEXT = (
    "Der er desværre lang ventetid. Tryk 1, hvis du vil ringes op i stedet, "
    "eller tryk 2 for at vente videre."
)
CALLBACK_TEXT = "Tak. En medarbejder ringer dig op hurtigst muligt. Farvel."


def wait() -> Response:
    """One round of waiting: the caller's place in the queue, or out after the time-out."""
    settings = services().settings
    if form_int("QueueTime", 0) >= settings.queue_timeout_seconds:
        return xml(twiml.leave_queue())
    position = form_int("QueuePosition", 1)
    return xml(twiml.hold(WAIT_TEXT.format(position=position)))


def queue_result() -> Response:
    """How the wait ended: a hang-up is counted, a time-out gets the callback offer."""
    sid, result = form_call_sid(), request.form.get("QueueResult", "")
    if result == "hangup":
        _mark(sid, ABANDONED_IN_QUEUE)
        return xml(twiml.hangup())
    if result in ("leave", "queue-full"):
        offer = public_url("/twilio/callback-offer")
        query = request.query_string.decode()
        return xml(twiml.gather_digit(OFFER_TEXT, f"{offer}?{query}", f"{offer}?{query}"))
    return xml(twiml.hangup())


def callback_offer() -> Response:
    """1: a callback request (made by a job, once per call); anything else: back in the queue."""
    sid = form_call_sid()
    svc = services()
    queue = _known_queue(request.args.get("queue"))
    try:
        handoff = HandoffStore(svc.redis).load(sid)
    except RedisError:
        handoff = None
    if request.form.get("Digits") == "1":
        about = handoff.about if handoff else UNKNOWN_ABOUT
        intent = handoff.intents[-1] if handoff and handoff.intents else None
        svc.request_callback(sid, RequestCallback(None, intent, about), queue)
        _mark(sid, CALLBACK_FROM_QUEUE)
        return xml(twiml.hangup(CALLBACK_TEXT))
    context = handoff.task_attributes() if handoff else {"call_sid": sid}
    return xml(transfer_twiml(queue, context))


def _known_queue(name: str | None) -> str:
    """The queue named in our own action URL, if it is one we route to; else the default."""
    intents = services().flow().intents
    known = {t.queue for t in intents.topics.values()} | {intents.default_queue}
    known |= {i.queue for i in intents.intents.values() if i.queue}
    return name if name in known else intents.default_queue


def _mark(call_sid: str, result: str) -> None:
    """Count how a wait ended; kept on disk while Redis is away."""
    try:
        KpiStore(services().redis).mark_queue_result(call_sid, result)
    except RedisError:
        services().spool.add("queue_result", {"call_id": call_sid, "result": result})
