"""Twilio's REST API, for the one thing we ask of it: an SMS receipt. The only `twilio` import."""

from __future__ import annotations

from twilio.rest import Client

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
