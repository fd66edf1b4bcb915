"""The KPI as SVG charts a manager can put in a monthly report. Pure: a summary in, SVG out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from xml.sax.saxutils import escape

from .report import Summary

WIDTH, HEIGHT, PAD = 720, 300, 40
LABEL_SPACE = 40
"""Room under the axis for labels (slanted, so long topic names are shown whole)."""
BAR, RESOLVED, CLOSED = "#6b8cba", "#1d4f91", "#e4e4e4"
"""Calls 3.4:1 and resolved 8:1 against white (graphics need 3:1); the closed band is a tint."""


def _svg(title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11" role="img">'
        f"<title>{escape(title)}</title>"
        f'<text x="{PAD}" y="18" font-size="14">{escape(title)}</text>' + "".join(body) + "</svg>"
    )


def _bars(
    labels: Sequence[str],
    calls: Sequence[int],
    resolved: Sequence[int],
    shaded: Sequence[bool] = (),
) -> list[str]:
    """Grouped columns: all calls (light), resolved (dark); shaded columns get a grey band."""
    n = max(1, len(labels))
    top = max([1, *calls])
    step = (WIDTH - 2 * PAD) / n
    base = HEIGHT - PAD - LABEL_SPACE
    height = base - PAD
    out = [
        f'<line x1="{PAD}" y1="{base}" x2="{WIDTH - PAD}" y2="{base}" stroke="#444"/>',
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{base}" stroke="#444"/>',
        f'<text x="{PAD - 4}" y="{PAD + 4}" text-anchor="end">{top}</text>',
        f'<text x="{PAD - 4}" y="{base}" text-anchor="end">0</text>',
    ]
    for i, label in enumerate(labels):
        x = PAD + i * step
        if i < len(shaded) and shaded[i]:
            out.append(
                f'<rect class="closed" x="{x:.1f}" y="{PAD}" width="{step:.1f}" '
                f'height="{height}" fill="{CLOSED}"/>'
            )
        if calls[i] and n <= 31:
            y = base - height * calls[i] / top - 3
            out.append(
                f'<text class="value" x="{x + step / 2:.1f}" y="{y:.1f}" '
                f'text-anchor="middle" font-size="10">{calls[i]}</text>'
            )
        for value, color, cls in (
            (calls[i], BAR, "bar calls"),
            (resolved[i], RESOLVED, "bar resolved"),
        ):
            h = height * value / top
            out.append(
                f'<rect class="{cls}" x="{x + step * 0.15:.1f}" y="{base - h:.1f}" '
                f'width="{step * 0.7:.1f}" height="{h:.1f}" fill="{color}">'
                f"<title>{escape(label)}: {value}</title></rect>"
            )
        if n <= 31:
            lx, ly = x + step / 2, base + 14
            slant = f' transform="rotate(-25 {lx:.1f} {ly})"' if len(label) > 3 else ""
            anchor = "end" if slant else "middle"
            out.append(
                f'<text class="label" x="{lx:.1f}" y="{ly}" text-anchor="{anchor}"{slant}>'
                f"{escape(label)}</text>"
            )
    out.append(
        f'<text x="{WIDTH - PAD}" y="18" text-anchor="end">'
        f'<tspan fill="{BAR}">■ opkald</tspan> <tspan fill="{RESOLVED}">■ løst</tspan>'
        "</text>"
    )
    return out


def resolution_by_day(summary: Summary, first: date | None = None, last: date | None = None) -> str:
    """Calls and resolved calls per day of the period, a quiet day shown as 0.

    Labelled day/month ("24/11"), so a period across two months reads right.
    """
    seen = sorted(date.fromisoformat(d) for d in summary.days)
    first = first or (seen[0] if seen else None)
    last = last or (seen[-1] if seen else None)
    days = [first + timedelta(n) for n in range((last - first).days + 1)] if first and last else []
    groups = [summary.days.get(d.isoformat()) for d in days]
    return _svg(
        "Løst uden omstilling pr. dag",
        _bars(
            [f"{d.day}/{d.month}" for d in days],
            [g.calls if g else 0 for g in groups],
            [g.outcomes["resolved"] if g else 0 for g in groups],
        ),
    )


def calls_by_hour(summary: Summary, open_hours: Mapping[int, bool]) -> str:
    """Calls per hour of the day; hours the contact centre is closed are shaded."""
    hours = list(range(24))
    groups = [summary.hours.get(h) for h in hours]
    return _svg(
        "Opkald pr. time (gråt: kontaktcentret lukket)",
        _bars(
            [f"{h:02d}" for h in hours],
            [g.calls if g else 0 for g in groups],
            [g.outcomes["resolved"] if g else 0 for g in groups],
            [not open_hours.get(h, False) for h in hours],
        ),
    )


def topic_label(topic: str, labels: Mapping[str, str]) -> str:
    """A topic's name as staff know it: its label, "Andet" for what fits no topic."""
    return labels.get(topic, "Andet" if topic == "other" else topic)


def tables(summary: Summary, labels: Mapping[str, str]) -> dict[str, list[tuple[str, int, int]]]:
    """The charts' numbers as rows (label, calls, resolved), for a table beside each chart."""

    def row(label: str, group: object) -> tuple[str, int, int]:
        return (label, group.calls, group.outcomes["resolved"])  # type: ignore[attr-defined]

    return {
        "days": [row(d, summary.days[d]) for d in sorted(summary.days)],
        "hours": [row(f"{h:02d}", summary.hours[h]) for h in sorted(summary.hours)],
        "topics": [
            row(topic_label(t, labels), summary.topics[t])
            for t in sorted(summary.topics, key=lambda t: -summary.topics[t].calls)
        ],
    }


def topics(summary: Summary, labels: Mapping[str, str]) -> str:
    """Calls and resolved calls per topic (the municipality's monthly groups)."""
    names = sorted(summary.topics, key=lambda t: -summary.topics[t].calls)
    groups = [summary.topics[t] for t in names]
    return _svg(
        "Emner",
        _bars(
            [topic_label(t, labels) for t in names],
            [g.calls for g in groups],
            [g.outcomes["resolved"] for g in groups],
        ),
    )
