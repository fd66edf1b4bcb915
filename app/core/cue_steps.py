"""Turns that are not a request for an answer, and what the flow does with them.

  urgent cue ─→ "Ring 1 1 2" then a person        own case ─→ that topic's queue at once
  "nej" right after an answer ─→ "another way, or a person?" (the answer helped no one)
  follow-up ("hvad koster det") ─→ the answer's follow_ups, or "Det kan jeg ikke svare på"
  "er du en robot" ─→ yes, and the question again   English ─→ one English sentence, a person

`cues.py` recognises them; this is part of the pure flow (a mixin of `Flow`, using its helpers),
like `callback.py` and `offers.py`.
"""

from __future__ import annotations

import dataclasses

from ..intents.catalogue import SYSTEM_TOPIC
from .call import (
    ENGLISH_CALLBACK_OFFER,
    PERSON_OFFER,
    YES_NO_STATES,
    Call,
    Say,
    State,
    Step,
    TransferReason,
)
from .verdict import Decision, Match


class CueSteps:
    """The flow's answers to urgent cues, rejections, follow-ups, cases and meta-talk."""

    def _urgent(self, call: Call) -> Step:
        """Someone may be in danger: 112 at once, then a person (closed: the callback offer)."""
        urgent = self._say("urgent", barge_in=False)
        step = self._transfer(call, TransferReason.URGENT)
        return Step(step.call, (urgent, *step.actions))

    def _about_me(self, call: Call) -> Step:
        """Asked whether it is a robot: yes, how to reach a person, and its question again."""
        question = call.last_said[-1:] if call.last_said else (self._say("ask"),)
        if call.last_said and call.last_said[-1].prompt_id in self.intents.intents:
            question = (self._say("anything_else"),)  # after an answer: not the answer again
        return Step(call, (self._say("robot"), *question))

    def _case(self, call: Call, match: Match) -> Step:
        """The caller's own case: straight to the queue of the topic it is about (if said)."""
        intent = (
            self.intents.intents.get(match.intent or "")
            if match.decision is not (Decision.NONE)
            else None
        )
        if intent is not None and intent.topic == SYSTEM_TOPIC:
            intent = None
        return self._transfer(call, TransferReason.CASE, intent=intent)

    def _english(self, call: Call) -> Step:
        """One sentence in English, offering a person; yes (or 1) transfers.

        While closed, the Danish callback questions would not be understood: on the phone the
        offer is a callback to the number called from, in the chat when to write again.
        """
        open_now = self.hours.is_open(self.clock())
        say = self._say("english" if open_now else "english_closed")
        if not open_now and self.written:  # the chat: when to write again, nothing to accept
            return Step(dataclasses.replace(call, last_said=(say,)), (say,))
        offer = PERSON_OFFER if open_now else ENGLISH_CALLBACK_OFFER
        call = dataclasses.replace(
            call, state=State.OFFERING, offer=offer, pending=None, last_said=(say,)
        )
        return Step(call, (say,))

    def _asked_yes_no(self, call: Call) -> bool:
        last = call.last_said[-1].prompt_id if call.last_said else ""
        return call.state in YES_NO_STATES or last == "anything_else"

    def _just_answered(self, call: Call) -> bool:
        """The bot's last words were an answer and "Kan jeg hjælpe med andet?"."""
        said = [s.prompt_id for s in call.last_said]
        return bool(call.answered) and said == [call.answered[-1], "anything_else"]

    def _rejected(self, call: Call) -> Step:
        turn = dataclasses.replace(call.turns[-1], decision="rejected")
        return self.reject(dataclasses.replace(call, turns=(*call.turns[:-1], turn)))

    def reject(self, call: Call) -> Step:
        """The last answer was not it (said, or the chat's 👎): it helped no one.

        Ask for it another way, or offer a person. The turn that rejected it is the call's last.
        """
        call = dataclasses.replace(call, rejected=(*call.rejected, call.answered[-1]), no_match=0)
        open_now = self.hours.is_open(self.clock())
        ask = self._say("not_it" if open_now else "not_it_closed")
        call = dataclasses.replace(call, state=State.OFFERING, offer=PERSON_OFFER, last_said=(ask,))
        return Step(call, (ask,))

    def _follow_up(self, call: Call, kind: str) -> Step:
        """A follow-up ("hvad koster det?") answered from `follow_ups`, or honestly not."""
        intent = self.intents.intents[call.answered[-1]]
        text = intent.follow_ups.get(kind)
        if text:
            answer = Say(f"{intent.id}.{kind}", self._fill(text))
            question = self._say("anything_else")
            return Step(dataclasses.replace(call, last_said=(answer, question)), (answer, question))
        open_now = self.hours.is_open(self.clock())
        ask = self._say("no_follow_up" if open_now else "no_follow_up_closed")
        call = dataclasses.replace(call, state=State.OFFERING, offer=PERSON_OFFER, last_said=(ask,))
        return Step(call, (ask,))
