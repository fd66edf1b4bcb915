"""Each way to hand a call over, as Twilio receives it from /twilio/after-stream."""

import json

import requests

from tests.twilio import PUBLIC_BASE, ScriptedModel, handed_over, sign


def transfer(phone, settings, said="jeg skal forny mit kørekort"):
    with phone(ScriptedModel(said, "jeg vil tale med en medarbejder"), settings=settings) as (
        base,
        _,
    ):
        call, doc = handed_over(base)
        return doc, call, base


def test_plain_queue_mode_enqueues_by_name(phone, phone_settings):
    doc, _, _ = transfer(phone, phone_settings)
    assert doc.find("Enqueue").text == "borgerservice"


def test_taskrouter_mode_passes_the_handoff_as_task_attributes(phone, phone_settings):
    settings = phone_settings.with_(transfer_mode="taskrouter", twilio_workflow_sid="WW" + "1" * 32)
    doc, call, _ = transfer(
        phone, settings, said="mit cpr er 120385-1234 jeg skal forny mit kørekort"
    )
    enqueue = doc.find("Enqueue")
    assert enqueue.attrib["workflowSid"] == "WW" + "1" * 32
    task = json.loads(enqueue.find("Task").text)
    assert task["call_sid"] == call.call_sid
    assert task["caller"] == "+4512345678"  # for the agent, here only
    assert task["queue"] == "borgerservice" and task["topic"] == "koerekort"
    assert task["reason"] == "requested"
    assert task["summary"].startswith("Borgeren spørger om fornyelse af kørekort")
    assert task["transcript"][0] == "mit cpr er [CPR] jeg skal forny mit kørekort"


def test_dial_mode_whispers_the_summary_to_whoever_answers(phone, phone_settings):
    settings = phone_settings.with_(transfer_mode="dial", transfer_number="+4543353000")
    model = ScriptedModel("jeg skal forny mit kørekort", "menneske")
    with phone(model, settings=settings) as (base, _):
        call, doc = handed_over(base)
        number = doc.find("./Dial/Number")
        assert number.text == "+4543353000"
        assert number.attrib["url"] == PUBLIC_BASE + "/twilio/whisper"

        form = {"CallSid": "CA" + "9" * 32, "ParentCallSid": call.call_sid}
        response = requests.post(
            base + "/twilio/whisper",
            data=form,
            headers=sign(PUBLIC_BASE + "/twilio/whisper", form),
            timeout=10,
        )
        from xml.etree import ElementTree

        spoken = ElementTree.fromstring(response.content).find("Say")
        assert spoken.attrib["language"] == "da-DK"
        assert spoken.text.startswith("Borgeren spørger om fornyelse af kørekort")
