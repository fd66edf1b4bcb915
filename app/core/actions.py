"""The one place a flow's actions are carried out: each channel says how, not which.

The flow returns actions (`dialogue.call.Action`); a channel implements `ChannelActions` for
its medium (audio, a chat message, a printed line) and `run_actions` dispatches them, so a new
action type is added once here and every channel is told by the type checker.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from .call import Action, Hangup, RequestCallback, Say, SendLink, Transfer


class ChannelActions(Protocol):
    """How one channel performs each kind of action."""

    def say(self, action: Say) -> None:
        """Speak or show a prompt."""

    def transfer(self, action: Transfer) -> None:
        """Hand the conversation to a person in the action's queue."""

    def hang_up(self, action: Hangup) -> None:
        """End the conversation once what came before has been said."""

    def request_callback(self, action: RequestCallback) -> None:
        """Queue a callback for when the contact centre opens."""

    def send_link(self, action: SendLink) -> None:
        """Text the caller an answer's link."""


def run_actions(actions: Iterable[Action], channel: ChannelActions) -> None:
    """Carry out a step's actions in order on one channel."""
    for action in actions:
        match action:
            case Say():
                channel.say(action)
            case Transfer():
                channel.transfer(action)
            case Hangup():
                channel.hang_up(action)
            case RequestCallback():
                channel.request_callback(action)
            case SendLink():
                channel.send_link(action)
