"""The KPI as SVG charts a manager can put in a monthly report. Pure: a summary in, SVG out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

from .report import Summary

WIDTH, HEIGHT, PAD = 720, 260, 40
BAR, RESOLVED, CLOSED = "#9db4d3", "#2e6db4", "#eeeeee"


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
    height = HEIGHT - 2 * PAD
    out = [
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
        'stroke="#444"/>'
    ]
    for i, label in enumerate(labels):
        x = PAD + i * step
        if i < len(shaded) and shaded[i]:
            out.append(
                f'<rect class="closed" x="{x:.1f}" y="{PAD}" width="{step:.1f}" '
                f'height="{height}" fill="{CLOSED}"/>'
            )
        for value, color, cls in (
            (calls[i], BAR, "bar calls"),
            (resolved[i], RESOLVED, "bar resolved"),
        ):
            h = height * value / top
            out.append(
                f'<rect class="{cls}" x="{x + step * 0.15:.1f}" y="{HEIGHT - PAD - h:.1f}" '
                f'width="{step * 0.7:.1f}" height="{h:.1f}" fill="{color}">'
                f"<title>{escape(label)}: {value}</title></rect>"
            )
        if n <= 31:
            out.append(
                f'<text x="{x + step / 2:.1f}" y="{HEIGHT - PAD + 14}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    out.append(
        f'<text x="{WIDTH - PAD}" y="18" text-anchor="end">'
        f'<tspan fill="{BAR}">■ opkald</tspan> <tspan fill="{RESOLVED}">■ løst</tspan>'
        "</text>"
    )
    return out


def resolution_by_day(summary: Summary) -> str:
    """Calls and resolved calls per day."""
    days = sorted(summary.days)
    groups = [summary.days[d] for d in days]
    return _svg(
        "Løst uden omstilling pr. dag",
        _bars(
            [d[8:] for d in days],
            [g.calls for g in groups],
            [g.outcomes["resolved"] for g in groups],
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


def topics(summary: Summary, labels: Mapping[str, str]) -> str:
    """Calls and resolved calls per topic (the municipality's monthly groups)."""
    names = sorted(summary.topics, key=lambda t: -summary.topics[t].calls)
    groups = [summary.topics[t] for t in names]
    return _svg(
        "Emner",
        _bars(
            [labels.get(t, t)[:14] for t in names],
            [g.calls for g in groups],
            [g.outcomes["resolved"] for g in groups],
        ),
    )
