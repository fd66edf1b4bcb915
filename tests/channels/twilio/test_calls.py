"""Whole calls placed as Twilio places them, against the app on a real server."""

import time

from app.channels.call_store import CallStore
from app.outcomes.kpi.store import KpiStore
from tests.conftest import CLOSED
from tests.twilio import ScriptedModel, TwilioCall


def greeted(base):
    """A call that has been answered and asked what it is about."""
    call = TwilioCall(base)
    call.dial()
    call.wait_for_prompt("ask")
    return call


def outcome(services, call):
    (record,) = [r for r in KpiStore(services.redis).records() if r.call_id == call.call_sid]
    return record.outcome, record.reason


def test_question_answer_goodbye_is_resolved_and_hung_up(phone, speech):
    with phone(ScriptedModel("jeg skal forny mit kørekort", "nej tak")) as (base, services):
        call = greeted(base)
        call.say(speech)
        call.wait_for_prompt("anything_else")
        call.say(speech)
        call.wait_for_prompt("goodbye")
        doc = call.after_stream()
        assert doc.find("Hangup") is not None
        assert call.prompt_ids() == ["greeting", "ask", "koerekort", "anything_else", "goodbye"]
        assert all(len(audio) > 4000 for _, audio in call.prompts)  # real speech, > 0.5 s each
        assert outcome(services, call) == ("resolved", None)


def test_asking_for_a_person_ends_in_the_topic_queue(phone, speech):
    model = ScriptedModel("jeg skal forny mit kørekort", "jeg vil tale med en medarbejder")
    with phone(model) as (base, services):
        call = greeted(base)
        call.say(speech)
        call.wait_for_prompt("anything_else")
        call.say(speech)
        doc = call.after_stream()
        assert doc.find("Enqueue").text == "borgerservice"
        assert call.prompt_ids()[-1] == "transfer"
        assert outcome(services, call) == ("transferred", "requested")


def test_key_zero_transfers_at_any_time(phone):
    with phone(ScriptedModel()) as (base, services):
        call = greeted(base)
        call.press("0")
        assert call.after_stream().find("Enqueue") is not None
        assert outcome(services, call) == ("transferred", "requested")


def test_speech_after_a_prompt_has_played_clears_nothing(phone, speech):
    with phone(ScriptedModel("jeg skal forny mit kørekort", "nej tak")) as (base, services):
        call = greeted(base)
        call.say(speech)
        call.wait_for_prompt("anything_else")  # played at once: marks are echoed
        call.say(speech)
        call.wait_for_prompt("goodbye")
        assert call.cleared == 0


def test_barge_in_clears_the_audio_twilio_has_buffered(phone, speech):
    with phone(ScriptedModel("jeg skal forny mit kørekort", "nej tak")) as (base, services):
        call = greeted(base)
        call.hold_marks = True
        call.say(speech)
        call.wait_for_prompt("anything_else")  # queued at Twilio, not yet played
        call.say(speech)  # the caller talks over the answer
        call.wait_for(lambda: call.cleared == 1)
        call.wait_for_prompt("goodbye")
        call.release_marks()
        assert call.after_stream().find("Hangup") is not None


def test_the_greeting_notice_cannot_be_interrupted(phone, speech):
    with phone(ScriptedModel("jeg skal forny mit kørekort")) as (base, services):
        call = TwilioCall(base)
        call.hold_marks = True
        call.dial()
        call.wait_for_prompt("ask")  # greeting and question sent, neither played yet
        call.say(speech)
        call.silence(0.5)
        assert call.cleared == 0
        assert "koerekort" not in call.prompt_ids()


def test_a_key_cuts_through_the_greeting_at_once(phone):
    with phone(ScriptedModel()) as (base, services):
        call = TwilioCall(base)
        call.hold_marks = True  # nothing has finished playing: the greeting is still on
        call.dial()
        call.wait_for_prompt("greeting")
        pressed = time.monotonic()
        call.press("0")
        call.wait_for(lambda: call.cleared == 1 and "transfer" in call.prompt_ids(), timeout=1)
        assert time.monotonic() - pressed < 1.0
        call.release_marks()
        assert call.after_stream().find("Enqueue") is not None


def test_hanging_up_during_the_only_answer_is_abandoned(phone, speech):
    with phone(ScriptedModel("jeg skal forny mit kørekort")) as (base, services):
        call = greeted(base)
        call.hold_marks = True
        call.say(speech)
        call.wait_for_prompt("anything_else")
        call.hang_up()
        call.wait_for(lambda: KpiStore(services.redis).is_recorded(call.call_sid))
        assert outcome(services, call) == ("abandoned", None)


