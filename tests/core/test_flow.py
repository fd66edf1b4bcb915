from dataclasses import replace
from datetime import datetime

import pytest

from app.core.call import (
    Call,
    Failed,
    Hangup,
    Heard,
    HungUp,
    Keypad,
    Outcome,
    Played,
    RequestCallback,
    Say,
    SendLink,
    Silence,
    State,
    Transfer,
    TransferReason,
)
from app.core.flow import Flow
from tests.conftest import CLOSED, CPH, OPEN


def run(flow, *events):
    """Start a call, feed events, return the call and the prompt ids/actions of each step."""
    step = flow.start("CA-test")
    call, steps = step.call, [step.actions]
    for event in events:
        step = flow.step(call, event)
        call = step.call
        steps.append(step.actions)
    return call, steps


def ids(actions):
    return [a.prompt_id if isinstance(a, Say) else type(a).__name__ for a in actions]


def test_greeting_names_the_municipality_and_its_notice_cannot_be_interrupted(flow_at):
    _, (opening,) = run(flow_at())
    greeting, ask = opening
    assert "Høje-Taastrup Kommune" in greeting.text and "automatisk assistent" in greeting.text
    assert greeting.barge_in is False
    assert ask.barge_in is True


def test_question_answer_no_thanks_is_resolved(flow_at):
    call, steps = run(flow_at(), Heard("jeg skal forny mit kørekort"), Heard("nej tak"))
    assert ids(steps[1]) == ["koerekort", "anything_else"]
    assert ids(steps[2]) == ["goodbye", "Hangup"]
    assert (call.state, call.outcome, call.reason) == (State.ENDED, Outcome.RESOLVED, None)
    assert call.answered == ("koerekort",)


def test_yes_to_anything_else_asks_what(flow_at):
    call, steps = run(flow_at(), Heard("jeg skal forny mit kørekort"), Heard("ja"))
    assert ids(steps[2]) == ["ask_again"]
    assert call.state is State.LISTENING


def test_two_questions_in_one_call(flow_at):
    call, _ = run(
        flow_at(),
        Heard("jeg skal forny mit kørekort"),
        Heard("jeg skal melde flytning"),
        Heard("farvel"),
    )
    assert call.answered == ("koerekort", "flytning")
    assert call.outcome is Outcome.RESOLVED


def test_unsure_match_is_confirmed_then_answered_on_yes(flow_at, monkeypatch):
    flow = flow_at()
    monkeypatch.setattr(flow.matcher, "thresholds", flow.matcher.thresholds.__class__(0.99, 0.2, 0))
    call, steps = run(flow, Heard("jeg skal forny mit kørekort"))
    assert ids(steps[1]) == ["confirm.koerekort"]
    assert steps[1][0].text == "Handler det om at forny dit kørekort?"
    assert (call.state, call.pending) == (State.CONFIRMING, "koerekort")

    monkeypatch.setattr(flow.matcher, "thresholds", flow.matcher.thresholds.__class__(0.4, 0.3, 0))
    step = flow.step(call, Heard("ja"))
    assert ids(step.actions) == ["koerekort", "anything_else"]
    assert step.call.state is State.LISTENING


def test_no_to_a_confirmation_asks_to_rephrase(flow_at):
    flow = flow_at()
    confirming = Call("CA", state=State.CONFIRMING, pending="koerekort")
    step = flow.step(confirming, Heard("nej"))
    assert ids(step.actions) == ["confirm_again"]
    assert (step.call.state, step.call.pending, step.call.no_match) == (State.LISTENING, None, 1)


def test_a_new_question_instead_of_yes_or_no_is_answered(flow_at):
    confirming = Call("CA", state=State.CONFIRMING, pending="koerekort")
    step = flow_at().step(confirming, Heard("jeg skal melde flytning"))
    assert ids(step.actions) == ["flytning", "anything_else"]


def test_first_no_match_asks_to_rephrase_second_offers_keypad_menu(flow_at):
    call, steps = run(flow_at(), Heard("bla bla"), Heard("hvad bliver vejret"))
    assert ids(steps[1]) == ["rephrase"]
    assert ids(steps[2]) == ["menu"]
    assert "Tryk 1 for Sundhed og omsorg" in steps[2][0].text
    assert call.state is State.MENU


