"""Property-based fuzzing: thousands of generated requests, never a 5xx, refusals change nothing.

Bounded: each property has a fixed example count (printed at the end of the run) and no
deadline per example; everything stays in-process against a real Redis.
"""

import json
import string
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.channels.twilio import stream as twilio_stream
from app.channels.twilio.socket import _serve_stream
from app.outcomes.handoff import HandoffStore
from app.protocols import chan_websocket
from app.webapp import create_app
from app.wiring import Services
from tests.conftest import OPEN
from tests.staff_app import PUBLIC_BASE, ScriptedModel, log_in, sign, twilio_post

API_TOKEN = "api-token-" + "t" * 32


@pytest.fixture
def api_client(app_settings, redis):
    """The hand-off API on, with a caller's number stored beside a call's hand-off key."""
    settings = app_settings.with_(api_token=API_TOKEN)
    services = Services(settings, clock=lambda: OPEN, speech_model=ScriptedModel())
    HandoffStore(redis).remember_caller("CA" + "0" * 32, "+4512345678")
    yield create_app(settings, services).test_client()
    services.close()


FUZZED: Counter = Counter()
"""Generated inputs per target; printed by conftest at the end of the run."""


def fuzz(examples):
    """A fixed number of generated inputs, the same every run, no per-example deadline."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


WEBHOOKS = [
    "/twilio/voice",
    "/twilio/after-stream",
    "/twilio/status",
    "/twilio/whisper",
    "/twilio/wait",
    "/twilio/queue-result",
    "/twilio/callback-offer",
]
FIELDS = [
    "CallSid",
    "ParentCallSid",
    "From",
    "To",
    "CallStatus",
    "QueueTime",
    "QueuePosition",
    "QueueResult",
    "Digits",
    "AccountSid",
]
nasty_text = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "",
            "CA" + "0" * 32,
            "CA" + "f" * 32,
            "CA1\nINFO forged",
            "120385-1234",
            "+4512345678",
            "-1",
            "1e9",
            "٣",
            "\x00",
            "a" * 5000,
            "completed",
            "hangup",
            "leave",
            "1",
            "../../etc/passwd",
        ]
    ),
)
forms = st.dictionaries(st.sampled_from(FIELDS), nasty_text, max_size=6)
header_text = st.text(st.characters(blacklist_characters="\r\n"), max_size=40)
"""What an HTTP client can send in a header (no line breaks)."""
queries = st.one_of(st.just(""), st.builds(lambda q: f"queue={q}", st.text(max_size=20)))


def snapshot(redis):
    """Everything requests could write. The intent set is left out: after each flush below, the
    app's follower thread stores its set again (as the first node on an empty Redis does)."""
    keys = (k for k in redis.scan_iter(count=1000) if not k.startswith(b"intents:"))
    return {k: redis.dump(k) for k in keys}


def fresh(redis):
    """Each example starts from an empty store, so comparing snapshots stays cheap."""
    redis.flushdb()
    return snapshot(redis)


@fuzz(1500)
@given(path=st.sampled_from(WEBHOOKS), form=forms, query=queries)
def test_signed_webhooks_never_fail_and_refusals_change_nothing(client, redis, path, form, query):
    FUZZED["signed webhook forms"] += 1
    before = fresh(redis)
    response = twilio_post(client, path, form, query.replace("&", "").replace("#", ""))
    assert response.status_code < 500, (path, form)
    if response.status_code >= 400:
        assert snapshot(redis) == before


