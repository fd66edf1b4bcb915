"""Whole calls as Asterisk's WebSocket channel driver places them, against the app on a server.

The client speaks chan_websocket's documented protocol: BINARY G.711 frames of 160 bytes, TEXT
control messages (`MEDIA_START`, `DTMF_END`, `MEDIA_BUFFERING_COMPLETED`, `MEDIA_XOFF`/`XON`)
and it answers our `START/STOP_MEDIA_BUFFERING`, `FLUSH_MEDIA` and `HANGUP` as Asterisk does.
"""

import base64
import json
import threading
import time
from urllib.parse import quote

import numpy as np
import pytest
import requests
import websocket
from rq import Queue, SimpleWorker

from app.jobs.queue import QUEUE_NAME
from app.outcomes.callbacks import CallbackStore
from app.outcomes.handoff import HandoffStore
from app.outcomes.kpi.store import KpiStore
from app.speech.codecs import alaw_to_pcm16, ulaw_to_alaw
from tests.conftest import CLOSED, wait_until
from tests.twilio import ScriptedModel

PASSWORD = "asterisk-kode-0123456789"
SILENT_ALAW = b"\xd5" * 160


def auth(password=PASSWORD):
    return {"Authorization": "Basic " + base64.b64encode(f"voicebot:{password}".encode()).decode()}


OPEN_CHANNELS = []


@pytest.fixture(autouse=True)
def close_channels():
    yield
    while OPEN_CHANNELS:
        OPEN_CHANNELS.pop().ws.close()


