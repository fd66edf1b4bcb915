"""The dashboard's charts as SVG: what their axes say."""

import re
from datetime import UTC, date, datetime

from app.outcomes.kpi.charts import resolution_by_day
from app.outcomes.kpi.events import CallRecord
from app.outcomes.kpi.report import summarise


def test_the_day_chart_shows_every_day_of_the_period_with_its_month():
    at = datetime(2026, 11, 30, 10, tzinfo=UTC)
    record = CallRecord("CA1", "phone", at, at, "resolved", None, "pas", ("pas",), None, True)
    svg = resolution_by_day(summarise([record]), date(2026, 11, 29), date(2026, 12, 2))
    labels = re.findall(r'class="label"[^>]*>([^<]+)</text>', svg)
    assert labels == ["29/11", "30/11", "1/12", "2/12"]  # quiet days too, across the month
    bars = re.findall(r"<title>(\d+/\d+: \d+)</title>", svg)
    assert bars[:4] == ["29/11: 0", "29/11: 0", "30/11: 1", "30/11: 1"]  # calls, resolved
