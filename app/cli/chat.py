"""`voicebot chat` and `match`: a conversation or the matcher in the terminal."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import click

from ..channels.terminal import Terminal, event_for
from ..core.actions import run_actions
from ..core.call import HungUp
from ..outcomes.handoff import HandoffStore
from ..outcomes.kpi.events import Channel
from .common import load_set, open_services, settings_or_exit


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
        terminal = Terminal(services, convo, click.echo)
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
