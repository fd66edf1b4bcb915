"""Arranging a callback when the contact centre is closed, instead of a dead queue.

  offer ─ja/1→ which number? ─ja (this one), digits + #, or spoken digits→ "on 20 12 34 56
    │                │                        about X, right?" ─ja/1→ request
    └nej/2→ anything else?  └nej→ "key the number" ─nej→ anything else?  └nej/2→ anything else?

Every step also takes farvel (goodbye), * (repeat), silence (asked once more, then goodbye)
and, where a yes/no is wanted, anything unclear once before it counts as a no. At the number
step the keys are the number, so 0 is a digit there. Part of the pure flow (a mixin of `Flow`,
using its helpers); the number the caller calls from stays with the channel, so the request
says None for it.
"""

from __future__ import annotations

import dataclasses
import re

from ..intents.catalogue import SystemIntent
from .call import Call, Hangup, RequestCallback, State, Step, TransferReason
from .redact import NUMBER_WORDS
from .texts import UNKNOWN_ABOUT, say_number
from .verdict import Match

NUMBER = re.compile(r"(?:0045|45)?(\d{8})")
"""A Danish number: eight digits, optionally after the country code."""
YES_KEY, NO_KEY, END_KEY, REPEAT_KEY = "1", "2", "#", "*"
MAX_OFFERS = 2
"""Callback offers in one call: a caller may change their mind once, not loop for ever."""
MAX_BAD_NUMBERS = 1
"""Unusable numbers before the caller is asked whether we can help with something else."""
MAX_CORRECTIONS = 2
"""Numbers given instead of a yes at "you will be called on …" before we stop asking."""
MAX_KEYED = 12
"""Digits past this (0045 and eight) without a # are no phone number: checked as they stand."""


