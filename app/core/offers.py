"""After an answer: offering a person or the caller's second request, and small talk.

  answer ─offer_transfer→ "Vil du stilles videre?" ─ja/1→ transfer (closed: a callback)
         ─second request→ "Du nævnte også …; vil du høre om det?" ─ja/1→ that answer
         ─a link, a number that takes SMS→ "Vil du have linket på SMS?" ─ja/1→ SendLink
         └ nej/2, or unclear twice → "Kan jeg hjælpe med andet?"

Part of the pure flow (a mixin of `Flow`, using its helpers), like `callback.py`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from ..intents.catalogue import SystemIntent
from .call import (
    ENGLISH_CALLBACK_OFFER,
    LINK_OFFER,
    PERSON_OFFER,
    Call,
    Say,
    SendLink,
    State,
    Step,
    TransferReason,
)
from .verdict import Decision, Match

REPHRASE_OFFERS = frozenset({"not_it", "not_it_closed"})
"""Offers that also invite the question said another way: anything but yes or no is that."""


class OfferSteps:
    """The OFFERING state of the flow, and greetings and thanks."""

    def _offering(self, call: Call, match: Match, text: str) -> Step:
        """After "Vil du stilles videre?" or "Du nævnte også …": ja, nej, or something new."""
        if match.intent == SystemIntent.YES:
            return self._accept_offer(call)
        if match.intent in (SystemIntent.NO, SystemIntent.THANKS):
            return self._decline_offer(call)
        if match.intent == SystemIntent.REPEAT:
            return self._repeat(call)
        asked_to_rephrase = call.last_said and call.last_said[-1].prompt_id in REPHRASE_OFFERS
        if asked_to_rephrase or (match.decision is not Decision.NONE and match.intent):
            call = dataclasses.replace(call, state=State.LISTENING, offer=None, no_match=0)
            return self._listen(call, text, match)  # the question said anew
        return self._unclear_yes_no(call, give_up=self._decline_offer)

    def _accept_offer(self, call: Call) -> Step:
        offer = call.offer
        call = dataclasses.replace(call, state=State.LISTENING, offer=None, no_match=0)
        if offer == PERSON_OFFER:
            return self._transfer(call, TransferReason.ACCEPTED_OFFER)
        if offer == ENGLISH_CALLBACK_OFFER:  # to the number called from, said in English
            queue = self.intents.queue_for(self._last_intent(call))
            call = dataclasses.replace(
                call, wanted_transfer=TransferReason.ACCEPTED_OFFER, queue=queue
            )
            return self._request_callback(call, done="english_callback_done")
        if offer == LINK_OFFER:
            return self._send_link(call)
        intent = self.intents.intents.get(offer or "")
        return self._answer(call, intent) if intent else self._anything_else(call)

    def _send_link(self, call: Call) -> Step:
        """Text the last answer's first link, and ask what else (the answer was given)."""
        intent = self.intents.intents.get(call.answered[-1] if call.answered else "")
        if intent is None or not intent.links:
            return self._anything_else(call)
        link = intent.links[0]
        sent = self._say("link_sent")
        call = dataclasses.replace(call, last_said=(sent,))
        return Step(call, (SendLink(intent.id, link.title, link.url), sent))

    def _decline_offer(self, call: Call) -> Step:
        english = call.offer == ENGLISH_CALLBACK_OFFER
        call = dataclasses.replace(call, state=State.LISTENING, offer=None, no_match=0)
        if english:  # no callback, and no Danish to go on in: when to call again
            return self._goodbye(call, prompt="english_goodbye")
        return self._anything_else(call)

    def _unclear_yes_no(self, call: Call, give_up: Callable[[Call], Step]) -> Step:
        """A yes/no question not answered: ask once more, then `give_up` (taken as a no)."""
        if call.no_match >= 1:
            return give_up(call)
        say = self._say("yes_no")
        return Step(dataclasses.replace(call, no_match=call.no_match + 1), (say,))

    def _small_talk(self, call: Call, kind: str) -> Step:
        """Greetings never end a call; thanks after an answer close it politely."""
        if kind == SystemIntent.THANKS and call.answered:
            return self._goodbye(call, prompt="thanks_bye")
        if call.small_talk:  # counts now, so small talk alone cannot keep a call going
            return self._no_match(call, prompt="ask")
        say = self._say("hello" if kind == SystemIntent.HELLO else "thanks_ask")
        call = dataclasses.replace(call, small_talk=call.small_talk + 1, last_said=(say,))
        return Step(call, (say,))

    def _offer(
        self, call: Call, answer: Say, offer: str, prompt: str = "", question: Say | None = None
    ) -> Step:
        question = question or self._say(prompt)
        call = dataclasses.replace(
            call, state=State.OFFERING, offer=offer, last_said=(answer, question)
        )
        return Step(call, (answer, question))

    def _anything_else(self, call: Call) -> Step:
        ask = self._say("anything_else")
        return Step(dataclasses.replace(call, last_said=(ask,)), (ask,))
