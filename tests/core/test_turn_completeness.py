"""How long a pause ends a turn depends on whether what was heard is already whole."""

import pytest

from app.core.call import Heard, Keypad, State
from tests.conftest import CLOSED


@pytest.mark.parametrize(
    ("partial", "complete"),
    [
        ("jeg skal forny mit kørekort", True),
        ("jeg har mistet mit sundhedskort", True),
        ("jeg skal øh", False),  # a hesitation: still talking
        ("jeg skal forny mit kørekort og", False),  # a trailing "og"
        ("jeg skal have et nyt", False),
        ("jeg vil gerne", False),
        ("", False),
        ("hvad bliver vejret", False),  # not something we would answer: let them go on
    ],
)
def test_a_request_is_complete_when_it_would_be_answered_and_does_not_trail_off(
    flow_at, partial, complete
):
    flow = flow_at()
    assert flow.sounds_complete(flow.start("CA").call, partial) is complete


def test_a_yes_or_no_is_complete_where_one_is_asked(flow_at):
    flow = flow_at()
    call = flow.step(flow.start("CA").call, Heard("jeg skal have noget hjælp")).call
    assert call.state is State.CONFIRMING
    assert flow.sounds_complete(call, "ja")
    assert flow.sounds_complete(call, "nej tak")
    assert not flow.sounds_complete(call, "ja men")


def test_a_number_is_complete_when_all_eight_digits_are_said(flow_at):
    flow = flow_at(CLOSED)
    call = flow.step(flow.start("CA").call, Keypad("0")).call
    call = flow.step(call, Heard("ja")).call
    assert call.state is State.CALLBACK_NUMBER
    assert not flow.sounds_complete(call, "tyve tolv fireogtredive")  # a number still being said
    assert flow.sounds_complete(call, "tyve tolv fireogtredive seksoghalvtreds")


def test_a_no_to_anything_else_is_complete_but_a_lone_yes_at_the_start_is_not(flow_at):
    flow = flow_at()
    start = flow.start("CA").call
    assert not flow.sounds_complete(start, "ja")  # "ja …" is how a request often begins
    answered = flow.step(start, Heard("jeg skal forny mit kørekort")).call
    assert flow.sounds_complete(answered, "nej tak")