class CallbackSteps:
    """The callback states of the flow."""

    def _offer_callback(self, call: Call, reason: TransferReason, queue: str) -> Step:
        if call.callback_offers >= MAX_OFFERS:  # asked and declined before: no endless round
            wanted = dataclasses.replace(call, wanted_transfer=reason, queue=queue)
            return self._goodbye(wanted)
        call = dataclasses.replace(call, callback_offers=call.callback_offers + 1)
        closed = self._say(
            "closed", next_opening=self.hours.say_next_opening(self.clock(), self.written)
        )
        offer = self._say("callback_offer")
        call = dataclasses.replace(
            call,
            state=State.CALLBACK_OFFER,
            wanted_transfer=reason,
            queue=queue,
            no_match=0,
            last_said=(closed, offer),
        )
        return Step(call, (closed, offer))

    def _callback_heard(self, call: Call, match: Match, text: str) -> Step:
        digits = spoken_digits(text)
        if digits and (call.state is State.CALLBACK_NUMBER or NUMBER.fullmatch(digits)):
            if call.state is State.CALLBACK_CONFIRM:  # "nej, ring til …": a correction, bounded
                if call.no_match >= MAX_CORRECTIONS:
                    return self._leave_callback(call)
                call = dataclasses.replace(call, no_match=call.no_match + 1)
            return self._number_given(call, digits)  # "nej ring til 22 33 44 56" anywhere here
        if call.state is State.CALLBACK_CONFIRM and match.intent == SystemIntent.NO:
            return self._ask_number_again(call)
        if match.intent == SystemIntent.YES or (
            match.intent == SystemIntent.PERSON and call.state is State.CALLBACK_OFFER
        ):  # wanting a person, when closed, is wanting this callback
            return self._callback_yes(call)
        if match.intent in (SystemIntent.NO, SystemIntent.THANKS):
            return self._callback_no(call)
        if match.intent == SystemIntent.REPEAT:
            return self._repeat(call)
        return self._unclear_yes_no(call, give_up=self._leave_callback)

    def _callback_key(self, call: Call, digit: str) -> Step:
        if digit == REPEAT_KEY:
            return self._repeat(call)
        if call.state is State.CALLBACK_NUMBER:
            return self._keyed_digit(call, digit)
        if digit == YES_KEY:
            return self._callback_yes(call)
        if digit == NO_KEY:
            return self._callback_no(call)
        if digit == "0":  # the way to a person while closed is this offer: say it again
            return self._repeat(call)
        return self._unclear_yes_no(call, give_up=self._leave_callback)

    def _callback_yes(self, call: Call) -> Step:
        call = dataclasses.replace(call, no_match=0)
        if call.state is State.CALLBACK_OFFER:
            ask = self._say("callback_number")
            call = dataclasses.replace(call, state=State.CALLBACK_NUMBER, last_said=(ask,))
            return Step(call, (ask,))
        if call.state is State.CALLBACK_NUMBER:
            return self._confirm_callback(dataclasses.replace(call, callback_to=""))
        return self._request_callback(call)

    def _ask_number_again(self, call: Call) -> Step:
        """No to "you will be called on …": which number, then (asked once; a second no ends)."""
        if call.no_match >= 1:
            return self._leave_callback(call)
        return self._ask_in(call, State.CALLBACK_NUMBER, "callback_number_again", call.no_match + 1)

    def _callback_no(self, call: Call) -> Step:
        asked_to_key = call.last_said and call.last_said[-1].prompt_id in (
            "callback_key_number",
            "callback_number_again",
        )
        if call.state is State.CALLBACK_NUMBER and not asked_to_key:
            ask = self._say("callback_key_number")
            return Step(dataclasses.replace(call, keyed="", last_said=(ask,)), (ask,))
        return self._leave_callback(call)

    def _leave_callback(self, call: Call) -> Step:
        return self._ask_in(call, State.LISTENING, "anything_else", 0)

    def _ask_in(self, call: Call, state: State, prompt_id: str, no_match: int) -> Step:
        """Move to `state` asking `prompt_id`, with no number half keyed or chosen."""
        ask = self._say(prompt_id)
        call = dataclasses.replace(
            call, state=state, keyed="", callback_to=None, no_match=no_match, last_said=(ask,)
        )
        return Step(call, (ask,))

    def _keyed_digit(self, call: Call, digit: str) -> Step:
        if digit != END_KEY and len(call.keyed) < MAX_KEYED:
            return Step(dataclasses.replace(call, keyed=call.keyed + digit))
        keyed = call.keyed + (digit if digit.isdigit() else "")
        return self._number_given(dataclasses.replace(call, keyed=""), keyed)

    def _number_given(self, call: Call, digits: str) -> Step:
        """Check a keyed or spoken number; read a good one back in pairs, refuse a bad one."""
        number = NUMBER.fullmatch(digits)
        if not number:
            if call.no_match >= MAX_BAD_NUMBERS:
                return self._leave_callback(call)
            why = f"det har {len(digits)} cifre" if digits else "jeg fik ingen cifre"
            ask = self._say("callback_bad_number", why=why)
            call = dataclasses.replace(call, keyed="", no_match=call.no_match + 1, last_said=(ask,))
            return Step(call, (ask,))
        return self._confirm_callback(dataclasses.replace(call, callback_to=number[1]))

    def _confirm_callback(self, call: Call) -> Step:
        about = self._callback_about(call)
        if call.callback_to:
            prompt = self._say(
                "callback_confirm_number", number=say_number(call.callback_to), about=about
            )
            prompt = dataclasses.replace(prompt, private=True)
        else:
            prompt = self._say("callback_confirm", about=about)
        call = dataclasses.replace(call, state=State.CALLBACK_CONFIRM, last_said=(prompt,))
        return Step(call, (prompt,))

    def _request_callback(self, call: Call, done: str = "callback_done") -> Step:
        intent = self._last_intent(call)
        request = RequestCallback(
            call.callback_to or None, intent.id if intent else None, self._callback_about(call)
        )
        call = self._finish(dataclasses.replace(call, callback_to=None))
        return Step(call, (request, self._say(done, barge_in=False), Hangup()))

    def _callback_about(self, call: Call) -> str:
        intent = self._last_intent(call)
        return intent.description if intent and intent.description else UNKNOWN_ABOUT


def spoken_digits(text: str) -> str:
    """The digits in what a caller said, written or as Danish number words; "" if there are none.

    "tyve tolv fireogtredive seksoghalvtreds" → "20123456"; words between are ignored only when
    the rest is a number ("mit nummer er 20 12 34 56").
    """
    digits = []
    for word in re.findall(r"\w+", text.lower()):
        if word.isdigit():
            digits.append(word)
        elif word in NUMBER_WORDS and word not in ("en", "et"):
            digits.append(NUMBER_WORDS[word])
    joined = "".join(digits)
    return joined if len(joined) >= 4 else ""