@fuzz(800)
@given(
    path=st.sampled_from(WEBHOOKS),
    form=forms,
    signature=header_text,
)
def test_unsigned_webhooks_are_refused_without_a_trace(client, redis, path, form, signature):
    FUZZED["unsigned webhook forms"] += 1
    before = fresh(redis)
    response = client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert snapshot(redis) == before


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
deep_json = st.builds(
    lambda depth, kind: (
        ("[" * depth + "]" * depth) if kind else '{"a":' * depth + "1" + "}" * depth
    ),
    st.integers(min_value=900, max_value=20_000),
    st.booleans(),
)
"""Nesting past Python's stack: json.loads raises RecursionError, which is no ValueError."""
surrogate_text = st.text(
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=4
).map(lambda t: "hej " + t)
"""Lone surrogates, which JSON's \\ud800 escapes can carry and UTF-8 cannot encode."""
messages = st.one_of(
    deep_json,
    st.binary(max_size=300),
    st.text(max_size=300),
    json_values.map(json.dumps),
    st.fixed_dictionaries(
        {
            "event": st.sampled_from(["start", "media", "dtmf", "mark", "stop", "connected"]),
            "start": json_values,
            "media": st.one_of(json_values, st.fixed_dictionaries({"payload": st.text()})),
            "dtmf": st.one_of(json_values, st.fixed_dictionaries({"digit": st.text(max_size=3)})),
            "mark": json_values,
        }
    ).map(json.dumps),
)


@fuzz(2000)
@given(message=messages)
def test_stream_messages_parse_to_an_event_or_a_protocol_error(message):
    FUZZED["stream messages parsed"] += 1
    try:
        twilio_stream.parse(message)
    except twilio_stream.ProtocolError:
        pass


class FakeSocket:
    """What flask-sock gives the stream view: receive with a timeout, send."""

    def __init__(self, incoming):
        self.incoming = list(incoming)
        self.sent = []

    def receive(self, timeout=None):
        if not self.incoming:
            raise ConnectionError("closed")  # as simple-websocket does when the peer is gone
        return self.incoming.pop(0)

    def send(self, message):
        self.sent.append(message)


def start_message(token):
    sid = "CA" + "e" * 32
    start = {"streamSid": "MZ1", "callSid": sid, "customParameters": {"token": token}}
    return json.dumps({"event": "start", "start": start})


digits = st.sampled_from(list("0123456789*#"))
valid_events = st.one_of(
    st.builds(lambda d: json.dumps({"event": "dtmf", "dtmf": {"digit": d}}), digits),
    st.just(json.dumps({"event": "media", "media": {"payload": "/////w=="}})),
    st.builds(lambda n: json.dumps({"event": "mark", "mark": {"name": n}}), st.text(max_size=8)),
)


@fuzz(300)
@given(stream=st.lists(st.one_of(messages, valid_events), max_size=25))
def test_a_call_survives_any_message_stream(app, redis, stream):
    FUZZED["stream sessions"] += 1
    FUZZED["stream messages in sessions"] += len(stream)
    from app.channels.call_store import CallStore

    with app.app_context():
        token = CallStore(app.extensions["voicebot"].redis).issue_token("CA" + "e" * 32)
        socket = FakeSocket([start_message(token), *stream, json.dumps({"event": "stop"})])
        try:
            _serve_stream(socket)
        except ConnectionError:
            pass  # the fake peer went away before the stop: the loop ends as on a real socket
    assert all(json.loads(m)["event"] in ("media", "mark", "clear") for m in socket.sent)


login_text = st.one_of(st.text(max_size=40), st.sampled_from(["anna", "bo", "", "a" * 3000]))


@fuzz(150)  # each login checks an scrypt hash on purpose (~0.1 s)
@given(user=login_text, password=login_text, next_path=st.one_of(st.none(), st.text(max_size=40)))
def test_login_form_never_fails_nor_leaves_the_site(client, redis, user, password, next_path):
    FUZZED["login forms"] += 1
    redis.delete(*redis.keys("staff:login-failures:*") or ["none"])
    response = log_in(client, user, password, next_path)
    assert response.status_code in (200, 302, 401, 413, 429)
    if response.status_code == 302:
        assert response.headers["Location"].startswith(("/agent/", "/admin/"))


dates = st.one_of(st.text(max_size=12), st.dates().map(str), st.sampled_from(["0001-01-01"]))


