"""The SMS receipt as Twilio's REST API receives it: captured by a local server, checked
against Twilio's documented Messages resource (POST .../Accounts/{AccountSid}/Messages.json,
form fields To, From, Body, HTTP basic auth with the account sid and auth token)."""

import base64

from rq import Queue

from app.jobs.queue import QUEUE_NAME
from app.jobs.receipts import send_receipt
from app.outcomes.callbacks import Callback, CallbackStore
from tests.jobs.conftest import ACCOUNT, TOKEN


def test_one_receipt_per_callback_in_twilios_documented_shape(redis, sms_on):
    _, captured = sms_on
    CallbackStore(redis).create(
        Callback(
            "CA1",
            "23456789",
            "dit kørekort",
            "koerekort",
            "borgerservice",
            "2026-11-26T19:00:00+00:00",
        )
    )
    jobs = Queue(QUEUE_NAME, connection=redis, is_async=False)
    assert jobs.enqueue(send_receipt, "CA1").return_value() == "SM" + "b" * 32
    assert jobs.enqueue(send_receipt, "CA1").return_value() is None  # the job ran again

    (request,) = captured
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    auth = base64.b64decode(request["headers"]["Authorization"].split()[1]).decode()
    assert auth == f"{ACCOUNT}:{TOKEN}"
    assert request["form"]["To"] == ["+4523456789"]
    assert request["form"]["From"] == ["+4543353000"]
    assert "ringet op om dit kørekort" in request["form"]["Body"][0]
    assert set(request["form"]) == {"To", "From", "Body"}
