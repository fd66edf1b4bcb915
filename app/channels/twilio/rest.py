"""Twilio's REST API, for the one thing we ask of it: an SMS. The only `twilio` import."""

from __future__ import annotations

from typing import TYPE_CHECKING

from twilio.rest import Client

if TYPE_CHECKING:
    from ...config import Settings

API_BASE_URL = "https://api.twilio.com"


def send_sms(
    account_sid: str,
    auth_token: str,
    sender: str,
    to: str,
    body: str,
    base_url: str = API_BASE_URL,
) -> str:
    """Send one SMS (POST /2010-04-01/Accounts/{sid}/Messages.json); returns its message sid."""
    client = Client(account_sid, auth_token)
    client.api.base_url = base_url
    return client.messages.create(to=to, from_=sender, body=body).sid


def send_sms_from(settings: Settings, to: str, body: str) -> str:
    """`send_sms` with the settings' account, sender (SMS_FROM) and API base: what jobs send."""
    return send_sms(
        str(settings.twilio_account_sid),
        str(settings.twilio_auth_token),
        str(settings.sms_from),
        to,
        body,
        settings.twilio_api_base_url,
    )
