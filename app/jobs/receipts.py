"""SMS receipts for callback requests: sent once, by a job, only when SMS_RECEIPTS is on."""

from __future__ import annotations

import logging

from rq import get_current_job

from ..channels.twilio.rest import send_sms_from
from ..config import Settings
from ..outcomes.callbacks import CallbackStore

log = logging.getLogger(__name__)

RECEIPT_TEXT = (
    "{municipality}: Vi har modtaget din anmodning om at blive ringet op om {about}. "
    "En medarbejder ringer dig op, når kontaktcentret har åbent."
)
SENT_KEY = "callback:{id}:sms"


def send_receipt(callback_id: str) -> str | None:
    """Text the caller that their callback request is registered; a no-op the second time."""
    settings = Settings.from_env()
    redis = get_current_job().connection
    callback = CallbackStore(redis).get(callback_id)
    if callback is None or not callback.number or not settings.sms_from:
        return None
    if not redis.set(SENT_KEY.format(id=callback_id), "1", nx=True, ex=30 * 24 * 3600):
        return None
    number = callback.number if callback.number.startswith("+") else f"+45{callback.number}"
    body = RECEIPT_TEXT.format(municipality=settings.municipality_name, about=callback.about)
    sid = send_sms_from(settings, number, body)
    log.info("callback receipt sent call_id=%s message_sid=%s", callback_id, sid)
    return sid
