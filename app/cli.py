"""The `voicebot` command."""

from __future__ import annotations

import json
import logging
import sys
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from .config import Settings
from .dialogue.actions import run_actions
from .dialogue.call import (
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
from .dialogue.conversation import Conversation
from .errors import ConfigError, IntentSetError
from .kpi.events import Channel
from .routing.handoff import HandoffStore
from .speech.engines import ENGINES

if TYPE_CHECKING:
    from .dialogue.intents import IntentSet
    from .services import Services
    from .supervisor import Supervisor


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _intents_dir(directory: str | None, settings: Settings) -> Path:
    return Path(directory) if directory else settings.intents_dir


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log at INFO to stderr.")
def main(verbose: bool) -> None:
    """Self-hosted Danish voicebot for a municipal contact centre."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )


@main.command()
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option("--threads", default=None, type=int, help="Live calls + webhooks at once.")
def serve(host: str, port: int, threads: int | None) -> None:
    """The phone service: Twilio webhooks and Media Streams under gunicorn.

    Without REDIS_URL an embedded redis-server and a `voicebot worker` are started alongside,
    watched by gunicorn's master and started again if they die.
    """
    import os

    from .keys import load_keys
    from .serving import THREADS, GunicornServer, gunicorn_options
    from .speech.engines import check_speech
    from .webapp import create_app

    settings = _settings()
    try:
        settings.check_phone()
        check_speech(settings)
        load_keys(settings.secret_key, settings.data_dir)  # refuse a weak one; create before fork
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    master = os.getpid()
    supervisor = None
    if not settings.redis_url:
        settings, supervisor = _embedded_helpers(settings)
        supervisor.start()
    try:
        options = gunicorn_options(host, port, threads or THREADS, settings.drain_seconds)
        GunicornServer(lambda: create_app(settings), options).run()
    finally:
        # gunicorn's workers are forks that leave through here too: only the master owns helpers.
        if supervisor is not None and os.getpid() == master:
            supervisor.stop()


def _embedded_helpers(settings: Settings) -> tuple[Settings, Supervisor]:
    """An embedded Redis and a worker on it, supervised; settings pointed at that Redis."""
    import os

    from .redis_server import EmbeddedRedis
    from .supervisor import ChildProcess, Helper, Supervisor

    redis = EmbeddedRedis(settings.data_dir / "redis")
    settings = settings.with_(redis_url=redis.url)
    worker = ChildProcess(
        [sys.executable, "-m", "app", "worker"], {**os.environ, "REDIS_URL": redis.url}
    )
    return settings, Supervisor(
        [
            Helper("redis-server", redis.start, redis.running, redis.stop),
            Helper("worker", worker.start, worker.running, worker.stop),
        ]
    )


@main.command()
def sip() -> None:
    """Our SIP edge: trunk calls straight to `voicebot serve` (`.[sip]`, ASTERISK_PASSWORD)."""
    import asyncio
    import signal

    from .sip.edge import SipEdge

    settings = _settings()
    if not settings.asterisk_password:
        raise click.ClickException("missing required setting(s): ASTERISK_PASSWORD")

    try:
        edge = SipEdge(settings)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc

    async def run() -> None:
        await edge.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await edge.stop()

    asyncio.run(run())


@main.command()
def worker() -> None:
    """Run background jobs (callbacks, SMS receipts, hourly retention) from the configured Redis."""
    from rq import Queue, Worker

    from .jobs import QUEUE_NAME, WORKER_TTL_SECONDS
    from .jobs.retention import schedule

    services = _services(_settings())
    # The worker's DATA_DIR may be its own: it renders what its cache lacks, for the set it
    # starts on (off the job loop; what serve rendered in a shared DATA_DIR is skipped) and for
    # every set that arrives while it runs.
    services.executor.submit(services.render_prompts, services.flow().fixed_prompts())
    services.on_new_intent_set = lambda flow: services.render_prompts(flow.fixed_prompts())
    services.follow_intents()
    connection = None
    try:
        connection = services.worker_redis()
        schedule(Queue(QUEUE_NAME, connection=connection))
        worker = Worker([QUEUE_NAME], connection=connection, worker_ttl=WORKER_TTL_SECONDS)
        worker.work(with_scheduler=True)
    finally:
        if connection is not None:
            connection.close()
        services.close()


@main.command()
@click.option("--at", "at", help="Pretend it is this local time (ISO, e.g. 2026-11-27T11:00).")
@click.option("--caller", help="Pretend to call from this number (for callbacks and hand-offs).")
def chat(at: str | None, caller: str | None) -> None:
    """Talk to the bot in the terminal, through the same flow as a phone call.

    Type what you would say. An empty line is silence; a lone digit is a key press (0: a person).
    Hand-offs and callback requests are made as a phone call makes them: they reach the agents'
    page and the KPI.
    """
    settings = _settings()
    clock = None
    if at:
        pinned = datetime.fromisoformat(at)
        pinned = pinned if pinned.tzinfo else pinned.replace(tzinfo=ZoneInfo(settings.timezone))
        clock = lambda: pinned  # noqa: E731 - a pinned clock is a one-liner
    services = _services(settings, clock)
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


def _services(settings: Settings, clock: Callable[[], datetime] | None = None) -> Services:
    from .services import Services

    try:
        return Services(settings, clock)
    except (ConfigError, IntentSetError) as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.option(
    "--explain", is_flag=True, help="Add the evidence: words, weights, each view's score, the rule."
)
def match(explain: bool) -> None:
    """Match utterances from stdin (one a line) and write one JSON object a line."""
    from .dialogue.matcher import Matcher

    settings = _settings()
    matcher = Matcher(
        _load(settings.intents_dir), settings.thresholds(), model_cache=settings.model_cache()
    )
    out = sys.stdout
    for line in sys.stdin:
        text = line.rstrip("\n")
        found = matcher.explain(text) if explain else matcher.match(text).as_dict()
        out.write(json.dumps(found, ensure_ascii=False) + "\n")
    out.flush()


@main.group()
def intents() -> None:
    """Check, test and evaluate the intent files."""


@intents.command("check")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def intents_check(directory: str | None) -> None:
    """Validate every intent file; prints `path:line: problem` and exits 1 on any."""
    from .dialogue.intents import check_intents

    path = _intents_dir(directory, _settings())
    problems = check_intents(path)
    for problem in problems:
        click.echo(problem)
    if problems:
        sys.exit(1)
    from .dialogue.intents import length_warnings
    from .dialogue.local_facts import FILE as FACTS_FILE

    loaded = _load(path)
    for warning in length_warnings(loaded, path):
        click.echo(warning)
    for name in loaded.facts.unset:
        click.echo(f"{path.parent / FACTS_FILE}: unset {{{name}}}: answers say where to find it")
    click.echo(f"{path}: ok")


@intents.command("test")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def intents_test(directory: str | None) -> None:
    """Run every intent's `tests:` through the matcher; exit 1 listing each miss."""
    from .dialogue.evaluation import confusable_pairs, misses

    settings = _settings()
    intent_set = _load(_intents_dir(directory, settings))
    found = misses(intent_set, settings.thresholds())
    for miss in found:
        click.echo(miss.line)
    total = sum(len(i.tests) for i in intent_set.intents.values())
    click.echo(f"{total - len(found)} of {total} test utterances matched their intent")
    pairs = confusable_pairs(intent_set, settings.thresholds())
    if pairs:
        click.echo("confusable (held-out examples taken for another intent):")
        for own, taken_for, count in pairs[:15]:
            click.echo(f"  {own} → {taken_for}: {count}")
    if found:
        sys.exit(1)


@intents.command("eval")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--out-of-scope", type=click.Path(dir_okay=False), help="Out-of-scope utterances.")
@click.option(
    "--heldout",
    type=click.Path(dir_okay=False, exists=True),
    help="A labelled set (text<TAB>intent, empty for out of scope) kept apart from the intents.",
)
def intents_eval(directory: str | None, out_of_scope: str | None, heldout: str | None) -> None:
    """Accuracy on unseen and noised text, out-of-scope rejection, and suggested thresholds."""
    from .dialogue.evaluation import read_labelled, read_utterances, report

    settings = _settings()
    path = _intents_dir(directory, settings)
    oos_path = Path(out_of_scope) if out_of_scope else path.parent / f"out_of_scope_{path.name}.txt"
    oos = read_utterances(oos_path) if oos_path.exists() else []
    labelled = read_labelled(Path(heldout)) if heldout else None
    intent_set = _load(path)
    click.echo(report(intent_set, settings.thresholds(), oos, heldout=labelled))
    if labelled:
        from .dialogue.first_turn import report_lines
        from .dialogue.flow import Flow
        from .dialogue.hours import OpeningHours
        from .dialogue.matcher import Matcher

        hours = OpeningHours.from_spec(
            settings.opening_hours, settings.timezone, settings.closed_dates
        )
        at = datetime(2026, 1, 6, 11, tzinfo=ZoneInfo(settings.timezone))  # a Tuesday, open
        matcher = Matcher(intent_set, settings.thresholds(), model_cache=settings.model_cache())
        flow = Flow(intent_set, matcher, hours, lambda: at, settings.municipality_name)
        click.echo("\n".join(report_lines(flow, *labelled)))


@intents.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--version", "number", type=int, help="A kept older version (default: the newest).")
def intents_export(directory: str, number: int | None) -> None:
    """Write the cluster's intent set from Redis as DIRECTORY/index.yaml and DIRECTORY/<lang>/."""
    from .shared_intents import IntentVersions

    settings = _settings()
    services = _services(settings)
    try:
        versions = IntentVersions(services.redis)
        version = versions.get(number) if number else versions.latest()
    finally:
        services.close()
    if version is None:
        raise click.ClickException(
            f"no version {number} is kept" if number else "Redis holds no intent set yet"
        )
    version.files.write(Path(directory) / settings.intents_dir.name)
    click.echo(f"version {version.number} ({version.hash}, {version.who}, {version.at})")


@intents.command("import")
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
def intents_import(directory: str) -> None:
    """Store DIRECTORY/index.yaml and DIRECTORY/<lang>/ as the cluster's next version.

    The set is validated first (`path:line: problem`, exit 1, nothing stored); every running
    process serves it within seconds.
    """
    import getpass

    from .dialogue.intent_files import IntentFiles
    from .shared_intents import IntentVersions

    settings = _settings()
    source = Path(directory) / settings.intents_dir.name
    files = IntentFiles.read(source)
    try:
        loaded = files.load(source)
    except IntentSetError as exc:
        for problem in exc.problems:
            click.echo(problem)
        sys.exit(1)
    services = _services(settings)
    try:
        version = IntentVersions(services.redis).put(
            files, loaded.version, f"import by {getpass.getuser()}"
        )
    finally:
        services.close()
    click.echo(f"stored as version {version.number} ({version.hash}, {len(files.intents)} intents)")


@intents.command("history")
@click.option("--count", default=20, show_default=True, help="How many versions, newest first.")
def intents_history(count: int) -> None:
    """The newest versions in Redis: number, hash, who, when."""
    from .shared_intents import IntentVersions

    services = _services(_settings())
    try:
        for version in IntentVersions(services.redis).history(count):
            click.echo(f"{version.number}\t{version.hash}\t{version.at}\t{version.who}")
    finally:
        services.close()


@intents.command("due")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def intents_due(directory: str | None) -> None:
    """Answers due for their owner's review (or flagged by callers), one line each, by owner.

    Exit 0 with nothing due, 1 when something is (for a monthly e-mail job).
    """
    from datetime import timedelta

    from .review.answers import answer_rows

    settings = _settings()
    intent_set = _load(_intents_dir(directory, settings))
    services = _services(settings)
    try:
        today = datetime.now(ZoneInfo(settings.timezone))
        records = services.kpi.records(today - timedelta(days=31), today + timedelta(days=1))
    except Exception:  # noqa: BLE001 - without Redis the list still names what is due by date
        records = []
    finally:
        services.close()
    rows = [
        r
        for r in answer_rows(intent_set, records, today.date(), settings.answer_review_days)
        if r.why()
    ]
    for row in sorted(rows, key=lambda r: (r.owner or "~", r.description)):
        last = row.reviewed.isoformat() if row.reviewed else "aldrig"
        click.echo(
            f"{row.owner or 'ingen fagansvarlig'}\t{row.intent}\t{row.description}\t"
            f"sidst gennemgået: {last}\t{'; '.join(row.why())}"
        )
    click.echo(
        f"{len(rows)} svar skal gennemgås (ANSWER_REVIEW_DAYS={settings.answer_review_days})"
    )
    if rows:
        sys.exit(1)


def _load(path: Path) -> IntentSet:
    from .dialogue.intents import load_intents

    try:
        return load_intents(path)
    except IntentSetError as exc:
        raise click.ClickException(str(exc)) from None


@main.group()
def privacy() -> None:
    """Checks that no raw personal number is kept where it should not be."""


@privacy.command("audit")
@click.option(
    "--log",
    "logs",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help="A log file to scan too (repeatable).",
)
def privacy_audit(logs: tuple[str, ...]) -> None:
    """Scan Redis (and log files) for CPR- and phone-like strings; exit 1 on any finding."""
    from .privacy import scan_logs, scan_redis

    services = _services(_settings())
    try:
        findings = [*scan_redis(services.redis), *scan_logs(Path(p) for p in logs)]
    finally:
        services.close()
    for finding in findings:
        click.echo(finding)
    if findings:
        sys.exit(1)
    click.echo("no raw personal numbers found")


@main.group()
def accounts() -> None:
    """Staff accounts for the agents' and admin pages."""


@accounts.command("add")
@click.argument("username")
@click.option("--name", default=None, help="Shown on the page (default: the username).")
@click.option(
    "--role",
    type=click.Choice(["agent", "admin"]),
    default="agent",
    show_default=True,
    help="What the account may see.",
)
@click.password_option(help="Asked for when not given (12+ characters).")
def accounts_add(username: str, name: str | None, role: str, password: str) -> None:
    """Add or replace an account in ACCOUNTS_FILE (only a hash of the password is stored)."""
    from .web.accounts import save_account

    settings = _settings()
    try:
        save_account(settings.accounts(), username, password, name or username, role)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{settings.accounts()}: {username} ({role}) saved")


@accounts.command("delete")
@click.argument("username")
def accounts_delete(username: str) -> None:
    """Remove an account; its open sessions stop working at their next request."""
    from .web.accounts import delete_account

    settings = _settings()
    if not delete_account(settings.accounts(), username):
        raise click.ClickException(f"no account {username!r}")
    click.echo(f"{settings.accounts()}: {username} deleted")


def _speech(engine: str | None, model: str | None, vocabulary: str | None) -> tuple:
    """(settings, loaded model, the intent set's vocabulary) for the speech commands."""
    from .services import Services
    from .speech import engines

    settings = _settings()
    overrides = {"stt_engine": engine, "stt_model_path": model, "stt_vocabulary": vocabulary}
    settings = settings.with_(**{k: v for k, v in overrides.items() if v})
    try:
        loaded = engines.load(settings)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if loaded is None:
        raise click.ClickException("no speech model: set STT_MODEL_PATH (or pass --model)")
    return settings, loaded, Services(settings).vocabulary(_load(settings.intents_dir))


_engine_options = [
    click.option("--engine", type=click.Choice(ENGINES), help="STT_ENGINE."),
    click.option("--model", "model_dir", type=click.Path(file_okay=False), help="STT_MODEL_PATH."),
    click.option("--vocabulary", type=click.Choice(["restricted", "open"]), help="STT_VOCABULARY."),
    click.option("--phone-line", is_flag=True, help="First pass the audio through a phone line."),
]


def _with_engine_options(command: Callable) -> Callable:
    for option in reversed(_engine_options):
        command = option(command)
    return command


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True))
@_with_engine_options
def transcribe(
    files: tuple[str, ...],
    engine: str | None,
    model_dir: str | None,
    vocabulary: str | None,
    phone_line: bool,
) -> None:
    """Recognise WAV files (any rate; PCM, μ-law or A-law): one JSON line per file."""
    from .speech.audio_eval import transcribe as recognise
    from .speech.audio_files import AudioFileError

    _, model, words = _speech(engine, model_dir, vocabulary)
    failed = False
    for name in files:
        try:
            result = recognise(model, words, Path(name), phone=phone_line)
        except AudioFileError as exc:
            click.echo(str(exc), err=True)
            failed = True
            continue
        click.echo(json.dumps({**result.as_dict(), "file": name}, ensure_ascii=False))
    if failed:
        sys.exit(2)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def reference(directory: Path) -> None:
    """Write cli.md and settings.md (every command and setting, from the code) into DIRECTORY."""
    from .reference import write

    for path in write(directory, main):
        click.echo(f"wrote {path}")


