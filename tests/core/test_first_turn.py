"""The flow-level evaluation: what a caller's first sentence leads to, by length and topic."""

from app.core.first_turn import Heard1, first_turn, length_bucket, report_lines


def test_each_kind_of_first_reply_is_told_apart(flow_at):
    flow = flow_at()
    assert first_turn(flow, "jeg skal forny mit kørekort", "koerekort") is Heard1.RIGHT
    assert first_turn(flow, "jeg skal forny mit kørekort", "pas") is Heard1.WRONG
    assert first_turn(flow, "hjemmeplejen", "hjemmepleje") is Heard1.CHOICE_RIGHT
    assert first_turn(flow, "hjemmeplejen er ikke kommet", "hjemmepleje_besoeg") is Heard1.RIGHT
    assert first_turn(flow, "jeg vil tale med et menneske", "pas") is Heard1.PERSON
    assert first_turn(flow, "bla bla", None) is Heard1.ASKED
    unsure = "hvor får jeg et nyt sundhedskort jeg har tabt min pung"  # "Handler det om …?"
    assert first_turn(flow, unsure, "sundhedskort") is Heard1.CONFIRM_RIGHT
    assert first_turn(flow, unsure, "hittegods") is Heard1.CONFIRM_OTHER


def test_a_greeting_or_a_thanks_is_right_when_heard_as_one(flow_at):
    """No answer is said to "hej" or "tusind tak", yet the bot met them as what they were."""
    flow = flow_at()
    assert first_turn(flow, "hej med dig", "hilsen") is Heard1.RIGHT
    assert first_turn(flow, "tusind tak", "tak") is Heard1.RIGHT
    assert first_turn(flow, "tusind tak", "hilsen") is Heard1.ASKED


def test_lengths_fall_in_the_buckets_the_targets_use():
    assert length_bucket("mit pas") == "≤ 8 words"
    assert length_bucket(" ".join(["ord"] * 9)) == "9–16 words"
    assert length_bucket(" ".join(["ord"] * 17)) == "> 16 words"


def test_the_report_counts_answerable_needs_apart_from_those_without_an_answer(flow_at):
    lines = report_lines(
        flow_at(),
        ["jeg skal forny mit kørekort", "hvad bliver vejret i morgen"],
        ["koerekort", "vejret"],  # a need no intent answers
    )
    text = "\n".join(lines)
    assert "answerable (all)       n=1    right 100.0%" in text
    assert "out of scope (all)     n=1" in text
    assert "out of scope refused   100.0%" in text


def test_the_report_says_how_often_the_question_back_names_the_need(flow_at):
    unsure = "hvor får jeg et nyt sundhedskort jeg har tabt min pung"
    lines = report_lines(flow_at(), [unsure, unsure], ["sundhedskort", "hittegods"])
    assert "confirm band           n=2    named the need  50.0%" in "\n".join(lines)
