"""Arranging a callback when the contact centre is closed, instead of a dead queue.

  offer ─ja/1→ which number? ─ja (this one) or digits + #→ "about X, right?" ─ja/1→ request
    └nej/2→ anything else?      └nej→ "key the number"     └nej/2→ anything else?

Part of the pure flow (a mixin of `Flow`, using its helpers); the number the caller calls from
stays with the channel, so the request says None for it.
"""

from __future__ import annotations

import dataclasses
import re

from .call import Call, Hangup, RequestCallback, State, Step, TransferReason
from .matcher import Match

NUMBER = re.compile(r"^(?:0045|45)?(\d{8})$")
"""A Danish number: eight digits, optionally after the country code."""
YES_KEY, NO_KEY, END_KEY = "1", "2", "#"


class CallbackSteps:
    """The callback states of the flow."""

    def _offer_callback(self, call: Call, reason: TransferReason, queue: str) -> Step:
        closed = self._say("closed", next_opening=self.hours.say_next_opening(self.clock()))
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

    def _callback_heard(self, call: Call, match: Match) -> Step:
        if match.intent == "ja":
            return self._callback_yes(call)
        if match.intent in ("nej", "farvel"):
            return self._callback_no(call)
        if match.intent == "gentag":
            return Step(call, call.last_said)
        return Step(call, (self._say("callback_yes_no"),))

    def _callback_key(self, call: Call, digit: str) -> Step:
        if call.state is State.CALLBACK_NUMBER:
            return self._keyed_digit(call, digit)
        if digit == YES_KEY:
            return self._callback_yes(call)
        if digit == NO_KEY:
            return self._callback_no(call)
        return Step(call, (self._say("callback_yes_no"),))

    def _callback_yes(self, call: Call) -> Step:
        if call.state is State.CALLBACK_OFFER:
            ask = self._say("callback_number")
            call = dataclasses.replace(call, state=State.CALLBACK_NUMBER, last_said=(ask,))
            return Step(call, (ask,))
        if call.state is State.CALLBACK_NUMBER:
            return self._confirm_callback(dataclasses.replace(call, callback_to=""))
        return self._request_callback(call)

    def _callback_no(self, call: Call) -> Step:
        if call.state is State.CALLBACK_NUMBER:
            ask = self._say("callback_key_number")
            return Step(dataclasses.replace(call, keyed="", last_said=(ask,)), (ask,))
        ask = self._say("anything_else")
        call = dataclasses.replace(
            call, state=State.LISTENING, keyed="", callback_to=None, last_said=(ask,)
        )
        return Step(call, (ask,))

    def _keyed_digit(self, call: Call, digit: str) -> Step:
        if digit != END_KEY:
            return Step(dataclasses.replace(call, keyed=call.keyed + digit))
        number = NUMBER.match(call.keyed)
        if not number:
            ask = self._say("callback_bad_number")
            return Step(dataclasses.replace(call, keyed="", last_said=(ask,)), (ask,))
        return self._confirm_callback(dataclasses.replace(call, keyed="", callback_to=number[1]))

    def _confirm_callback(self, call: Call) -> Step:
        prompt = self._say("callback_confirm", about=self._callback_about(call))
        call = dataclasses.replace(call, state=State.CALLBACK_CONFIRM, last_said=(prompt,))
        return Step(call, (prompt,))

    def _request_callback(self, call: Call) -> Step:
        intent = self._last_intent(call)
        request = RequestCallback(
            call.callback_to or None, intent.id if intent else None, self._callback_about(call)
        )
        call = self._end(dataclasses.replace(call, callback_to=None), self._final_outcome(call))
        return Step(call, (request, self._say("callback_done", barge_in=False), Hangup()))

    def _callback_about(self, call: Call) -> str:
        intent = self._last_intent(call)
        return intent.description if intent and intent.description else "dit spørgsmål"