def test_no_match_in_the_menu_transfers_never_a_third_identical_prompt(flow_at):
    call, steps = run(flow_at(), Heard("bla"), Heard("bla bla"), Heard("bla bla bla"))
    assert ids(steps[3]) == ["transfer", "Transfer"]
    assert (call.outcome, call.reason) == (Outcome.TRANSFERRED, TransferReason.NO_MATCH)


def test_menu_digit_for_a_one_intent_topic_answers(flow_at, intents):
    from dataclasses import replace

    from app.core.flow import Flow

    only = {k: v for k, v in intents.intents.items() if not k.startswith("koerekort_")}
    flow = flow_at()
    flow = Flow(replace(intents, intents=only), flow.matcher, flow.hours, flow.clock, "X")
    call, steps = run(flow, Heard("bla"), Heard("bla bla"), Keypad("5"))  # 5: Kørekort
    assert ids(steps[3]) == ["koerekort", "anything_else"]
    assert call.state is State.LISTENING and call.no_match == 0


def test_menu_digit_for_a_topic_of_a_few_needs_asks_which_then_a_key_answers(flow_at):
    call, steps = run(flow_at(), Heard("bla"), Heard("bla bla"), Keypad("5"))  # 5: Kørekort
    assert ids(steps[3]) == ["choose"]
    assert len(call.choices) == 5  # every kørekort need, as many as the main menu reads out
    assert call.choices[0] == "koerekort" and call.choices[-1] == "koerekort_udenlandsk"
    step = flow_at().step(call, Keypad("5"))
    assert ids(step.actions) == ["koerekort_udenlandsk", "anything_else"]


def test_menu_digit_for_a_wide_topic_transfers_to_its_queue(flow_at):
    call, steps = run(flow_at(), Heard("bla"), Heard("bla bla"), Keypad("1"))
    transfer = steps[3][-1]
    assert transfer == Transfer("sundhed_omsorg", TransferReason.NO_MATCH, None)


def test_unknown_menu_digit_repeats_the_choices(flow_at):
    call, steps = run(flow_at(), Heard("bla"), Heard("bla bla"), Keypad("9"))
    assert ids(steps[3]) == ["menu_invalid"]
    assert call.state is State.MENU


def test_a_digit_outside_the_menu_says_there_is_no_such_choice(flow_at):
    call, steps = run(flow_at(), Keypad("5"))
    assert ids(steps[1]) == ["no_choice"] and "Det valg findes ikke" in steps[1][0].text
    assert call.state is State.LISTENING


def test_wrong_keys_end_with_a_person_not_a_loop(flow_at):
    call, steps = run(flow_at(), *[Keypad("7")] * 4)
    assert ids(steps[4]) == ["transfer", "Transfer"]
    assert (call.outcome, call.reason) == (Outcome.TRANSFERRED, TransferReason.NO_MATCH)


def test_silence_reprompts_once_then_says_goodbye(flow_at):
    call, steps = run(flow_at(), Silence(), Silence())
    assert ids(steps[1]) == ["still_there", "ask"]
    assert ids(steps[2]) == ["no_input_goodbye", "Hangup"]
    assert "Jeg kan ikke høre dig" in steps[2][0].text
    assert call.outcome is Outcome.NO_INPUT


def test_speech_resets_the_silence_count(flow_at):
    call, _ = run(flow_at(), Silence(), Heard("jeg skal forny mit kørekort"), Silence())
    assert call.state is State.LISTENING


def test_silence_after_an_answer_ends_resolved(flow_at):
    call, _ = run(flow_at(), Heard("jeg skal forny mit kørekort"), Silence(), Silence())
    assert call.outcome is Outcome.RESOLVED


@pytest.mark.parametrize("event", [Heard("jeg vil tale med et menneske"), Keypad("0")])
def test_asking_for_a_person_transfers_at_any_time(flow_at, event):
    call, steps = run(flow_at(), Heard("jeg skal forny mit kørekort"), event)
    assert ids(steps[2]) == ["transfer", "Transfer"]
    assert steps[2][0].barge_in is False
    assert steps[2][1].reason is TransferReason.REQUESTED
    assert steps[2][1].queue == "borgerservice"  # the topic of what was asked before
    assert (call.outcome, call.reason) == (Outcome.TRANSFERRED, TransferReason.REQUESTED)


def test_zero_transfers_even_from_the_menu(flow_at):
    call, _ = run(flow_at(), Heard("bla"), Heard("bla bla"), Keypad("0"))
    assert call.reason is TransferReason.REQUESTED


