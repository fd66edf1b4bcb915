"""While a transferred caller waits in a Twilio queue: position, time-out, callback instead.

Twilio plays `/twilio/wait` on a loop during the wait and posts `/twilio/queue-result` when the
wait ends. A wait longer than QUEUE_TIMEOUT_SECONDS leaves the queue and offers a callback (one
key), so no caller waits on indefinitely. These prompts are short TwiML `<Say>` sentences: the
caller is on Twilio's side of the call by now, not on our stream.
"""

from __future__ import annotations

import logging

from flask import Response, request

from ..dialogue.call import RequestCallback
from ..jobs.callbacks import enqueue_callback
from ..kpi.store import KpiStore
from ..routing.handoff import HandoffStore
from . import twiml
from .twilio_http import form_call_sid, public_url, services, transfer_twiml, xml

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
    if int(request.form.get("QueueTime", "0") or 0) >= settings.queue_timeout_seconds:
        return xml(twiml.leave_queue())
    position = request.form.get("QueuePosition", "1")
    return xml(twiml.hold(WAIT_TEXT.format(position=position)))


def queue_result() -> Response:
    """How the wait ended: a hang-up is counted, a time-out gets the callback offer."""
    sid, result = form_call_sid(), request.form.get("QueueResult", "")
    svc = services()
    if result == "hangup":
        KpiStore(svc.redis).mark_queue_result(sid, ABANDONED_IN_QUEUE)
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
    queue = request.args.get("queue") or svc.flow().intents.default_queue
    handoff = HandoffStore(svc.redis).load(sid)
    if request.form.get("Digits") == "1":
        about = handoff.about if handoff else "dit spørgsmål"
        intent = handoff.intents[-1] if handoff and handoff.intents else None
        enqueue_callback(svc.redis, sid, RequestCallback(None, intent, about), queue)
        KpiStore(svc.redis).mark_queue_result(sid, CALLBACK_FROM_QUEUE)
        return xml(twiml.hangup(CALLBACK_TEXT))
    context = handoff.task_attributes() if handoff else {"call_sid": sid}
    return xml(transfer_twiml(queue, context))
