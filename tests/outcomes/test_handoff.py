from datetime import UTC, datetime

from app.core.call import Heard, Played
from app.outcomes.handoff import HandoffStore, build, summary_da
from tests.conftest import OPEN

T = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def transferred(flow_at, *said):
    flow = flow_at(OPEN)
    call = flow.start("CA1").call
    for text in said:
        call = flow.step(call, Heard(text)).call
        call = flow.step(call, Played(call.last_said[0].prompt_id)).call if call.last_said else call
    return call


def test_summary_names_the_question_what_was_answered_and_why(flow_at, intents):
    call = transferred(flow_at, "jeg skal forny mit kørekort", "jeg vil tale med en medarbejder")
    assert summary_da(call, intents) == (
        "Borgeren spørger om fornyelse af kørekort; botten har givet svar om fornyelse af "
        "kørekort; "
        "borgeren bad om en medarbejder."
    )


def test_summary_when_the_bot_understood_nothing(flow_at, intents):
    call = transferred(flow_at, "bla", "bla bla", "bla bla bla")
    assert summary_da(call, intents) == (
        "Botten fandt ikke ud af, hvad borgeren spørger om; botten forstod ikke spørgsmålet."
    )


def test_handoff_carries_the_number_and_a_redacted_transcript(flow_at, intents):
    call = transferred(flow_at, "mit cpr er 120385-1234 og jeg skal melde flytning", "menneske")
    handoff = build(call, intents, "+4512345678", now=T)
    assert handoff.caller == "+4512345678"
    assert handoff.queue == "borgerservice" and handoff.topic == "flytning_adresse"
    assert handoff.reason == "requested"
    assert handoff.transcript[0] == "mit cpr er [CPR] og jeg skal melde flytning"
    assert handoff.tries == 0


def test_store_keeps_handoffs_for_a_day(redis, flow_at, intents):
    store = HandoffStore(redis)
    handoff = build(transferred(flow_at, "0 menneske"), intents, None, now=T)
    store.save(handoff)
    assert store.load("CA1") == handoff
    assert 0 < redis.ttl("handoff:CA1") <= 24 * 3600
    assert store.load("CA2") is None
