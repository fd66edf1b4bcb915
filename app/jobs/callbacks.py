"""Creating callback requests off the call's thread; safe to run twice (one request per call)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from redis import Redis
from rq import Queue, Retry, get_current_job

from ..config import Settings
from ..core.call import RequestCallback
from ..outcomes.callbacks import Callback, CallbackStore
from ..outcomes.handoff import HandoffStore
from .queue import QUEUE_NAME, job_id

log = logging.getLogger(__name__)


def create_callback(call_sid: str, about: str, intent: str | None, queue: str) -> bool:
    """Store the request, to the number the caller keyed in, else the one they called from.

    Takes ids only: the numbers wait in expiring hand-off keys, never in job arguments, which
    RQ logs and keeps.
    """
    redis = get_current_job().connection
    handoffs = HandoffStore(redis)
    number = handoffs.callback_number(call_sid) or handoffs.caller(call_sid)
    callback = Callback(
        id=call_sid,
        number=number,
        about=about,
        intent=intent,
        queue=queue,
        created_at=datetime.now(UTC).isoformat(),
    )
    created = CallbackStore(redis).create(callback)
    log.info("callback request call_id=%s created=%s", call_sid, created)
    if created and Settings.from_env().sms_from:
        from .receipts import send_receipt

        Queue(QUEUE_NAME, connection=redis).enqueue(
            send_receipt,
            call_sid,
            job_id=job_id("receipt", call_sid),
            retry=Retry(max=3, interval=30),
        )
    return created


def enqueue_callback(
    redis: Redis, call_sid: str, request: RequestCallback, queue: str, inline: bool = False
) -> None:
    """Queue the job (`inline`: run it now, for channels without a worker, like the chat)."""
    if request.to:
        HandoffStore(redis).remember_callback_number(call_sid, request.to)
    Queue(QUEUE_NAME, connection=redis, is_async=not inline).enqueue(
        create_callback,
        call_sid,
        request.about,
        request.intent,
        queue,
        job_id=job_id("callback", call_sid),
        retry=Retry(max=3),
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
    )