class AsteriskChannel:
    """One `Dial(WebSocket/voicebot/c(alaw)v(call=…,caller=…))`, as chan_websocket runs it."""

    def __init__(self, base, call="1764300000.7", caller="+4512345678", fmt="alaw", json=False):
        OPEN_CHANNELS.append(self)
        self.base, self.uniqueid, self.fmt, self.json = base, call, fmt, json
        self.prompts = []  # (mark, audio) in the order the bot played them
        self.commands = []
        self.hold = False
        self.held = []
        self._audio = b""
        self.hung_up = threading.Event()
        self.closed = threading.Event()
        self.lock = threading.Lock()
        url = base.replace("http://", "ws://") + f"/asterisk/media?call={call}"
        if caller:
            url += "&caller=" + quote(caller)
        media = ["media"]  # websocket_client.conf's `protocols = media`
        self.ws = websocket.create_connection(url, header=auth(), subprotocols=media, timeout=10)
        threading.Thread(target=self._receive, daemon=True).start()
        channel = "WebSocket/voicebot/0x1"
        self.control("MEDIA_START", connection_id="c1", channel=channel, format=fmt)

    def control(self, event, **fields):
        if self.json:
            text = json.dumps({"event": event, "channel_id": self.uniqueid, **fields})
        else:
            text = " ".join([event, *(f"{k}:{v}" for k, v in fields.items())])
        self.send(text)

    def send(self, message):
        with self.lock:  # the receiving thread hangs up under the same lock
            if self.hung_up.is_set():
                return  # what a channel sends after its HANGUP goes nowhere, as on Asterisk
            if isinstance(message, bytes):
                self.ws.send_binary(message)
            else:
                self.ws.send(message)

    def _receive(self):
        try:
            while True:
                opcode, data = self.ws.recv_data()
                if opcode == websocket.ABNF.OPCODE_BINARY:
                    self._audio += data
                    continue
                if opcode != websocket.ABNF.OPCODE_TEXT:
                    break
                command = data.decode()
                self.commands.append(command)
                name, _, arg = command.partition(" ")
                if name == "STOP_MEDIA_BUFFERING":
                    if self.hold:
                        self.held.append(arg)
                    else:  # played at once: Asterisk reports the bulk transfer done
                        self.completed(arg)
                    self.prompts.append((arg, self._audio))
                    self._audio = b""
                elif name == "HANGUP":
                    with self.lock:  # a frame being sent finishes; none starts after this
                        self.hung_up.set()
                    self.ws.close()  # the channel is hung up and its socket closed
                    break
        except Exception:  # noqa: BLE001 - any way the socket ends, the channel is gone
            pass
        finally:
            self.closed.set()

    def completed(self, mark):
        if self.json:
            self.control("MEDIA_BUFFERING_COMPLETED", correlation_id=mark)
        else:
            self.send(f"MEDIA_BUFFERING_COMPLETED {mark}")

    def release(self):
        for mark in self.held:
            self.completed(mark)
        self.held = []

    def audio(self, g711):
        for i in range(0, len(g711), 160):
            if self.closed.is_set():
                return
            self.send(g711[i : i + 160])

    def say(self, ulaw):
        """Speech (given as μ-law), sent in the channel's codec, then a pause."""
        self.audio(ulaw_to_alaw(ulaw) if self.fmt == "alaw" else ulaw)
        self.audio(SILENT_ALAW * 50 if self.fmt == "alaw" else b"\xff" * 8000)

    def press(self, digit):
        self.control("DTMF_END", digit=digit)

    def prompt_ids(self):
        return [mark.split(":", 1)[1] for mark, _ in self.prompts]

    def wait_for(self, predicate, timeout=15):
        return wait_until(predicate, timeout, lambda: f"; {self.prompt_ids()}, {self.commands}")

    def wait_for_prompt(self, prompt_id):
        self.wait_for(lambda: prompt_id in self.prompt_ids())

    def next(self, accept="text/plain"):
        """The dialplan's CURL() after Dial() returned (or the SIP edge's question, as JSON)."""
        assert self.hung_up.wait(15), f"no HANGUP: {self.commands}"
        url = f"{self.base}/asterisk/calls/{self.uniqueid}/next"
        headers = {**auth(), "Accept": accept}
        response = requests.post(url, data={"x": "1"}, headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        return response.json() if accept == "application/json" else response.text.strip()


@pytest.fixture
def asterisk(phone, phone_settings):
    """The app served with calls from an Asterisk switched on."""
    return lambda model=None, at=None, **more: phone(
        model, settings=phone_settings.with_(asterisk_password=PASSWORD, **more), at=at
    )


def record(services, channel):
    (found,) = [
        r for r in KpiStore(services.redis).records() if r.call_id == "ast-" + channel.uniqueid
    ]
    return found


def test_a_keyed_transfer_over_alaw_reaches_the_queue_with_its_context(asterisk):
    with asterisk() as (base, services):
        channel = AsteriskChannel(base)
        channel.wait_for_prompt("menu_only")  # no speech model here: the keypad menu
        assert channel.ws.getsubprotocol() == "media"
        greeting = alaw_to_pcm16(channel.prompts[0][1])
        assert len(greeting) > 16000 and np.abs(np.frombuffer(greeting, "<i2")).max() > 1000
        channel.press("0")
        assert channel.next() == "transfer borgerservice"
        found = record(services, channel)
        assert (found.outcome, found.reason, found.via) == ("transferred", "requested", "asterisk")
        handoff = HandoffStore(services.redis).load("ast-" + channel.uniqueid)
        assert handoff is not None and handoff.queue == "borgerservice"


def test_asked_for_json_the_next_step_names_the_hand_off_to_look_up(asterisk):
    with asterisk() as (base, services):
        channel = AsteriskChannel(base)
        channel.wait_for_prompt("menu_only")
        channel.press("0")
        step = channel.next(accept="application/json")
        assert step == {
            "action": "transfer",
            "queue": "borgerservice",
            "sip": None,  # the shipped index.yaml names no SIP address
            "handoff": "ast-" + channel.uniqueid,
            "apologise": False,
        }
        assert HandoffStore(services.redis).load(step["handoff"]) is not None


def test_a_spoken_question_is_answered_and_the_call_hung_up(asterisk, speech):
    with asterisk(ScriptedModel("jeg skal forny mit kørekort", "nej tak")) as (base, services):
        channel = AsteriskChannel(base)
        channel.wait_for_prompt("ask")
        channel.say(speech)
        channel.wait_for_prompt("anything_else")
        channel.say(speech)
        assert channel.next() == "hangup"
        assert channel.prompt_ids() == ["greeting", "ask", "koerekort", "anything_else", "goodbye"]
        assert "FLUSH_MEDIA" not in channel.commands
        assert (record(services, channel).outcome, record(services, channel).topic) == (
            "resolved",
            "koerekort",
        )


def test_barge_in_flushes_the_audio_asterisk_has_queued(asterisk, speech):
    with asterisk(ScriptedModel("jeg skal forny mit kørekort", "nej tak")) as (base, services):
        channel = AsteriskChannel(base, fmt="ulaw")
        channel.wait_for_prompt("ask")
        channel.hold = True
        channel.say(speech)
        channel.wait_for_prompt("anything_else")  # queued in Asterisk, not yet played
        channel.say(speech)  # the caller talks over the answer
        channel.wait_for(lambda: "FLUSH_MEDIA" in channel.commands)
        channel.wait_for_prompt("goodbye")
        channel.release()
        assert channel.next() == "hangup"


def test_json_control_messages_work_as_the_plain_text_ones(asterisk):
    with asterisk() as (base, services):
        channel = AsteriskChannel(base, json=True)
        channel.wait_for_prompt("menu_only")
        channel.press("0")
        assert channel.next() == "transfer borgerservice"


def test_hanging_up_during_the_only_answer_is_abandoned(asterisk, speech):
    with asterisk(ScriptedModel("jeg skal forny mit kørekort")) as (base, services):
        channel = AsteriskChannel(base)
        channel.wait_for_prompt("ask")
        channel.hold = True
        channel.say(speech)
        channel.wait_for_prompt("anything_else")
        channel.ws.close()  # the caller hangs up: Asterisk closes the channel's socket
        kpi = KpiStore(services.redis)
        channel.wait_for(lambda: kpi.is_recorded("ast-" + channel.uniqueid))
        assert record(services, channel).outcome == "abandoned"


def test_media_xoff_holds_our_audio_until_xon(asterisk):
    with asterisk() as (base, services):
        channel = AsteriskChannel(base)
        channel.wait_for_prompt("menu_only")
        channel.control("MEDIA_XOFF")  # Asterisk's queue is nearly full
        channel.press("0")  # the transfer prompt is ready to go, but must wait
        time.sleep(0.5)
        assert "transfer" not in channel.prompt_ids()
        assert channel.commands[-1] == "STOP_MEDIA_BUFFERING 2:menu_only"
        channel.control("MEDIA_XON")
        channel.wait_for_prompt("transfer")
        assert channel.next() == "transfer borgerservice"


def test_malformed_messages_are_ignored_and_the_call_goes_on(asterisk):
    with asterisk() as (base, services):
        channel = AsteriskChannel(base)
        junk = ["", "DTMF_END digit:x", "DTMF_END", "MEDIA_START format:opus", "{", "[]"]
        junk += ['{"event": 5}', "x" * 5000, "MEDIA_BUFFERING_COMPLETED 99:nothing"]
        for message in junk:
            channel.send(message)
        channel.send(b"\x00" * 100_000)  # far larger than any frame Asterisk sends
        channel.wait_for_prompt("menu_only")
        channel.press("0")
        assert channel.next() == "transfer borgerservice"


@pytest.mark.parametrize("headers", [{}, auth("forkert-kode-0123456789")])
def test_asterisk_routes_need_the_password(asterisk, headers):
    with asterisk() as (base, services):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(
                base.replace("http", "ws") + "/asterisk/media?call=1.1", header=headers, timeout=5
            )
        assert refused.value.status_code == 401
        r = requests.post(f"{base}/asterisk/calls/1.1/next", headers=headers, timeout=5)
        assert r.status_code == 401


def test_without_a_password_there_are_no_asterisk_routes_and_without_a_token_no_twilio_ones(
    phone, phone_settings
):
    with phone(None) as (base, services):
        assert requests.post(base + "/asterisk/calls/1.1/next", timeout=5).status_code == 404
    asterisk_only = phone_settings.with_(asterisk_password=PASSWORD, twilio_auth_token=None)
    with phone(None, settings=asterisk_only) as (base, services):
        assert requests.post(base + "/twilio/voice", timeout=5).status_code == 404
        r = requests.post(f"{base}/asterisk/calls/1.1/next", headers=auth(), timeout=5)
        assert r.status_code == 200


def test_a_bad_unique_id_is_a_400(asterisk):
    with asterisk() as (base, services):
        r = requests.post(f"{base}/asterisk/calls/a%20b/next", headers=auth(), timeout=5)
        assert r.status_code == 400 and "UNIQUEID" in r.text
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            url = base.replace("http", "ws") + "/asterisk/media?call=a%20b"
            websocket.create_connection(url, header=auth(), timeout=5)
        assert refused.value.status_code == 400


def test_a_trailing_newline_is_no_unique_id_and_no_caller(asterisk):
    with asterisk() as (base, services):
        r = requests.post(f"{base}/asterisk/calls/1.1%0a/next", headers=auth(), timeout=5)
        assert r.status_code == 400 and "UNIQUEID" in r.text
        channel = AsteriskChannel(base, call="1764300000.8", caller="+4520123456\n")
        channel.wait_for_prompt("menu_only")
        assert HandoffStore(services.redis).caller("ast-1764300000.8") is None


def test_a_call_with_no_state_goes_to_a_person(asterisk):
    with asterisk() as (base, services):
        r = requests.post(f"{base}/asterisk/calls/1764300000.99/next", headers=auth(), timeout=5)
        assert r.text.strip() == "transfer borgerservice"


def test_a_callback_confirmed_on_an_asterisk_call_is_created_by_the_worker(asterisk):
    # Asterisk's UNIQUEID has a dot, which rq refuses in a job id: the request used to vanish.
    with asterisk(at=CLOSED) as (base, services):
        channel = AsteriskChannel(base, call="1764300000.42")
        channel.wait_for_prompt("menu_only")
        for key in "01" + "20123456#" + "1":  # a person → closed: a callback? yes, this one
            channel.press(key)
        channel.wait_for(lambda: services.spool.pending() or _queued(services))
        SimpleWorker(
            [Queue(QUEUE_NAME, connection=services.redis)], connection=services.redis
        ).work(burst=True)
        made = CallbackStore(services.redis).get("ast-1764300000.42")
        assert made is not None and made.number == "20123456"
        assert services.spool.pending() == 0 and services.live.enqueue_failures == 0


def _queued(services):
    return Queue(QUEUE_NAME, connection=services.redis).count > 0