def test_hanging_up_after_hearing_an_answer_is_resolved(phone, speech):
    with phone(ScriptedModel("jeg skal forny mit kørekort")) as (base, services):
        call = greeted(base)
        call.say(speech)
        call.wait_for_prompt("anything_else")
        call.silence(0.2)
        call.hang_up()
        call.wait_for(lambda: KpiStore(services.redis).is_recorded(call.call_sid))
        assert outcome(services, call) == ("resolved", None)


def test_silence_is_reprompted_then_the_call_ends(phone):
    with phone(ScriptedModel()) as (base, services):
        call = greeted(base)
        call.silence(6.5)
        call.wait_for(lambda: call.prompt_ids()[-2:] == ["still_there", "ask"])
        call.silence(7.5)  # the reprompt is two prompts: count from after both have played
        call.wait_for_prompt("no_input_goodbye")
        assert call.after_stream().find("Hangup") is not None
        assert outcome(services, call) == ("no_input", None)


def test_after_hours_the_caller_hears_when_we_open_not_a_queue(phone, speech):
    with phone(ScriptedModel("en medarbejder tak", "nej tak", "nej tak"), at=CLOSED) as (
        base,
        services,
    ):
        call = greeted(base)
        call.say(speech)
        call.wait_for_prompt("callback_offer")
        call.say(speech)  # no callback, thanks
        call.wait_for_prompt("anything_else")
        call.say(speech)
        assert call.after_stream().find("Hangup") is not None
        assert outcome(services, call) == ("transferred", "closed")


def test_without_a_model_the_caller_gets_the_keypad_menu(phone):
    with phone(None) as (base, services):
        call = TwilioCall(base)
        call.dial()
        call.wait_for_prompt("menu_only")
        call.press("5")  # Kørekort: three needs, asked by key
        call.wait_for_prompt("choose")
        call.press("1")
        call.wait_for_prompt("koerekort")
        call.press("0")
        assert call.after_stream().find("Enqueue") is not None


def test_malformed_messages_are_ignored_and_the_call_goes_on(phone, speech):
    with phone(ScriptedModel("jeg skal forny mit kørekort")) as (base, services):
        call = greeted(base)
        for junk in [
            "not json",
            "{}",
            '{"event": "media"}',
            '{"event": "media", "media": {"payload": "%%%"}}',
            '{"event": "dtmf", "dtmf": {}}',
            "x" * 70_000,
            '{"event": "bogus"}',
        ]:
            call.send(junk)
        call.ws.send_binary(b"\x00\xff" * 100)
        call.say(speech)
        call.wait_for_prompt("koerekort")


def test_status_callbacks_record_the_outcome_once(phone, speech):
    with phone(ScriptedModel()) as (base, services):
        call = greeted(base)
        call.ws.shutdown()  # the line drops without a stop message
        assert call.status("ringing").status_code == 204
        assert call.status("completed").status_code == 204
        assert call.status("completed").status_code == 204
        assert outcome(services, call) == ("abandoned", None)
        assert len(KpiStore(services.redis).records()) == 1


def test_call_state_in_redis_holds_no_raw_numbers(phone, speech):
    said = "jeg skal forny mit kørekort 120385-1234 ring på 12 34 56 78"
    with phone(ScriptedModel(said)) as (base, services):
        call = greeted(base)
        call.say(speech)
        call.wait_for_prompt("koerekort")
        state, _ = CallStore(services.redis).load(call.call_sid)
        assert state.turns[0].text == "jeg skal forny mit kørekort [CPR] ring på [telefon]"
        raw = b"".join(services.redis.get(k) or b"" for k in services.redis.keys("call:*"))
        assert b"120385" not in raw and b"12345678" not in raw


def test_after_hours_a_callback_request_replaces_the_queue(phone, speech):
    from rq import Queue, SimpleWorker

    from app.jobs.queue import QUEUE_NAME
    from app.outcomes.callbacks import CallbackStore

    with phone(ScriptedModel("jeg skal forny mit kørekort", "ja", "ja"), at=CLOSED) as (
        base,
        services,
    ):
        jobs = Queue(QUEUE_NAME, connection=services.redis)
        jobs.empty()  # prompt renders queued at start-up are not this test's business
        call = greeted(base)
        call.say(speech)
        call.wait_for_prompt("anything_else")
        call.press("0")
        call.wait_for_prompt("callback_offer")
        call.press("1")
        call.wait_for_prompt("callback_number")
        call.say(speech)  # "ja": the number I am calling from
        call.wait_for_prompt("callback_confirm")
        call.say(speech)  # "ja"
        call.wait_for_prompt("callback_done")
        assert call.after_stream().find("Hangup") is not None
        SimpleWorker([jobs], connection=services.redis).work(burst=True)
        (request,) = CallbackStore(services.redis).open_requests()
        assert (request.id, request.number, request.about) == (
            call.call_sid,
            "+4512345678",
            "at forny dit kørekort",
        )
        assert outcome(services, call) == ("transferred", "closed")