@main.group("eval")
def evaluate() -> None:
    """Measure the recogniser on recordings (the intents have `voicebot intents eval`)."""


@evaluate.command("audio")
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
@_with_engine_options
@click.option("--max-wer", type=float, help="Exit 1 when the word error rate is above this.")
@click.option("--min-top1", type=float, help="Exit 1 when intent top-1 is below this.")
@click.option("--show", is_flag=True, help="Print each file's transcript too.")
def eval_audio(
    directory: str,
    engine: str | None,
    model_dir: str | None,
    vocabulary: str | None,
    phone_line: bool,
    max_wer: float | None,
    min_top1: float | None,
    show: bool,
) -> None:
    """WER, CER, intent top-1, wrong answers and turn latency on DIR/transcripts.tsv.

    Exit 0 when measured (and within --max-wer / --min-top1), 1 when a limit is missed,
    2 when the directory or a file cannot be read.
    """
    from .dialogue.matcher import Matcher
    from .speech.audio_eval import evaluate as run
    from .speech.audio_files import AudioFileError

    settings, model, words = _speech(engine, model_dir, vocabulary)
    matcher = Matcher(
        _load(settings.intents_dir), settings.thresholds(), model_cache=settings.model_cache()
    )
    try:
        report = run(model, words, Path(directory), matcher, phone=phone_line)
    except (AudioFileError, ValueError) as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    from .speech.engines import model_path

    click.echo(
        f"engine {settings.stt_engine}   model {Path(str(model_path(settings))).name}"
        f"   vocabulary {settings.stt_vocabulary}   phone line {'yes' if phone_line else 'no'}"
    )
    if show:
        for t in report.transcripts:
            click.echo(f"  {t.file}: {t.text}")
    for line in report.lines():
        click.echo(line)
    missed = (max_wer is not None and report.wer > max_wer) or (
        min_top1 is not None and (report.intents is None or report.intents.top1 < min_top1)
    )
    if missed:
        sys.exit(1)


