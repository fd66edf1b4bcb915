"""`voicebot intents …`: check, test, evaluate, share and review the intent set."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from ..errors import IntentSetError
from .common import intents_dir, load_set, open_services, settings_or_exit


@click.group()
def intents() -> None:
    """Check, test and evaluate the intent files."""


@intents.command("check")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def intents_check(directory: str | None) -> None:
    """Validate every intent file; prints `path:line: problem` and exits 1 on any."""
    from ..intents.catalogue import check_intents

    path = intents_dir(directory, settings_or_exit())
    problems = check_intents(path)
    for problem in problems:
        click.echo(problem)
    if problems:
        sys.exit(1)
    from ..intents.catalogue import length_warnings
    from ..intents.local_facts import FILE as FACTS_FILE

    loaded = load_set(path)
    for warning in length_warnings(loaded, path):
        click.echo(warning)
    for name in loaded.facts.unset:
        click.echo(f"{path.parent / FACTS_FILE}: unset {{{name}}}: answers say where to find it")
    click.echo(f"{path}: ok")


@intents.command("test")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def intents_test(directory: str | None) -> None:
    """Run every intent's `tests:` through the matcher; exit 1 listing each miss."""
    from ..core.evaluation import confusable_pairs, misses, said_alike

    settings = settings_or_exit()
    intent_set = load_set(intents_dir(directory, settings))
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
    alike = said_alike(intent_set)
    if alike:
        click.echo("examples of different intents the matcher reads as the same words:")
        for group in alike:
            click.echo("  " + "  =  ".join(f"{i}: '{e}'" for i, e in group))
    if found:
        sys.exit(1)


@intents.command("eval")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--out-of-scope", type=click.Path(dir_okay=False), help="Out-of-scope utterances.")
@click.option(
    "--heldout",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help="A labelled set (text<TAB>intent, empty for out of scope) kept apart from the intents;"
    " given more than once, the sets are read as one.",
)
def intents_eval(directory: str | None, out_of_scope: str | None, heldout: tuple[str, ...]) -> None:
    """Accuracy on unseen and noised text, out-of-scope rejection, and suggested thresholds."""
    from ..core.evaluation import read_labelled, read_utterances, report

    settings = settings_or_exit()
    path = intents_dir(directory, settings)
    oos_path = Path(out_of_scope) if out_of_scope else path.parent / f"out_of_scope_{path.name}.txt"
    oos = read_utterances(oos_path) if oos_path.exists() else []
    labelled = None
    for file in heldout:
        texts, labels = read_labelled(Path(file))
        labelled = (labelled[0] + texts, labelled[1] + labels) if labelled else (texts, labels)
    intent_set = load_set(path)
    click.echo(report(intent_set, settings.thresholds(), oos, heldout=labelled))
    if labelled:
        from ..core.first_turn import report_lines
        from ..core.flow import Flow
        from ..core.hours import OpeningHours
        from ..core.matcher import Matcher

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
    from ..intents.versions import IntentVersions

    settings = settings_or_exit()
    services = open_services(settings)
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

    from ..intents.files import IntentFiles
    from ..intents.versions import IntentVersions

    settings = settings_or_exit()
    source = Path(directory) / settings.intents_dir.name
    files = IntentFiles.read(source)
    try:
        loaded = files.load(source)
    except IntentSetError as exc:
        for problem in exc.problems:
            click.echo(problem)
        sys.exit(1)
    services = open_services(settings)
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
    from ..intents.versions import IntentVersions

    services = open_services(settings_or_exit())
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

    from ..outcomes.review.answers import answer_rows

    settings = settings_or_exit()
    intent_set = load_set(intents_dir(directory, settings))
    services = open_services(settings)
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
