"""One call driven through the flow: holds its state between events and reports its end once."""

from __future__ import annotations

from collections.abc import Callable

from .call import Action, Call, Event, State
from .flow import Flow


class Conversation:
    """A call in progress on any channel.

    Args:
        flow: the rules (and intent set) the call runs on from start to end.
        call_id: the channel's id for the call (Twilio's CallSid, or a chat id).
        on_end: called exactly once with the finished call, e.g. to record its outcome.
        keypad_only: no speech recognition on this call.
        meta: channel facts carried with the call (start time, hashed caller) for its record.
        can_text: the caller's number takes an SMS, so answers offer their link by SMS.
    """

    def __init__(
        self,
        flow: Flow,
        call_id: str,
        on_end: Callable[[Call], None],
        keypad_only: bool = False,
        meta: dict[str, object] | None = None,
        can_text: bool = False,
    ) -> None:
        self.flow = flow
        self.on_end = on_end
        self.meta = meta or {}
        step = flow.start(call_id, keypad_only=keypad_only, can_text=can_text)
        self.call = step.call
        self.opening: tuple[Action, ...] = step.actions

    @property
    def ended(self) -> bool:
        """True once the call has its outcome."""
        return self.call.state is State.ENDED

    def sounds_complete(self, partial: str) -> bool:
        """Whether a partial transcript is already a whole turn (the caller may stop here)."""
        return not self.ended and self.flow.sounds_complete(self.call, partial)

    def trails_off(self, partial: str) -> bool:
        """Whether a partial transcript stops on a word no sentence ends on (more is coming)."""
        return self.flow.trails_off(partial)

    def handle(self, event: Event) -> tuple[Action, ...]:
        """Feed one event; returns what the channel should do."""
        if self.ended:
            return ()
        step = self.flow.step(self.call, event)
        self.call = step.call
        if self.ended:
            self.on_end(self.call)
        return step.actions
