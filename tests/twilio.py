"""A Twilio stand-in: signed webhooks and a real WebSocket client speaking Media Streams.

Its fixtures (phone_settings, phone, speech, clock_at) are registered for every test by the
root conftest (`pytest_plugins`); its helpers are imported by name.
"""

import base64
import json
import queue
import threading
import time
import uuid
from contextlib import contextmanager
from xml.etree import ElementTree

import pytest
import requests
import websocket
from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server

from app.config import Settings
from app.speech.codecs import wav_to_ulaw
from app.speech.pyttsx3_tts import Pyttsx3Synthesizer
from app.webapp import create_app
from app.wiring import Services
from tests.conftest import OPEN, wait_until

PUBLIC_BASE = "https://voicebot.example.dk"
AUTH_TOKEN = "test-auth-token-0123456789"
SILENCE = b"\xff" * 160  # 20 ms of μ-law silence
VALIDATOR = RequestValidator(AUTH_TOKEN)


def sign(url, params=None):
    """X-Twilio-Signature exactly as twilio-python computes it."""
    return {"X-Twilio-Signature": VALIDATOR.compute_signature(url, params or {})}


class ScriptedRecognizer:
    """Hears each turn as the next scripted transcript (the audio itself is ignored)."""

    streaming = True

    def __init__(self, script):
        self.script = script
        self.heard = 0

    def accept(self, pcm16):
        self.heard += len(pcm16)
        return self.script[0] if self.script and self.heard >= 3200 else ""

    def finish(self):
        self.heard = 0
        return self.script.pop(0) if self.script else ""


class ScriptedModel:
    sample_rate = 8000

    def __init__(self, *turns):
        self.turns = list(turns)

    def recognizer(self, vocabulary=None):
        return ScriptedRecognizer(self.turns)


@pytest.fixture
def phone_settings(redis, redis_url, prompt_cache_dir):
    return Settings.for_tests(
        redis_url=redis_url,
        data_dir=prompt_cache_dir,
        prompt_cache_dir=prompt_cache_dir / "prompts",  # kept when a test moves DATA_DIR
        model_cache_dir=prompt_cache_dir / "models",
        public_base_url=PUBLIC_BASE,
        twilio_auth_token=AUTH_TOKEN,
    )


@pytest.fixture(scope="session")
def speech():
    """Danish speech as 8 kHz μ-law: enough for the VAD to hear a caller talking."""
    return wav_to_ulaw(Pyttsx3Synthesizer("da").synthesize("jeg skal forny mit kørekort"))


