"""An answer's link by SMS: sent once, by a job, to the number the call came from."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from redis import Redis
from rq import Queue, get_current_job

from ..channels.twilio.rest import send_sms_from
from ..config import Settings
from ..core.call import SendLink
from ..outcomes.handoff import HandoffStore
from ..outcomes.kpi.store import KpiStore
from ..outcomes.sms import danish_mobile
from .queue import QUEUE_NAME, job_id

log = logging.getLogger(__name__)

LINK_TEXT = "{municipality}: {title}: {url}"
SENT_KEY = "link:{call_id}:{intent}:sms"


def send_link(call_id: str, intent: str, title: str, url: str) -> str | None:
    """Text the caller one answer's link; a no-op without SMS, a mobile number, or the second time.

    The number is read here, from the call's hand-off record, so it never travels in the job.
    """
    settings = Settings.from_env()
    redis = get_current_job().connection
    number = danish_mobile(HandoffStore(redis).caller(call_id))
    if number is None or not settings.sms_from:
        return None
    if not redis.set(SENT_KEY.format(call_id=call_id, intent=intent), "1", nx=True, ex=86400):
        return None
    body = LINK_TEXT.format(municipality=settings.municipality_name, title=title, url=url)
    sid = send_sms_from(settings, number, body)
    KpiStore(redis).count_sms_link(datetime.now(UTC))
    log.info("link sent call_id=%s intent=%s message_sid=%s", call_id, intent, sid)
    return sid


def enqueue_link(redis: Redis, call_id: str, link: SendLink) -> None:
    """Queue the job that texts `link`: once per call and intent (the job id says so)."""
    Queue(QUEUE_NAME, connection=redis).enqueue(
        send_link,
        call_id,
        link.intent,
        link.title,
        link.url,
        job_id=job_id("link", f"{call_id}:{link.intent}"),
    )
