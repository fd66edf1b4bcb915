"""Whole calls from `calls_da.yaml`, through the path `voicebot chat` takes, then the KPI report.

Each call is typed as a caller would type it into `voicebot chat`; hand-offs and callback
requests are made as the chat makes them. The last test runs every call again into an empty
store and checks that `voicebot kpi report` counts exactly what the calls did.
"""

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from redis import Redis

from app.channels.terminal import Terminal, event_for
from app.config import Settings
from app.core.actions import run_actions
from app.core.call import HungUp
from app.outcomes.callbacks import CallbackStore
from app.outcomes.handoff import HandoffStore
from app.outcomes.kpi.events import Channel
from app.wiring import Services
from tests.conftest import CLOSED, OPEN, fresh_database_url

CALLS = yaml.safe_load((Path(__file__).parent / "calls_da.yaml").read_text(encoding="utf-8"))
MOMENTS = {"open": OPEN, "closed": CLOSED}


@pytest.fixture(scope="module")
def moment():
    return [OPEN]


@pytest.fixture(scope="module")
def calls_redis_url(redis_server):
    """The module's calls share one service, so they share one database."""
    return fresh_database_url(redis_server)


@pytest.fixture
def redis_url(calls_redis_url):
    Redis.from_url(calls_redis_url).flushdb()
    return calls_redis_url


@pytest.fixture(scope="module")
def services(calls_redis_url, tmp_path_factory, moment, prompt_cache_dir):
    settings_ = Settings.for_tests(
        redis_url=calls_redis_url,
        data_dir=tmp_path_factory.mktemp("calls"),
        prompt_cache_dir=prompt_cache_dir / "prompts",
    )
    svc = Services(settings_, clock=lambda: moment[0])
    yield svc
    svc.close()


def place(services, moment, script, number, capsys=None):
    """One whole call; returns the finished call and what the bot said."""
    moment[0] = MOMENTS[script.get("at", "open")]
    call_id = f"chat-{number:04d}"
    caller = script.get("caller")
    if caller:
        HandoffStore(services.redis).remember_caller(call_id, caller)
    convo = services.conversation(
        call_id, Channel.TERMINAL, caller=services.caller_hash(caller) if caller else None
    )
    terminal = Terminal(services, convo)
    run_actions(convo.opening, terminal)
    for turn in script["turns"]:
        if convo.ended:
            break
        event = HungUp() if turn == "<hangup>" else event_for(str(turn))
        run_actions(convo.handle(event), terminal)
    if not convo.ended:
        run_actions(convo.handle(HungUp()), terminal)
    said = capsys.readouterr().out if capsys else ""
    return convo.call, said


@pytest.mark.parametrize("script", CALLS, ids=[c["name"] for c in CALLS])
def test_call(services, moment, redis, capsys, script):
    number = CALLS.index(script)
    call, said = place(services, moment, script, number, capsys)
    assert call.outcome.value == script["outcome"], said
    assert (call.reason.value if call.reason else None) == script.get("reason"), said
    if "answered" in script:
        assert list(call.answered) == script["answered"], said
    if "answered_count" in script:
        assert len(call.answered) == script["answered_count"], said
    if "queue" in script:
        assert call.queue == script["queue"]
    for phrase in script.get("says", []):
        assert phrase in said, f"missing {phrase!r} in:\n{said}"
    for phrase in script.get("never", []):
        assert phrase not in said, f"said {phrase!r} in:\n{said}"
    expected_callback = script.get("callback")
    made = CallbackStore(redis).get(call.call_id)
    if expected_callback == "none":
        assert made is None
    elif expected_callback == "own":
        assert made is not None and made.number == script["caller"]
    elif expected_callback:
        assert made is not None and made.number == expected_callback
    if call.outcome.value == "transferred" and call.reason.value != "closed":
        assert HandoffStore(redis).load(call.call_id) is not None  # the agents' page sees it
    assert call.callback_to is None and call.keyed == ""  # nothing personal outlives the call


def test_the_kpi_report_counts_exactly_what_the_calls_did(services, moment, redis, redis_url):
    for number, script in enumerate(CALLS):
        place(services, moment, script, number)
    env = {**os.environ, "REDIS_URL": redis_url, "DATA_DIR": str(services.settings.data_dir)}
    report = subprocess.run(
        [sys.executable, "-m", "app", "kpi", "report", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    figures = json.loads(report.stdout)
    outcomes = Counter(c["outcome"] for c in CALLS)
    total = figures["total"]
    assert total["calls"] == len(CALLS)
    for outcome in ("resolved", "transferred", "abandoned", "no_input", "error"):
        assert total[outcome] == outcomes[outcome], outcome
    assert figures["transfer_reasons"] == dict(
        sorted(Counter(c["reason"] for c in CALLS if c["outcome"] == "transferred").items())
    )
    assert figures["channels"]["terminal"]["calls"] == len(CALLS)
    referred = sum(1 for c in CALLS if c.get("topic") == "henvisning")
    assert referred and figures["topics"]["henvisning"]["calls"] == referred  # its own row
    assert figures["topics"]["henvisning"]["resolved"] == referred  # a referral is an answer
    callbacks = sum(1 for c in CALLS if c.get("callback") not in (None, "none"))
    assert figures["callbacks"]["created"] == callbacks
    assert total["resolution"] == round(outcomes["resolved"] / len(CALLS), 4)
    assert total["abandonment"] == round(outcomes["abandoned"] / len(CALLS), 4)