@main.group()
def bench() -> None:
    """Benchmarks that print figures (speed, memory, capacity)."""


@bench.command("calls")
@click.option("--concurrency", default="1,8", show_default=True, help="Comma-separated N.")
@click.option("--open-vocabulary", is_flag=True, help="Decode with the model's full vocabulary.")
@click.option(
    "--pin-client", is_flag=True, help="Run the callers on CPU 0 and the server on the others."
)
@click.option(
    "--engine", type=click.Choice(ENGINES), default="vosk", help="STT_ENGINE for the server."
)
@click.option(
    "--model", "model_dir", type=click.Path(file_okay=False), help="Default: PyPI's Korean model."
)
@click.option("--turn-model", help="TURN_MODEL for the server (e.g. smart-turn-v3.2).")
def bench_calls(
    concurrency: str,
    open_vocabulary: bool,
    pin_client: bool,
    engine: str,
    model_dir: str | None,
    turn_model: str | None,
) -> None:
    """N simultaneous simulated callers over real WebSockets, real model, real-time pacing."""
    from .bench.calls import run_calls
    from .bench.server import Engine

    levels = [int(n) for n in concurrency.split(",") if n.strip()]
    chosen = Engine(engine, model_dir) if model_dir else Engine(engine)
    lines = run_calls(
        levels,
        restricted=not open_vocabulary,
        pin_client=pin_client,
        engine=chosen,
        turn_model=turn_model,
    )
    for line in lines:
        click.echo(line)


