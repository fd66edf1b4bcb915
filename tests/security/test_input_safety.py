"""Refused input changes nothing, logs nothing personal, and never costs a 5xx."""

import json
import logging

import pytest
import yaml

from app.core.call import Hangup, Heard, HungUp, Keypad, RequestCallback
from app.intents.catalogue import load_intents
from app.intents.versions import SharedIntents
from app.jobs.callbacks import enqueue_callback
from app.outcomes.review.promote import promote
from tests.conftest import CLOSED
from tests.staff_app import log_in, twilio_post
from tests.twilio import PUBLIC_BASE, sign

CALL = "CA" + "ab" * 16


def test_rejected_webhooks_log_no_form_values(client, caplog):
    forged = {"CallSid": "CA1\nINFO forged line 120385-1234", "From": "+4512345678"}
    with caplog.at_level(logging.INFO):
        assert client.post("/twilio/voice", data=forged).status_code == 403
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "forged" not in logged and "120385" not in logged and "4512345678" not in logged


def test_a_malformed_call_sid_is_400_even_when_signed(client):
    for sid in ("CA1\nX", "CA" + "z" * 32, "CA0102031234", ""):
        assert twilio_post(client, "/twilio/voice", {"CallSid": sid}).status_code == 400


def test_only_a_real_websocket_upgrade_is_checked_without_its_body(client, redis):
    form = {"CallSid": CALL, "From": "+4512345678"}
    bodyless = sign(PUBLIC_BASE + "/twilio/voice")  # what an upgrade would be signed as
    upgrade = {**bodyless, "Upgrade": "websocket"}
    assert client.post("/twilio/voice", data=form, headers=upgrade).status_code == 403
    with_connection = {**upgrade, "Connection": "Upgrade"}
    assert client.post("/twilio/voice", data=form, headers=with_connection).status_code in (
        400,
        403,
    )
    assert redis.keys(f"*{CALL}*") == []


def test_oversized_bodies_are_refused(client):
    big = {"CallSid": CALL, "Junk": "x" * (10 * 1024 * 1024)}
    assert client.post("/twilio/voice", data=big).status_code == 413


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"QueueTime": "abc"}, 400),
        ({"QueueTime": "1e9"}, 400),
        ({"QueueTime": "-5"}, 400),
        ({"QueuePosition": "٣"}, 400),  # an Arabic-Indic three is a digit to Python, not to us
        ({"QueueTime": "40", "QueuePosition": "3"}, 200),
    ],
)
def test_queue_wait_validates_its_numbers(client, form, status):
    assert twilio_post(client, "/twilio/wait", {"CallSid": CALL, **form}).status_code == status


def test_a_queue_name_in_the_action_url_must_be_one_we_route_to(client):
    form = {"CallSid": CALL, "Digits": "2"}
    body = twilio_post(client, "/twilio/callback-offer", form, "queue=evil").get_data(as_text=True)
    assert "evil" not in body and "borgerservice" in body


@pytest.mark.parametrize("until", ["0001-01-01", "9999-12-31", "2026-13-01", "x"])
def test_admin_period_outside_reason_is_400(client, until):
    log_in(client)
    assert client.get(f"/admin/?until={until}").status_code == 400


@pytest.fixture
def intents_copy(tmp_path):
    import shutil

    from tests.conftest import INTENTS_DIR

    shutil.copytree(INTENTS_DIR.parent, tmp_path / "intents")
    return tmp_path / "intents" / "da"


@pytest.fixture
def library(intents_copy, redis):
    return SharedIntents(intents_copy, redis)


@pytest.mark.parametrize("intent", ["../../x", "/etc/x", "pas/../../x", "PAS", "findes_ikke"])
def test_promotion_accepts_only_ids_of_the_loaded_set(library, tmp_path, intent):
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(ValueError, match="no intent"):
        promote(library, intent, "mit pas er væk", "examples", "anna")
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


@pytest.mark.parametrize("text", ["yes", "no", "on", "off", "12:30", "null", "true", "0o12"])
def test_promoted_yaml_reads_back_as_the_text_written(library, intents_copy, text):
    promote(library, "pas", text, "tests", "anna")
    assert load_intents(intents_copy).intents["pas"].tests[-1] == text
    assert yaml.safe_load((intents_copy / "pas.yaml").read_text())["tests"][-1] == text


@pytest.mark.parametrize("text", ["mit pas\u202e er væk", "pas\x00", "pas\nid: x", "   "])
def test_invisible_and_control_characters_are_refused_in_words(library, text):
    with pytest.raises(ValueError, match="Teksten"):
        promote(library, "pas", text, "examples", "anna")


def test_a_promotion_leaves_only_intent_files_in_the_intents(client, app_settings, redis):
    from app.outcomes.review.store import ReviewStore

    item = ReviewStore(redis, 30, str).add("mit pas er blevet væk i toget", "none", None, CLOSED)
    log_in(client)
    with client.session_transaction() as session:
        csrf = session["csrf"]
    form = {"csrf": csrf, "intent": "pas", "field": "tests", "confirmed": "1"}
    client.post(f"/admin/review/{item}/promote", data=form)
    assert "mit pas er blevet væk i toget" in (app_settings.intents_dir / "pas.yaml").read_text()
    assert {p.suffix for p in app_settings.intents_dir.parent.rglob("*") if p.is_file()} <= {
        ".yaml",
        ".txt",
        ".tsv",  # intents/eval: the evaluation sets
    }


def test_a_keyed_callback_number_leaves_with_the_call(flow_at):
    flow = flow_at(CLOSED)
    call = flow.start("CA1").call
    call = flow.step(call, Keypad("0")).call
    call = flow.step(call, Heard("ja")).call
    for digit in "20123456#":
        call = flow.step(call, Keypad(digit)).call
    assert call.callback_to == "20123456"
    ended = flow.step(call, HungUp()).call
    assert (ended.callback_to, ended.keyed) == (None, "")
    assert "20123456" not in json.dumps(ended.to_dict())
    assert not any(isinstance(a, Hangup) for a in flow.step(call, HungUp()).actions)


def test_callback_jobs_carry_ids_not_numbers(redis):
    enqueue_callback(redis, CALL, RequestCallback("20123456", None, "dit pas"), "borgerservice")
    job = redis.keys("rq:job:callback-*")
    (key,) = job
    assert b"20123456" not in b"".join(v for v in redis.hgetall(key).values())
