"""The SMS receipt as Twilio's REST API receives it: captured by a local server, checked
against Twilio's documented Messages resource (POST .../Accounts/{AccountSid}/Messages.json,
form fields To, From, Body, HTTP basic auth with the account sid and auth token)."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest
from rq import Queue

from app.jobs import QUEUE_NAME
from app.jobs.receipts import send_receipt
from app.routing.callbacks import Callback, CallbackStore

ACCOUNT, TOKEN = "AC" + "a" * 32, "auth-token-x"


@pytest.fixture
def twilio_api():
    captured = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            captured.append(
                {"path": self.path, "headers": dict(self.headers), "form": parse_qs(body)}
            )
            reply = json.dumps({"sid": "SM" + "b" * 32, "status": "queued", "account_sid": ACCOUNT})
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(reply.encode())

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", captured
    server.shutdown()
    server.server_close()


def test_one_receipt_per_callback_in_twilios_documented_shape(redis, twilio_api, monkeypatch):
    base, captured = twilio_api
    for name, value in {
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "SMS_FROM": "+4543353000",
        "TWILIO_API_BASE_URL": base,
    }.items():
        monkeypatch.setenv(name, value)
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
