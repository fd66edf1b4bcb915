"""The chat in-process (Flask test client) on a real Redis, at a chosen moment."""

import pytest

from app.webapp import create_app
from app.wiring import Services
from tests.conftest import OPEN

CLOSED = OPEN.replace(hour=20)


@pytest.fixture
def chat_app(app_settings, redis):
    started = []

    def make(at=OPEN, **overrides):
        settings = app_settings.with_(**overrides)
        services = Services(settings, clock=lambda: at)
        app = create_app(settings, services)
        started.append(services)
        return app

    yield make
    for services in started:
        services.close()


class Citizen:
    """A citizen writing in the chat through the JSON API."""

    def __init__(self, client, origin=None):
        self.client, self.session, self.seq, self.origin = client, None, 0, origin
        self.last = None

    def send(self, text=None, choice=None, expect=200):
        body = {"text": text} if choice is None else {"choice": choice}
        if self.session:
            body["session"] = self.session
        headers = {"Origin": self.origin} if self.origin else {}
        r = self.client.post("/chat/api/messages", json=body, headers=headers)
        assert r.status_code == expect, r.get_json()
        reply = r.get_json()
        if expect == 200:
            self.session, self.seq, self.last = reply["session"], reply["seq"], reply
        return reply

    def open(self):
        return self.send(text="")

    def poll(self):
        r = self.client.get(f"/chat/api/messages?session={self.session}&after={self.seq}")
        assert r.status_code == 200, r.get_json()
        reply = r.get_json()
        self.seq, self.last = reply["seq"], reply
        return reply

    def texts(self, reply=None):
        return [m["text"] for m in (reply or self.last)["messages"]]

    def choices(self):
        return [c["label"] for c in self.last["choices"]]
