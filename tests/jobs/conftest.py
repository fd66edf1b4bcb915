"""A local stand-in for Twilio's REST API: it captures each request and answers as Twilio does
(201, a message sid), so jobs are checked against the documented Messages resource."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest

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


@pytest.fixture
def sms_on(twilio_api, monkeypatch):
    """SMS switched on and pointed at the local Twilio: (its base URL, the requests it got)."""
    base, captured = twilio_api
    for name, value in {
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "SMS_FROM": "+4543353000",
        "TWILIO_API_BASE_URL": base,
    }.items():
        monkeypatch.setenv(name, value)
    return base, captured