@contextmanager
def served(app, port=0):
    """The app behind a real threaded WSGI server on a loopback port (0: a free one)."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def phone(phone_settings, redis, clock_at):
    """Start a served app with a given speech model; yields (base_url, services)."""
    started = []

    @contextmanager
    def start(model=None, settings=None, at=None):
        """`model`: a speech model to use, or None; "settings" loads the one they configure."""
        given = {} if model == "settings" else {"speech_model": model}
        services = Services(settings or phone_settings, clock=clock_at(at or OPEN), **given)
        app = create_app(settings or phone_settings, services)
        with served(app) as base:
            started.append(services)
            yield base, services
        services.close()

    return start


@pytest.fixture
def clock_at():
    def make(moment):
        return lambda: moment

    return make


OPEN_CALLS = []


@pytest.fixture(autouse=True)
def hang_up_test_calls():
    yield
    while OPEN_CALLS:
        call = OPEN_CALLS.pop()
        if call.ws is not None:
            call.ws.close(timeout=0.5)
            call.ws.shutdown()  # close() does nothing once the server has closed the stream


class TwilioCall:
    """One call as Twilio places it: /voice, the stream, /after-stream, /status."""

    def __init__(self, base, call_sid=None, caller="+4512345678"):
        OPEN_CALLS.append(self)
        self.base = base
        self.call_sid = call_sid or "CA" + uuid.uuid4().hex
        self.form = {
            "CallSid": self.call_sid,
            "From": caller,
            "To": "+4543353000",
            "AccountSid": "AC1",
        }
        self.inbox = queue.Queue()
        self.prompts = []  # (mark name, audio bytes) in the order the bot played them
        self.cleared = 0
        self.hold_marks = False
        self.held = []
        self._audio = b""
        self.ws = None
        self.send_lock = threading.Lock()
        self.closed = threading.Event()

    def post(self, path, form=None):
        form = {**self.form, **(form or {})}
        return requests.post(
            self.base + path, data=form, headers=sign(PUBLIC_BASE + path, form), timeout=10
        )

    def dial(self):
        """POST /voice and open the stream the TwiML names, with its parameters."""
        response = self.post("/twilio/voice")
        assert response.status_code == 200, response.text
        doc = ElementTree.fromstring(response.content)
        stream = doc.find("./Connect/Stream")
        self.redirect = doc.find("./Redirect").text
        self.params = {p.attrib["name"]: p.attrib["value"] for p in stream.findall("Parameter")}
        self.connect(stream.attrib["url"], self.params)
        return doc

    def connect(self, public_stream_url, params, signature=None):
        local = self.base.replace("http://", "ws://") + "/twilio/stream"
        headers = signature if signature is not None else sign(public_stream_url)
        self.ws = websocket.create_connection(local, header=headers, timeout=10)
        threading.Thread(target=self._receive, daemon=True).start()
        self.send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        self.send(
            {
                "event": "start",
                "sequenceNumber": "1",
                "streamSid": "MZ" + self.call_sid[2:],
                "start": {
                    "streamSid": "MZ" + self.call_sid[2:],
                    "accountSid": "AC1",
                    "callSid": self.call_sid,
                    "tracks": ["inbound"],
                    "customParameters": params,
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                },
            }
        )

    def send(self, message):
        with self.send_lock:  # the receiver thread echoes marks while the test sends audio
            self.ws.send(json.dumps(message) if isinstance(message, dict) else message)

    def _receive(self):
        try:
            while True:
                raw = self.ws.recv()
                if not raw:
                    break
                message = json.loads(raw)
                if message["event"] == "media":
                    self._audio += base64.b64decode(message["media"]["payload"])
                elif message["event"] == "mark":
                    name = message["mark"]["name"]
                    if self.hold_marks:
                        self.held.append(name)
                    else:  # instant playback: echo the mark as Twilio does when audio has played
                        self.send({"event": "mark", "streamSid": "MZ", "mark": {"name": name}})
                    # Seen by the test only once echoed: audio it sends next must follow the echo.
                    self.prompts.append((name, self._audio))
                    self._audio = b""
                elif message["event"] == "clear":
                    self.cleared += 1
                self.inbox.put(message)
        except Exception:  # noqa: BLE001 - any way the socket ends, the call is over for us
            pass
        finally:
            self.closed.set()

    def audio(self, ulaw, pace=0.0):
        """Send audio as Twilio does: 20 ms a message, and no more once our server ended it."""
        for i in range(0, len(ulaw), 160):
            if self.closed.is_set():
                return
            try:
                self.send(
                    {
                        "event": "media",
                        "media": {"payload": base64.b64encode(ulaw[i : i + 160]).decode()},
                    }
                )
            except (OSError, websocket.WebSocketException):
                if self.closed.wait(1):  # the server closed the stream: the call is over
                    return
                raise
            if pace:
                time.sleep(pace)

    def silence(self, seconds, pace=0.0):
        self.audio(SILENCE * int(seconds * 50), pace)

    def turn(self):
        """A loud second and a pause: enough for the VAD to see one caller turn end."""
        self.audio(b"\x00" * 8000)
        self.silence(1)

    def say(self, ulaw, pace=0.0):
        """Speak, then pause long enough for the end of the turn."""
        self.audio(ulaw, pace)
        self.silence(1.0, pace)

    def press(self, digit):
        self.send(
            {"event": "dtmf", "streamSid": "MZ", "dtmf": {"track": "inbound_track", "digit": digit}}
        )

    def release_marks(self):
        for name in self.held:
            self.send({"event": "mark", "streamSid": "MZ", "mark": {"name": name}})
        self.held = []

    def hang_up(self):
        self.send(
            {
                "event": "stop",
                "sequenceNumber": "9",
                "streamSid": "MZ",
                "stop": {"accountSid": "AC1", "callSid": self.call_sid},
            }
        )

    def prompt_ids(self):
        return [name.split(":", 1)[1] for name, _ in self.prompts]

    def wait_for(self, predicate, timeout=15):
        return wait_until(predicate, timeout, lambda: f"; prompts so far: {self.prompt_ids()}")

    def wait_for_prompt(self, prompt_id, timeout=15):
        self.wait_for(lambda: prompt_id in self.prompt_ids(), timeout)

    def after_stream(self):
        """What Twilio does when our server closes the stream: follow the <Redirect>."""
        assert self.closed.wait(15), "server did not close the stream"
        response = self.post("/twilio/after-stream")
        assert response.status_code == 200
        return ElementTree.fromstring(response.content)

    def status(self, status="completed"):
        return self.post("/twilio/status", {"CallStatus": status, "CallDuration": "42"})


def handed_over(base):
    """A call that asks a question, then for a person: the call and the after-stream TwiML."""
    call = TwilioCall(base)
    call.dial()
    call.wait_for_prompt("ask")
    call.turn()
    call.wait_for_prompt("anything_else")
    call.turn()
    return call, call.after_stream()
