"""`voicebot kpi report`: the KPI for a period, as a table, JSON or CSV."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import click

from ..outcomes.kpi.events import Channel
from .common import open_services, settings_or_exit


@click.group()
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
    from ..outcomes.kpi.report import add_counters, render, summarise

    settings = settings_or_exit()
    tz = ZoneInfo(settings.timezone)

    def parse(value: str | None) -> datetime | None:
        if not value:
            return None
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=tz)

    services = open_services(settings)
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