def test_transfer_intent_goes_to_its_queue_with_reason_intent(flow_at):
    call, steps = run(flow_at(), Heard("hjemmeplejen er ikke kommet"))
    assert steps[1][-1] == Transfer("sundhed_omsorg", TransferReason.INTENT, "hjemmepleje_besoeg")
    assert call.reason is TransferReason.INTENT


def test_repeat_says_the_last_answer_and_its_question_again(flow_at):
    call, steps = run(flow_at(), Heard("jeg skal forny mit kørekort"), Heard("kan du gentage det"))
    assert ids(steps[2]) == ["koerekort", "anything_else"]
    _, steps = run(flow_at(), Heard("jeg skal forny mit kørekort"), Keypad("*"))
    assert ids(steps[2]) == ["koerekort", "anything_else"]


def test_repeats_asked_for_again_and_again_lead_to_a_person(flow_at):
    call, steps = run(flow_at(), Heard("jeg skal forny mit kørekort"), *[Keypad("*")] * 4)
    assert ids(steps[5]) == ["transfer", "Transfer"]
    assert (call.outcome, call.reason) == (Outcome.TRANSFERRED, TransferReason.NO_MATCH)


def test_closed_centre_says_when_it_opens_and_offers_a_callback(flow_at):
    call, steps = run(flow_at(CLOSED), Heard("jeg vil tale med en medarbejder"))
    assert ids(steps[1]) == ["closed", "callback_offer"]
    assert "i morgen, fredag, klokken 10" in steps[1][0].text
    assert not any(isinstance(a, Transfer) for a in steps[1])
    assert call.state is State.CALLBACK_OFFER


@pytest.mark.parametrize(
    "moment",
    [
        CLOSED,  # a weekday evening
        datetime(2026, 11, 28, 11, 0, tzinfo=CPH),  # a Saturday
        datetime(2026, 12, 25, 11, 0, tzinfo=CPH),  # Juledag, a Friday
    ],
)
def test_callback_to_the_number_calling(flow_at, moment):
    call, steps = run(
        flow_at(moment),
        Heard("jeg skal melde flytning"),
        Heard("menneske"),
        Heard("ja"),
        Heard("ja tak"),
        Heard("ja"),
    )
    assert ids(steps[3]) == ["callback_number"]
    assert steps[4][0].text == (
        "Du bliver ringet op på det nummer, du ringer fra, om at melde flytning. "
        "Er det rigtigt? Sig ja eller nej."
    )
    request, done, hangup = steps[5]
    assert request == RequestCallback(None, "flytning", "at melde flytning")
    assert (done.prompt_id, type(hangup)) == ("callback_done", Hangup)
    assert (call.outcome, call.reason) == (Outcome.TRANSFERRED, TransferReason.CLOSED)


def test_callback_to_a_keyed_number(flow_at):
    flow = flow_at(CLOSED)
    call, _ = run(flow, Keypad("0"), Keypad("1"))
    assert call.state is State.CALLBACK_NUMBER
    for digit in "23456789#":
        call = flow.step(call, Keypad(digit)).call
    assert (call.state, call.callback_to, call.keyed) == (State.CALLBACK_CONFIRM, "23456789", "")
    step = flow.step(call, Keypad("1"))
    assert step.actions[0] == RequestCallback("23456789", None, "dit spørgsmål")


def test_a_keyed_number_that_is_not_danish_is_asked_again(flow_at):
    flow = flow_at(CLOSED)
    call, _ = run(flow, Keypad("0"), Keypad("1"), Heard("nej"))
    for digit in "1234#":
        step = flow.step(call, Keypad(digit))
        call = step.call
    assert ids(step.actions) == ["callback_bad_number"]
    assert call.state is State.CALLBACK_NUMBER and call.keyed == ""


@pytest.mark.parametrize("answer", [Heard("nej tak"), Keypad("2")])
def test_declining_the_callback_goes_back_to_listening(flow_at, answer):
    call, steps = run(flow_at(CLOSED), Heard("menneske"), answer)
    assert ids(steps[2]) == ["anything_else"]
    assert call.state is State.LISTENING
    call = flow_at(CLOSED).step(call, Heard("nej tak")).call
    assert (call.outcome, call.reason) == (Outcome.TRANSFERRED, TransferReason.CLOSED)