def _random_model(engine: str, shape: str) -> Callable:
    """`bench <engine>-model DIRECTORY`: a model of `shape` with random weights, for cost."""

    @click.argument("directory", type=click.Path(file_okay=False))
    @click.option("--float32", is_flag=True, help="Keep float32 weights (default: int8).")
    def command(directory: str, float32: bool) -> None:
        from importlib import import_module

        build = import_module(f".bench.{engine}", __package__).build
        for line in build(Path(directory), quantise=not float32):
            click.echo(line)

    command.__doc__ = f"Write a {engine} model of {shape}'s shape with random weights (for cost)."
    return command


bench.command("ctc-model")(_random_model("ctc", "Røst-315m"))
bench.command("transducer-model")(_random_model("transducer", "parakeet-rnnt-110m"))


_turn_cost_options = [
    click.option(
        "--model",
        "model_dir",
        required=True,
        type=click.Path(file_okay=False),
        help="The model directory.",
    ),
    click.option("--chunks", default="0,500,1000", show_default=True, help="Chunk sizes (ms)."),
    click.option("--threads", default=2, show_default=True, help="onnxruntime threads."),
]


def _turn_cost(engine: str) -> Callable:
    def command(model_dir: str, chunks: str, threads: int) -> None:
        from .bench.ctc import run_turns

        chunk_sizes = [int(c) for c in chunks.split(",")]
        for line in run_turns(model_dir, chunk_sizes, threads, engine=engine):
            click.echo(line)

    command.__doc__ = f"{engine}: end of turn → transcript for a 3 s turn, per STT_CHUNK_MS."
    for option in reversed(_turn_cost_options):
        command = option(command)
    return command