@fuzz(300)
@given(since=dates, until=dates, chart=st.sampled_from(["days", "hours", "topics", "x", "../x"]))
def test_admin_periods_and_charts_never_fail(client, since, until, chart):
    FUZZED["admin period queries"] += 1
    if not client.get_cookie("session"):
        log_in(client)
    query = {"since": since, "until": until}
    assert client.get("/admin/", query_string=query).status_code < 500
    assert client.get(f"/admin/charts/{chart}.svg", query_string=query).status_code < 500


@fuzz(100)
@given(
    item=st.text(alphabet=string.ascii_letters + string.digits + "./%", max_size=20),
    form=st.dictionaries(
        st.sampled_from(["intent", "field", "text", "confirmed", "csrf"]), nasty_text, max_size=5
    ),
    action=st.sampled_from(["promote", "dismiss"]),
)
def test_review_forms_never_fail_and_bad_csrf_changes_nothing(
    client, redis, app_settings, item, form, action
):
    FUZZED["admin review forms"] += 1
    if not client.get_cookie("session"):
        log_in(client)
    files = {p.name: p.read_bytes() for p in app_settings.intents_dir.glob("*.yaml")}
    before = snapshot(redis)
    response = client.post(f"/admin/review/{item}/{action}", data=form)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert snapshot(redis) == before
    assert {p.name: p.read_bytes() for p in app_settings.intents_dir.glob("*.yaml")} == files


@fuzz(200)
@given(callback=st.text(max_size=30), token=header_text)
def test_agent_actions_never_fail(client, callback, token):
    FUZZED["agent actions"] += 1
    if not client.get_cookie("session"):
        log_in(client, "bo", "rigtig-lang-kode-2")
    response = client.post(
        f"/agent/callbacks/{callback}/done".replace("?", "%3F").replace("#", "%23"),
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code < 500


def test_the_websocket_upgrade_is_signed_without_a_body(client):
    headers = sign(PUBLIC_BASE.replace("https", "wss") + "/twilio/stream")
    assert client.get("/twilio/stream", headers=headers).status_code < 500


chat_bodies = st.one_of(
    deep_json,
    st.builds(lambda t: json.dumps({"text": t}), surrogate_text),
    st.builds(lambda t: json.dumps({"choice": t}), surrogate_text),
    st.builds(lambda t: json.dumps({"session": t, "text": "hej"}), surrogate_text),
    json_values.map(json.dumps),
    st.builds(lambda v: json.dumps({"text": v}), json_values),
)


@fuzz(300)
@given(body=chat_bodies)
def test_chat_api_answers_any_body_with_a_reply_or_a_400(client, body):
    FUZZED["chat API bodies"] += 1
    response = client.post("/chat/api/messages", data=body, content_type="application/json")
    assert response.status_code in (200, 400, 413, 429), body[:80]
    assert response.is_json


asterisk_texts = st.one_of(
    deep_json,
    st.text(max_size=200),
    st.builds(
        lambda size: f"MEDIA_START connection_id:x channel:y format:ulaw optimal_frame_size:{size}",
        st.one_of(st.text(max_size=6), st.sampled_from(["²", "١٢٣", "0", "-1", "99999", "1e3"])),
    ),
    st.builds(
        lambda v: json.dumps({"event": "MEDIA_START", "format": "ulaw", "optimal_frame_size": v}),
        json_values,
    ),
)


@fuzz(1000)
@given(text=asterisk_texts)
def test_asterisk_control_messages_parse_to_an_event_or_a_protocol_error(text):
    FUZZED["asterisk control messages parsed"] += 1
    try:
        chan_websocket.parse(text)
    except chan_websocket.ProtocolError:
        pass


@fuzz(200)
@given(
    call=st.one_of(
        st.text(max_size=40),
        st.sampled_from(["CA" + "0" * 32 + ":caller", "x:callback-to", "..", "CA1%0a"]),
    )
)
def test_the_handoff_api_answers_any_id_with_json_or_a_4xx(api_client, call):
    FUZZED["hand-off API ids"] += 1
    path = "/api/handoffs/" + call.replace("?", "%3F").replace("#", "%23").replace("/", "%2F")
    response = api_client.get(path, headers={"Authorization": "Bearer " + API_TOKEN})
    assert response.status_code < 500, call