def test_no_to_the_summary_asks_for_the_number_and_no_again_requests_nothing(flow_at):
    call, steps = run(
        flow_at(CLOSED), Heard("menneske"), Heard("ja"), Heard("ja"), Heard("nej"), Heard("nej")
    )
    assert ids(steps[4]) == ["callback_number_again"]
    assert ids(steps[5]) == ["anything_else"]
    assert not any(isinstance(a, RequestCallback) for s in steps for a in s)


def test_a_number_said_at_the_summary_corrects_it_and_the_topic_stays_the_question(flow_at):
    call, steps = run(
        flow_at(CLOSED),
        Heard("jeg skal forny mit kørekort"),
        Heard("jeg vil gerne ringes op"),
        Heard("ja"),
        Heard("ja"),
        Heard("nej ring til 22 33 44 56"),
        Heard("ja"),
    )
    assert ids(steps[5]) == ["callback_confirm_number"]
    assert "22 33 44 56 om at forny dit kørekort" in steps[5][0].text
    (request,) = [a for a in steps[6] if isinstance(a, RequestCallback)]
    assert (request.to, request.intent) == ("22334456", "koerekort")


def test_an_admin_closing_day_offers_a_callback_too(intents, matcher):
    from app.core.flow import Flow
    from app.core.hours import OpeningHours

    hours = OpeningHours.from_spec("mon-fri 10:00-14:00", closed_dates=[OPEN.date()])
    flow = Flow(intents, matcher, hours, lambda: OPEN, "X")
    assert ids(run(flow, Keypad("0"))[1][1]) == ["closed", "callback_offer"]


def test_opening_hours_answer_is_filled_from_settings(flow_at):
    _, steps = run(flow_at(OPEN), Heard("hvornår har i åbent"))
    text = steps[1][0].text
    assert "torsdag fra klokken 10 til 17" in text and "Lige nu har vi åbent." in text
    _, steps = run(flow_at(CLOSED), Heard("hvornår har i åbent"))
    assert "vi åbner igen i morgen, fredag, klokken 10" in steps[1][0].text


def test_hang_up_before_any_answer_is_abandoned_after_one_is_resolved(flow_at):
    assert run(flow_at(), HungUp())[0].outcome is Outcome.ABANDONED
    heard = run(flow_at(), Heard("jeg skal forny mit kørekort"), Played("koerekort"), HungUp())[0]
    assert (heard.outcome, heard.answered) == (Outcome.RESOLVED, ("koerekort",))


def test_hang_up_in_the_middle_of_the_only_answer_is_abandoned(flow_at):
    call, _ = run(flow_at(), Heard("jeg skal forny mit kørekort"), HungUp())
    assert (call.outcome, call.answered) == (Outcome.ABANDONED, ())


def test_reacting_to_an_answer_counts_as_having_heard_it(flow_at):
    call, _ = run(flow_at(), Heard("jeg skal forny mit kørekort"), Heard("gentag"), HungUp())
    assert call.outcome is Outcome.RESOLVED


def test_other_prompts_finishing_do_not_count_as_the_answer(flow_at):
    call, _ = run(flow_at(), Heard("jeg skal forny mit kørekort"), Played("greeting"), HungUp())
    assert call.outcome is Outcome.ABANDONED


def test_failure_apologises_and_transfers_when_open(flow_at):
    call, steps = run(flow_at(OPEN), Failed("stt"))
    assert ids(steps[1]) == ["error", "transfer", "Transfer"]
    assert (call.outcome, call.reason) == (Outcome.TRANSFERRED, TransferReason.ERROR)


def test_failure_when_closed_apologises_and_ends_with_error(flow_at):
    call, steps = run(flow_at(CLOSED), Failed("stt"))
    assert ids(steps[1]) == ["error", "goodbye", "Hangup"]
    assert call.outcome is Outcome.ERROR


def test_an_ended_call_ignores_further_events(flow_at):
    call, _ = run(flow_at(), HungUp())
    step = flow_at().step(call, Heard("jeg skal forny mit kørekort"))
    assert step.actions == () and step.call == call


def test_every_call_ends_with_exactly_one_outcome(flow_at):
    call, steps = run(
        flow_at(), Heard("jeg skal forny mit kørekort"), Heard("farvel"), HungUp(), Keypad("0")
    )
    assert call.outcome is Outcome.RESOLVED
    assert steps[3] == () and steps[4] == ()
    assert sum(isinstance(a, Hangup) for s in steps for a in s) == 1


