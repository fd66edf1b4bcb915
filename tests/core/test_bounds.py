"""No loop without an exit: from every reachable state, any one input repeated ends the call."""

import dataclasses

import pytest

from app.core.call import Heard, Keypad, Played, Say, Silence, State
from tests.conftest import CLOSED, OPEN

INPUTS = {
    "ja": Heard("ja"),
    "nej": Heard("nej"),
    "farvel": Heard("farvel"),
    "hej": Heard("hej"),
    "tak": Heard("mange tak"),
    "gentag": Heard("kan du gentage"),
    "person": Heard("jeg vil tale med en medarbejder"),
    "question": Heard("jeg skal forny mit kørekort"),
    "offer": Heard("jeg vil søge byggetilladelse"),
    "two": Heard("jeg skal flytte og have nyt sundhedskort"),
    "unclear": Heard("bla bla"),
    "confirmable": Heard("jeg skal have noget hjælp"),
    "number": Heard("tyve tolv fireogtredive seksoghalvtreds"),
    "silence": Silence(),
    **{f"key {k}": Keypad(k) for k in "0123456789*#"},
}
BOUND = 80
"""Turns within which a caller who keeps doing one thing is answered for good (a keyed number
takes up to 13 presses a try, so keys need the most)."""


def played(flow, step):
    call = step.call
    for action in step.actions:
        if isinstance(action, Say):
            call = flow.step(call, Played(action.prompt_id)).call
    return call


def reachable(flow, depth=4):
    """Every call state reached by up to `depth` inputs from the greeting."""
    start = played(flow, flow.start("CA"))
    seen, frontier, found = set(), [start], []
    for _ in range(depth):
        nxt = []
        for call in frontier:
            for event in INPUTS.values():
                after = played(flow, flow.step(call, event))
                key = (after.state, after.offer, after.pending, after.no_match, after.silences)
                if after.state is not State.ENDED and key not in seen:
                    seen.add(key)
                    found.append(after)
                    nxt.append(after)
        frontier = nxt
    return found


@pytest.mark.parametrize("moment", [OPEN, CLOSED], ids=["open", "closed"])
def test_every_state_ends_under_any_repeated_input(flow_at, moment):
    flow = flow_at(moment)
    states = reachable(flow)
    assert {c.state for c in states} >= (
        {State.LISTENING, State.CONFIRMING, State.OFFERING, State.MENU}
        | (
            {State.CALLBACK_OFFER, State.CALLBACK_NUMBER, State.CALLBACK_CONFIRM}
            if moment is CLOSED
            else set()
        )
    )
    for call in states:
        for name, event in INPUTS.items():
            current = call
            for _ in range(BOUND):
                current = played(flow, flow.step(current, event))
                if current.state is State.ENDED:
                    break
            if name == "question" or name == "two" or name == "offer":
                continue  # a caller asking real questions is helped as long as they like
            assert current.state is State.ENDED, (call.state, name, current.state)
            assert dataclasses.asdict(current)["callback_to"] is None
