"""How a conversation ends: a person (closed: the callback offer) or goodbye, and its outcome.

Part of the pure flow (a mixin of `Flow`, using its helpers), like `offers.py`.
"""

from __future__ import annotations

import dataclasses

from ..intents.catalogue import Intent
from .call import Action, Call, Hangup, Outcome, State, Step, Transfer, TransferReason


class EndingSteps:
    """Handing over, saying goodbye, and recording the outcome once."""

    def _transfer(
        self,
        call: Call,
        reason: TransferReason,
        intent: Intent | None = None,
        queue: str | None = None,
    ) -> Step:
        queue = queue or self.intents.queue_for(intent or self._last_intent(call))
        now = self.clock()
        if self.hours.is_open(now):
            call = dataclasses.replace(call, queue=queue)
            call = self._end(call, Outcome.TRANSFERRED, reason)
            return Step(
                call,
                (
                    self._say("transfer", barge_in=False),
                    Transfer(queue, reason, intent.id if intent else None),
                ),
            )
        if reason is TransferReason.ACCEPTED_OFFER:  # they said yes to a callback already
            call = dataclasses.replace(
                call,
                state=State.CALLBACK_OFFER,
                wanted_transfer=reason,
                queue=queue,
                callback_offers=call.callback_offers + 1,
            )
            return self._callback_yes(call)
        return self._offer_callback(call, reason, queue)

    def _goodbye(
        self, call: Call, before: tuple[Action, ...] = (), prompt: str = "goodbye"
    ) -> Step:
        call = self._finish(call)
        return Step(call, (*before, self._say(prompt, barge_in=False), Hangup()))

    def _finish(self, call: Call, silent: bool = False) -> Call:
        """End the call with the outcome it earned (docs/conversation.md, the KPI).

        An answer the caller rejected helped no one: a call whose only answers were rejected
        is not resolved.
        """
        if call.wanted_transfer:
            return self._end(call, Outcome.TRANSFERRED)
        if call.helped:
            return self._end(call, Outcome.RESOLVED)
        reason = TransferReason.REJECTED_ANSWER if call.answered else None
        return self._end(call, Outcome.NO_INPUT if silent else Outcome.ABANDONED, reason)

    def _end(self, call: Call, outcome: Outcome, reason: TransferReason | None = None) -> Call:
        if outcome is Outcome.TRANSFERRED and reason is None:
            reason = TransferReason.CLOSED
        # A keyed-in number has done its work (or was abandoned): it must not outlive the call.
        return dataclasses.replace(
            call,
            state=State.ENDED,
            outcome=outcome,
            reason=reason,
            keyed="",
            callback_to=None,
            last_said=tuple(s for s in call.last_said if not s.private),
        )
