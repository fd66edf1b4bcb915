"""Keys: 0 for a person, * to repeat, 1/2 for yes and no, a digit for a menu or topic choice.

Part of the pure flow (a mixin of `Flow`, using its helpers), like `offers.py`.
"""

from __future__ import annotations

import dataclasses

from ..intents.catalogue import SystemIntent
from ..intents.index import MAX_MENU_CHOICES
from .call import Call, State, Step, TransferReason
from .callback import NO_KEY, REPEAT_KEY, YES_KEY
from .verdict import Decision, Match

PERSON_KEY = "0"
MAX_WRONG_KEYS = 3
"""Keys that mean nothing where they are pressed, before the caller is given a person."""


class KeypadSteps:
    """A key pressed in any state of the flow."""

    def _keypad(self, call: Call, digit: str) -> Step:
        if digit == PERSON_KEY:
            return self._transfer(call, TransferReason.REQUESTED)
        if digit == REPEAT_KEY:
            return self._repeat(call)
        if call.state is State.OFFERING and digit in (YES_KEY, NO_KEY):
            return self._accept_offer(call) if digit == YES_KEY else self._decline_offer(call)
        if call.state is State.CONFIRMING and digit in (YES_KEY, NO_KEY):
            said = SystemIntent.YES if digit == YES_KEY else SystemIntent.NO
            return self._confirming(call, Match(digit, said, 1.0, Decision.ANSWER, ()))
        chosen = self._chosen_by_key(call, digit)
        if chosen is not None:
            return chosen
        if call.state is not State.MENU or not 1 <= _number(digit) <= len(self._menu):
            return self._wrong_key(call)
        topic = self._menu[_number(digit) - 1]
        answerable = [
            i
            for i in self.intents.intents.values()
            if i.topic == topic and i.action == "answer" and i.answer
        ]
        call = dataclasses.replace(call, state=State.LISTENING)
        if len(answerable) == 1:
            return self._answer(call, answerable[0])
        if 1 < len(answerable) <= MAX_MENU_CHOICES and all(i.description for i in answerable):
            return self._ask_topic(call, tuple(i.id for i in answerable), keyed=True)
        queue = self.intents.topics[topic].queue
        return self._transfer(call, TransferReason.NO_MATCH, queue=queue)

    def _wrong_key(self, call: Call) -> Step:
        """A key that means nothing here: say so with the choices; a few times, then a person."""
        call = dataclasses.replace(call, wrong_keys=call.wrong_keys + 1)
        if call.wrong_keys > MAX_WRONG_KEYS:
            return self._transfer(call, TransferReason.NO_MATCH)
        return Step(call, (self._say("menu_invalid" if call.state is State.MENU else "no_choice"),))


def _number(digit: str) -> int:
    """A keypad digit as a number; 0 for anything else (never a menu choice)."""
    return int(digit) if digit.isdigit() and len(digit) == 1 else 0
