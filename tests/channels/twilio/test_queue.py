"""Waiting in a contact-centre queue: position, time-out, callback instead, hang-up counted."""

from xml.etree import ElementTree

import requests
from rq import Queue, SimpleWorker

from app.jobs.queue import QUEUE_NAME
from app.outcomes.callbacks import CallbackStore
from app.outcomes.kpi.store import KpiStore
from tests.twilio import PUBLIC_BASE, ScriptedModel, handed_over, sign


def post(base, path, form, query=""):
    url = f"{path}?{query}" if query else path
    response = requests.post(
        base + url, data=form, headers=sign(PUBLIC_BASE + url, form), timeout=10
    )
    assert response.status_code == 200, response.text
    return ElementTree.fromstring(response.content)


def test_the_queue_tells_its_wait_and_result_urls(phone):
    with phone(ScriptedModel("jeg skal forny mit kørekort", "menneske")) as (base, _):
        _, doc = handed_over(base)
        enqueue = doc.find("Enqueue")
        assert enqueue.attrib["waitUrl"] == PUBLIC_BASE + "/twilio/wait"
        assert enqueue.attrib["action"] == PUBLIC_BASE + "/twilio/queue-result?queue=borgerservice"


def test_waiting_callers_hear_their_place_then_leave_after_the_time_out(phone, phone_settings):
    with phone(ScriptedModel(), settings=phone_settings.with_(queue_timeout_seconds=300)) as (
        base,
        _,
    ):
        form = {"CallSid": "CA" + "5" * 32, "QueuePosition": "3", "QueueTime": "40"}
        assert post(base, "/twilio/wait", form).find("Say").text.startswith("Du er nummer 3 i køen")
        assert post(base, "/twilio/wait", {**form, "QueueTime": "301"}).find("Leave") is not None


def test_hanging_up_in_the_queue_is_counted_once(phone):
    with phone(ScriptedModel("jeg skal forny mit kørekort", "menneske")) as (base, services):
        call, _ = handed_over(base)
        form = {"CallSid": call.call_sid, "QueueResult": "hangup", "QueueTime": "95"}
        assert (
            post(base, "/twilio/queue-result", form, "queue=borgerservice").find("Hangup")
            is not None
        )
        post(base, "/twilio/queue-result", form, "queue=borgerservice")  # repeated by Twilio
        (record,) = KpiStore(services.redis).records()
        assert (record.outcome, record.queue_result) == ("transferred", "abandoned_in_queue")
        today = KpiStore(services.redis).counters(record.ended_at.date().isoformat())
        assert today["queue_result:abandoned_in_queue"] == 1
        assert today["queue:borgerservice"] == 1


def test_after_the_time_out_one_key_makes_a_callback_request(phone):
    with phone(ScriptedModel("jeg skal forny mit kørekort", "menneske")) as (base, services):
        jobs = Queue(QUEUE_NAME, connection=services.redis)
        jobs.empty()
        call, _ = handed_over(base)
        left = {"CallSid": call.call_sid, "QueueResult": "leave", "QueueTime": "601"}
        offer = post(base, "/twilio/queue-result", left, "queue=borgerservice")
        gather = offer.find("Gather")
        assert gather.attrib["action"] == PUBLIC_BASE + "/twilio/callback-offer?queue=borgerservice"
        assert "Tryk 1" in gather.find("Say").text

        again = post(
            base,
            "/twilio/callback-offer",
            {"CallSid": call.call_sid, "Digits": "2"},
            "queue=borgerservice",
        )
        assert again.find("Enqueue").text == "borgerservice"

        done = post(
            base,
            "/twilio/callback-offer",
            {"CallSid": call.call_sid, "Digits": "1"},
            "queue=borgerservice",
        )
        assert done.find("Hangup") is not None
        SimpleWorker([jobs], connection=services.redis).work(burst=True)
        (request,) = CallbackStore(services.redis).open_requests()
        assert (request.number, request.about) == ("+4512345678", "at forny dit kørekort")


def test_an_agent_dequeuing_the_caller_hears_the_whisper(phone):
    with phone(ScriptedModel("jeg skal forny mit kørekort", "menneske")) as (base, _):
        call, _ = handed_over(base)
        # Twilio fetches <Dial><Queue url> with the dequeued caller as CallSid.
        form = {"CallSid": call.call_sid, "QueueSid": "QU1", "DequeingCallSid": "CA" + "7" * 32}
        spoken = post(base, "/twilio/whisper", form).find("Say")
        assert spoken.text.startswith("Borgeren spørger om fornyelse af kørekort")