bench.command("ctc")(_turn_cost("ctc"))
bench.command("transducer")(_turn_cost("transducer"))


@bench.command("turn-model")
@click.option("--turn-model", default="smart-turn-v3.2", show_default=True, help="TURN_MODEL.")
def bench_turn_model(turn_model: str) -> None:
    """The end-of-turn model on Danish espeak-ng turns: complete vs cut mid-phrase."""
    from .bench.turn import run

    for line in run(turn_model):
        click.echo(line)


@bench.command("chat")
@click.option("--sessions", default=200, show_default=True, help="Citizens chatting at once.")
@click.option(
    "--think", default=5.0, show_default=True, help="Mean seconds between a citizen's messages."
)
def bench_chat(sessions: int, think: float) -> None:
    """N citizens chatting at once over HTTP: reply time and memory per session."""
    from .bench.chat import run_chat

    for line in run_chat(sessions, think):
        click.echo(line)


@bench.command("frames")
def bench_frames() -> None:
    """Per-frame cost of a call's audio path, stage by stage, without the recogniser."""
    from .bench.frames import run_frames

    for line in run_frames():
        click.echo(line)


@bench.command("sip")
@click.option("--calls", default="10,20,40", show_default=True, help="Comma-separated N.")
@click.option("--hold", default=20.0, show_default=True, help="Seconds each call lasts.")
@click.option("--rate", default=10, show_default=True, help="New calls per second.")
def bench_sip(calls: str, hold: float, rate: int) -> None:
    """N SIPp calls at once through `voicebot sip`: set-up, RTP send jitter, CPU per call."""
    from .bench.sip import run_sip

    for line in run_sip([int(n) for n in calls.split(",") if n.strip()], hold, rate):
        click.echo(line)


