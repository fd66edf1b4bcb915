"""Our signature check against twilio-python's, and every way a request can be refused."""

import pytest
import requests
import websocket
from twilio.request_validator import RequestValidator

from app.channels.call_store import CallStore
from app.channels.twilio import signature
from tests.twilio import AUTH_TOKEN, PUBLIC_BASE, ScriptedModel, TwilioCall, sign

FORM = {"CallSid": "CA" + "1" * 32, "From": "+4512345678", "To": "+4543353000", "AccountSid": "AC1"}


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (PUBLIC_BASE + "/twilio/voice", FORM),
        (PUBLIC_BASE + "/twilio/voice?x=1&y=æ", FORM),
        (PUBLIC_BASE + "/twilio/status", {"CallSid": "CA1", "CallStatus": "completed", "Z": "å ø"}),
        ("wss://voicebot.example.dk/twilio/stream", {}),
    ],
)
def test_our_signature_is_twilio_pythons(url, params):
    assert signature.compute(AUTH_TOKEN, url, {k: [v] for k, v in params.items()}) == (
        RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    )


def test_explicit_default_port_is_accepted_as_twilio_does():
    sent = RequestValidator(AUTH_TOKEN).compute_signature("https://voicebot.example.dk:443/x", {})
    assert signature.is_valid(AUTH_TOKEN, "https://voicebot.example.dk/x", {}, sent)


@pytest.mark.parametrize("header", ["\ud850x", "\udcff", "æøå", "\x00"])
def test_any_header_text_is_refused_not_an_error(header):
    """Found by the fuzzer: a lone surrogate in the header once raised (a 500)."""
    assert signature.is_valid(AUTH_TOKEN, PUBLIC_BASE + "/twilio/voice", FORM, header) is False


def test_empty_signature_or_token_never_validates():
    assert not signature.is_valid(AUTH_TOKEN, PUBLIC_BASE, {}, "")
    assert not signature.is_valid("", PUBLIC_BASE, {}, signature.compute("", PUBLIC_BASE))


def post(base, path, form, headers):
    return requests.post(base + path, data=form, headers=headers, timeout=10)


@pytest.mark.parametrize("path", ["/twilio/voice", "/twilio/after-stream", "/twilio/status"])
def test_unsigned_and_wrongly_signed_webhooks_get_403_and_change_nothing(phone, path):
    with phone(ScriptedModel()) as (base, services):
        before = set(services.redis.keys("*"))
        assert post(base, path, FORM, {}).status_code == 403
        wrong = sign(PUBLIC_BASE + path, {**FORM, "From": "+4587654321"})
        assert post(base, path, FORM, wrong).status_code == 403
        assert set(services.redis.keys("*")) == before


def test_a_signature_replayed_to_another_url_is_refused(phone):
    with phone(ScriptedModel()) as (base, services):
        for_status = sign(PUBLIC_BASE + "/twilio/status", FORM)
        assert post(base, "/twilio/voice", FORM, for_status).status_code == 403


def test_signature_for_the_internal_host_is_refused_behind_a_proxy(phone):
    """Twilio signs the public URL; a request signed for the proxy's upstream is not Twilio's."""
    with phone(ScriptedModel()) as (base, services):
        internal = sign(base + "/twilio/voice", FORM)
        assert post(base, "/twilio/voice", FORM, internal).status_code == 403
        proxied = {
            **sign(PUBLIC_BASE + "/twilio/voice", FORM),
            "X-Forwarded-Proto": "http",
            "Host": "internal:8000",
        }
        assert post(base, "/twilio/voice", FORM, proxied).status_code == 200


def test_malformed_call_sid_is_a_400(phone):
    with phone(ScriptedModel()) as (base, services):
        form = {**FORM, "CallSid": "x"}
        assert (
            post(base, "/twilio/voice", form, sign(PUBLIC_BASE + "/twilio/voice", form)).status_code
            == 400
        )


def test_unsigned_websocket_upgrade_is_refused(phone):
    with phone(ScriptedModel()) as (base, services):
        local = base.replace("http://", "ws://") + "/twilio/stream"
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(local, timeout=5)
        assert refused.value.status_code == 403
        signed_for_voice = sign(PUBLIC_BASE + "/twilio/voice")
        with pytest.raises(websocket.WebSocketBadStatusException):
            websocket.create_connection(local, header=signed_for_voice, timeout=5)


def test_a_stream_token_works_once(phone):
    with phone(ScriptedModel()) as (base, services):
        call = TwilioCall(base)
        call.dial()
        call.wait_for_prompt("ask")
        assert CallStore(services.redis).redis.get(f"call:{call.call_sid}:token") is None
        replay = TwilioCall(base, call_sid=call.call_sid)
        replay.connect("wss://voicebot.example.dk/twilio/stream", call.params)
        assert replay.closed.wait(5)
        assert replay.prompts == []


def test_redis_down_still_gets_the_caller_to_a_person_quickly(phone, phone_settings):
    import time

    down = phone_settings.with_(redis_url="redis://127.0.0.1:1/0")
    with phone(ScriptedModel(), settings=down) as (base, services):
        started = time.monotonic()
        response = post(base, "/twilio/voice", FORM, sign(PUBLIC_BASE + "/twilio/voice", FORM))
        assert time.monotonic() - started < 3
        assert response.status_code == 200
        from xml.etree import ElementTree

        assert ElementTree.fromstring(response.content).find("Enqueue").text == "borgerservice"