def test_without_speech_recognition_the_caller_gets_the_keypad_menu_at_once(flow_at):
    step = flow_at().start("CA", keypad_only=True)
    assert ids(step.actions) == ["greeting", "menu_only"]
    assert step.call.state is State.MENU
    step = flow_at().step(step.call, Keypad("5"))  # 5: Kørekort, five needs: keys for them
    text = step.actions[0].text
    assert text.startswith("Tryk 1 for at forny dit kørekort, 2 for at tage kørekort første gang")
    assert "5 for et udenlandsk kørekort" in text
    call = flow_at().step(step.call, Keypad("1")).call
    assert call.answered == ("koerekort",)


def test_without_speech_recognition_silence_goes_to_a_person(flow_at):
    step = flow_at().start("CA", keypad_only=True)
    after = flow_at().step(step.call, Silence())
    assert ids(after.actions) == ["transfer", "Transfer"]
    assert after.call.reason is TransferReason.ERROR


def test_fixed_prompts_cover_system_prompts_confirmations_and_static_answers(flow_at):
    prompts = {s.prompt_id: s.text for s in flow_at().fixed_prompts()}
    assert "greeting" in prompts and "confirm.koerekort" in prompts and "koerekort" in prompts
    assert "aabningstider" not in prompts  # says whether it is open now: made at run time
    assert all("{" not in text for text in prompts.values())


def test_call_round_trips_through_json(flow_at):
    import json

    call, _ = run(flow_at(CLOSED), Heard("jeg skal forny mit kørekort"), Heard("menneske"))
    again = Call.from_dict(json.loads(json.dumps(call.to_dict())))
    assert again == call


def test_an_answer_with_a_link_offers_it_by_sms_when_the_number_takes_one(flow_at):
    flow = flow_at()
    step = flow.start("CA-sms", can_text=True)
    step = flow.step(step.call, Heard("jeg har mistet min telefon med mitid"))
    assert ids(step.actions) == ["mitid_mistet", "offer_link"]
    assert step.call.state is State.OFFERING
    step = flow.step(step.call, Heard("ja tak"))
    link = flow.intents.intents["mitid_mistet"].links[0]
    assert step.actions[0] == SendLink("mitid_mistet", link.title, link.url)
    assert ids(step.actions)[1:] == ["link_sent"]
    call = flow.step(step.call, Heard("nej tak det var det")).call
    assert call.outcome is Outcome.RESOLVED


def test_a_link_declined_asks_what_else_and_sends_nothing(flow_at):
    flow = flow_at()
    step = flow.start("CA-sms", can_text=True)
    step = flow.step(step.call, Heard("jeg har mistet min telefon med mitid"))
    step = flow.step(step.call, Heard("nej"))
    assert ids(step.actions) == ["anything_else"]


def test_no_link_is_offered_to_a_number_that_takes_no_sms_nor_for_an_answer_without_one(flow_at):
    call, steps = run(flow_at(), Heard("jeg har mistet min telefon med mitid"))
    assert ids(steps[1]) == ["mitid_mistet", "anything_else"]
    flow = flow_at()
    unlinked = replace(flow.intents.intents["aabningstider"], links=())
    intents = replace(flow.intents, intents={**flow.intents.intents, "aabningstider": unlinked})
    flow = Flow(intents, flow.matcher, flow.hours, lambda: OPEN, "Høje-Taastrup Kommune")
    step = flow.start("CA-sms", can_text=True)
    step = flow.step(step.call, Heard("hvornår har i åbent"))
    assert ids(step.actions)[0] == "aabningstider" and "offer_link" not in ids(step.actions)


def test_thanks_as_the_very_first_words_asks_once_and_a_second_goodbye_ends(flow_at):
    call, steps = run(flow_at(), Heard("tak for hjælpen"))
    assert ids(steps[1]) == ["not_helped_yet"] and call.state is not State.ENDED
    call, steps = run(flow_at(), Heard("tak for hjælpen"), Heard("jeg skal forny mit kørekort"))
    assert ids(steps[2]) == ["koerekort", "anything_else"]
    call, steps = run(flow_at(), Heard("tak for hjælpen"), Heard("farvel"))
    assert ids(steps[2]) == ["goodbye", "Hangup"] and call.state is State.ENDED
    call, steps = run(flow_at(), Heard("jeg skal forny mit kørekort"), Heard("tak for hjælpen"))
    assert ids(steps[2]) == ["goodbye", "Hangup"]  # after an answer it is the goodbye it says