@bench.command("match")
@click.option("--lines", default=5000, show_default=True, help="Utterances to time.")
@click.option("--intents", "size", type=int, help="Grow the set to this many intents first.")
def bench_match(lines: int, size: int | None) -> None:
    """Matcher build time and cost per utterance, on the shipped set or one grown to a size."""
    from .bench.match import run_match

    for line in run_match(lines, size):
        click.echo(line)


@main.group()
def kpi() -> None:
    """Key figures: resolution without transfer, containment, breakdowns."""


@kpi.command("report")
@click.option("--since", help="Local date or time, inclusive (ISO).")
@click.option("--until", help="Local date or time, exclusive (ISO).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@click.option(
    "--channel", type=click.Choice([c.value for c in Channel]), help="One channel (default: all)."
)
def kpi_report(since: str | None, until: str | None, fmt: str, channel: str | None) -> None:
    """Print the KPI for a period (default: everything recorded)."""
    from .kpi.report import add_counters, render, summarise

    settings = _settings()
    tz = ZoneInfo(settings.timezone)

    def parse(value: str | None) -> datetime | None:
        if not value:
            return None
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=tz)

    services = _services(settings)
    try:
        start, end = parse(since), parse(until)
        records = services.kpi.records(start, end)
        if channel:
            records = [r for r in records if r.channel == channel]
        first = start or (records[0].ended_at if records else datetime.now(tz))
        last = end or datetime.now(tz)
        summary = add_counters(
            summarise(records, settings.timezone),
            services.kpi.counters_between(first.date(), last.date()),
        )
        labels = {t.id: t.label for t in services.library.current().topics.values()}
        click.echo(render(summary, fmt, labels))
    finally:
        services.close()
