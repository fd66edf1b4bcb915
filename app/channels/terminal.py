"""The terminal as a channel (`voicebot chat`): typed lines in, the flow's actions printed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..core.call import (
    Event,
    Hangup,
    Heard,
    Keypad,
    Played,
    RequestCallback,
    Say,
    SendLink,
    Silence,
    Transfer,
)
from ..core.conversation import Conversation

if TYPE_CHECKING:
    from .live_calls import PhoneServices


def event_for(text: str) -> Event:
    """What a typed line means: nothing is silence, a lone 0-9 * # a key, the rest speech."""
    if not text:
        return Silence()
    if len(text) == 1 and text in "0123456789*#":
        return Keypad(text)
    return Heard(text)


class Terminal:
    """The terminal's way with the flow's actions: print them; a printed prompt has "played".

    Hand-offs and callback requests are made as a phone call makes them, so they reach the
    agents' page and the KPI.
    """

    def __init__(
        self, services: PhoneServices, convo: Conversation, echo: Callable[[str], object] = print
    ) -> None:
        self.services, self.convo, self.echo = services, convo, echo

    def say(self, action: Say) -> None:
        """Print the prompt; it has been heard in full."""
        self.echo(f"bot> {action.text}")
        self.convo.handle(Played(action.prompt_id))

    def transfer(self, action: Transfer) -> None:
        """Hand off as a call does: the agents' page lists it."""
        self.services.hand_off(self.convo.call)
        self.echo(f"-- transfer to queue '{action.queue}' (reason: {action.reason.value})")

    def hang_up(self, action: Hangup) -> None:
        """Say so; the loop ends with the conversation."""
        self.echo("-- the bot hangs up")

    def request_callback(self, action: RequestCallback) -> None:
        """Request it at once (no worker needed)."""
        queue = self.convo.flow.queue_for(self.convo.call)
        self.services.request_callback(self.convo.call.call_id, action, queue, inline=True)
        to = action.to or "the calling number"
        self.echo(f"-- callback requested to {to} about {action.about}")

    def send_link(self, action: SendLink) -> None:
        """Print the link (the terminal has no number to text)."""
        self.echo(f"-- link by SMS: {action.url}")
