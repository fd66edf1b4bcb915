"""`voicebot chat` and `match`: a conversation or the matcher in the terminal."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from ..core.actions import run_actions
from ..core.call import (
    Event,
    Hangup,
    Heard,
    HungUp,
    Keypad,
    Played,
    RequestCallback,
    Say,
    SendLink,
    Silence,
    Transfer,
)
from ..core.conversation import Conversation
from ..outcomes.handoff import HandoffStore
from ..outcomes.kpi.events import Channel
from .common import load_set, open_services, settings_or_exit

if TYPE_CHECKING:
    from ..wiring import Services


@click.command()
@click.option("--at", "at", help="Pretend it is this local time (ISO, e.g. 2026-11-27T11:00).")
@click.option("--caller", help="Pretend to call from this number (for callbacks and hand-offs).")
def chat(at: str | None, caller: str | None) -> None:
    """Talk to the bot in the terminal, through the same flow as a phone call.

    Type what you would say. An empty line is silence; a lone digit is a key press (0: a person).
    Hand-offs and callback requests are made as a phone call makes them: they reach the agents'
    page and the KPI.
    """
    settings = settings_or_exit()
    clock = None
    if at:
        pinned = datetime.fromisoformat(at)
        pinned = pinned if pinned.tzinfo else pinned.replace(tzinfo=ZoneInfo(settings.timezone))
        clock = lambda: pinned  # noqa: E731 - a pinned clock is a one-liner
    services = open_services(settings, clock)
    interactive = sys.stdin.isatty()
    try:
        call_id = f"chat-{uuid.uuid4().hex[:12]}"
        caller_hash = None
        if caller:
            HandoffStore(services.redis).remember_caller(call_id, caller)
            caller_hash = services.caller_hash(caller)
        convo = services.conversation(call_id, channel=Channel.TERMINAL, caller=caller_hash)
        terminal = Terminal(services, convo)
        run_actions(convo.opening, terminal)
        while not convo.ended:
            if interactive:
                click.echo("du> ", nl=False)
            line = sys.stdin.readline()
            if not line:
                run_actions(convo.handle(HungUp()), terminal)
                break
            text = line.strip()
            if not interactive:
                click.echo(f"du> {text}")
            run_actions(convo.handle(event_for(text)), terminal)
        call = convo.call
        topics = ", ".join(call.answered) or "-"
        reason = f" ({call.reason.value})" if call.reason else ""
        click.echo(
            f"-- outcome: {call.outcome.value if call.outcome else '?'}{reason}; answered: {topics}"
        )
    finally:
        services.close()


def event_for(text: str) -> Event:
    """What a typed line means: nothing is silence, a lone 0-9 * # a key, the rest speech."""
    if not text:
        return Silence()
    if len(text) == 1 and text in "0123456789*#":
        return Keypad(text)
    return Heard(text)


class Terminal:
    """The terminal's way with the flow's actions: print them; a printed prompt has "played"."""

    def __init__(self, services: Services, convo: Conversation) -> None:
        self.services, self.convo = services, convo

    def say(self, action: Say) -> None:
        """Print the prompt; it has been heard in full."""
        click.echo(f"bot> {action.text}")
        self.convo.handle(Played(action.prompt_id))

    def transfer(self, action: Transfer) -> None:
        """Hand off as a call does: the agents' page lists it."""
        self.services.hand_off(self.convo.call)
        click.echo(f"-- transfer to queue '{action.queue}' (reason: {action.reason.value})")

    def hang_up(self, action: Hangup) -> None:
        """Say so; the loop ends with the conversation."""
        click.echo("-- the bot hangs up")

    def request_callback(self, action: RequestCallback) -> None:
        """Request it at once (no worker needed)."""
        queue = self.convo.flow.queue_for(self.convo.call)
        self.services.request_callback(self.convo.call.call_id, action, queue, inline=True)
        to = action.to or "the calling number"
        click.echo(f"-- callback requested to {to} about {action.about}")

    def send_link(self, action: SendLink) -> None:
        """Print the link (the terminal has no number to text)."""
        click.echo(f"-- link by SMS: {action.url}")


@click.command()
@click.option(
    "--explain", is_flag=True, help="Add the evidence: words, weights, each view's score, the rule."
)
def match(explain: bool) -> None:
    """Match utterances from stdin (one a line) and write one JSON object a line."""
    from ..core.matcher import Matcher

    settings = settings_or_exit()
    matcher = Matcher(
        load_set(settings.intents_dir), settings.thresholds(), model_cache=settings.model_cache()
    )
    out = sys.stdout
    for line in sys.stdin:
        text = line.rstrip("\n")
        found = matcher.explain(text) if explain else matcher.match(text).as_dict()
        out.write(json.dumps(found, ensure_ascii=False) + "\n")
    out.flush()
