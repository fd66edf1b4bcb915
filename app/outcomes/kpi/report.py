"""The KPI, defined once (docs/conversation.md): resolved without transfer, and breakdowns."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from .events import CallRecord

OUTCOMES = ("resolved", "transferred", "abandoned", "no_input", "error")
RECONTACT_WINDOW = timedelta(hours=24)
"""A caller back within this long after a resolved call was not really helped (the KPI)."""


@dataclass
class Group:
    """Outcome counts for one slice of calls (a topic, an hour, a day or all)."""

    outcomes: Counter[str] = field(default_factory=Counter)
    recontacted: int = 0
    """Resolved calls after which the same caller called again within 24 h."""
    in_hours: int = 0
    """Calls that came while the contact centre was open."""

    @property
    def calls(self) -> int:
        """Every call that reached the bot."""
        return sum(self.outcomes.values())

    @property
    def resolution(self) -> float | None:
        """Resolved without transfer ÷ all calls."""
        return self.outcomes["resolved"] / self.calls if self.calls else None

    @property
    def resolution_without_recontact(self) -> float | None:
        """Resolution that does not count a call the caller had to make again within 24 h."""
        if not self.calls:
            return None
        return (self.outcomes["resolved"] - self.recontacted) / self.calls

    @property
    def containment(self) -> float | None:
        """1 − transferred ÷ all calls (the industry's figure: abandoned calls count as kept)."""
        return 1 - self.outcomes["transferred"] / self.calls if self.calls else None

    @property
    def abandonment(self) -> float | None:
        """Abandoned ÷ all calls: always shown beside containment, which counts them as kept."""
        return self.outcomes["abandoned"] / self.calls if self.calls else None

    def as_dict(self) -> dict[str, object]:
        """Counts and rates, JSON-ready."""
        return {
            "calls": self.calls,
            **{o: self.outcomes[o] for o in OUTCOMES},
            "resolution": _round(self.resolution),
            "resolution_without_recontact": _round(self.resolution_without_recontact),
            "recontacted": self.recontacted,
            "containment": _round(self.containment),
            "abandonment": _round(self.abandonment),
            "in_opening_hours": self.in_hours,
        }


@dataclass
class Summary:
    """Every figure `voicebot kpi report` prints."""

    total: Group = field(default_factory=Group)
    reasons: Counter[str] = field(default_factory=Counter)
    queues: Counter[str] = field(default_factory=Counter)
    """Transfers by contact-centre queue."""
    queue_results: Counter[str] = field(default_factory=Counter)
    """How waits ended badly: abandoned_in_queue, callback_from_queue."""
    callbacks: Counter[str] = field(default_factory=Counter)
    """Callback requests created and completed (from the daily counters)."""
    sms_links: int = 0
    """Answers' links texted to callers who said yes to "Vil du have linket på SMS?"."""
    rejected_answers: int = 0
    """Calls whose only answers the caller rejected: never resolved (docs/conversation.md)."""
    topics: dict[str, Group] = field(default_factory=lambda: defaultdict(Group))
    channels: dict[str, Group] = field(default_factory=lambda: defaultdict(Group))
    hours: dict[int, Group] = field(default_factory=lambda: defaultdict(Group))
    days: dict[str, Group] = field(default_factory=lambda: defaultdict(Group))
    months: dict[str, Group] = field(default_factory=lambda: defaultdict(Group))
    feedback: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    """Per topic: "Fik du svar på dit spørgsmål?" asked, answered yes, answered no (chat)."""

    def feedback_rows(self) -> dict[str, dict[str, float | None]]:
        """Per topic: asked, yes, no, the share answered and the share of answers that were yes.

        The yes share is None where nobody answered: no share, not 0 %.
        """
        rows = {}
        for topic, c in sorted(self.feedback.items()):
            answered = c["yes"] + c["no"]
            rows[topic] = {
                "asked": c["asked"],
                "yes": c["yes"],
                "no": c["no"],
                "answer_rate": answered / c["asked"] if c["asked"] else 0.0,
                "yes_share": c["yes"] / answered if answered else None,
            }
        return rows

    def as_dict(self) -> dict[str, object]:
        """Nested JSON-ready form."""
        return {
            "total": self.total.as_dict(),
            "transfer_reasons": dict(sorted(self.reasons.items())),
            "rejected_answers": self.rejected_answers,
            "transfer_queues": dict(sorted(self.queues.items())),
            "queue_results": dict(sorted(self.queue_results.items())),
            "callbacks": {k: self.callbacks[k] for k in ("created", "completed")},
            "sms_links": self.sms_links,
            "topics": {k: g.as_dict() for k, g in sorted(self.topics.items())},
            "channels": {k: g.as_dict() for k, g in sorted(self.channels.items())},
            "hours": {f"{h:02d}": g.as_dict() for h, g in sorted(self.hours.items())},
            "days": {d: g.as_dict() for d, g in sorted(self.days.items())},
            "months": {m: g.as_dict() for m, g in sorted(self.months.items())},
            "feedback": self.feedback_rows(),
        }


def summarise(records: Iterable[CallRecord], timezone: str = "Europe/Copenhagen") -> Summary:
    """Count outcomes overall and by topic, local hour of the call's start and local day."""
    tz = ZoneInfo(timezone)
    summary = Summary()
    records = sorted(records, key=lambda r: r.started_at)
    recontacted = _recontacted(records)
    for r in records:
        local = r.started_at.astimezone(tz)
        for group in (
            summary.total,
            summary.topics[r.topic],
            summary.channels[r.channel],
            summary.hours[local.hour],
            summary.days[local.date().isoformat()],
            summary.months[local.strftime("%Y-%m")],
        ):
            group.outcomes[r.outcome] += 1
            group.recontacted += r.call_id in recontacted
            group.in_hours += r.in_hours
        if r.outcome == "transferred" and r.reason:
            summary.reasons[r.reason] += 1
        summary.rejected_answers += r.reason == "rejected_answer"
        if r.outcome == "transferred" and r.queue:  # closed-hours ones too: a callback is work
            summary.queues[r.queue] += 1
        if r.queue_result:
            summary.queue_results[r.queue_result] += 1
    return summary


def _recontacted(records: list[CallRecord]) -> set[str]:
    """Resolved calls whose caller (hashed) called again within RECONTACT_WINDOW of the end."""
    by_caller: dict[str, list[CallRecord]] = defaultdict(list)
    for r in records:
        if r.caller:
            by_caller[r.caller].append(r)
    found = set()
    for calls in by_caller.values():
        for earlier, later in zip(calls, calls[1:], strict=False):
            gap = later.started_at - earlier.ended_at
            if earlier.outcome == "resolved" and gap <= RECONTACT_WINDOW:
                found.add(earlier.call_id)
    return found


def add_counters(summary: Summary, daily_counters: Iterable[Mapping[str, int]]) -> Summary:
    """Add what only the days' counters know: callbacks, links texted, the chat's feedback."""
    for counters in daily_counters:
        for kind in ("created", "completed"):
            summary.callbacks[kind] += counters.get(f"callbacks:{kind}", 0)
        summary.sms_links += counters.get("sms_links", 0)
        for name, value in counters.items():
            if name.startswith("feedback:"):
                _, topic, kind = name.split(":", 2)
                summary.feedback[topic][kind] += value
    return summary


def render(summary: Summary, fmt: str = "table", labels: Mapping[str, str] | None = None) -> str:
    """The summary as a table for people, or JSON or CSV for other tools."""
    if fmt == "json":
        return json.dumps(summary.as_dict(), ensure_ascii=False, indent=2)
    if fmt == "csv":
        return _csv(summary)
    return _table(summary, labels or {})


def _table(s: Summary, labels: Mapping[str, str]) -> str:
    t = s.total
    lines = [
        f"calls                      {t.calls}",
        f"resolved without transfer  {_pct(t.resolution)}",
        f"  … not called back in 24h {_pct(t.resolution_without_recontact)}"
        f"  ({t.recontacted} re-contacts)",
        f"containment                {_pct(t.containment)}"
        f"  (abandoned {_pct(t.abandonment)}, counted as contained)",
        "",
        "outcome       calls",
        *(f"{o:<13} {t.outcomes[o]:>5}" for o in OUTCOMES),
        "",
        "transfer reason  calls",
        *(f"{r:<16} {n:>5}" for r, n in sorted(s.reasons.items())),
        f"answers rejected {s.rejected_answers:>5}  (calls not resolved: the answer was not it)",
        "",
        "transfers by queue",
        *(f"{q:<16} {n:>5}" for q, n in sorted(s.queues.items())),
        *(f"{r:<16} {n:>5}" for r, n in sorted(s.queue_results.items())),
        f"callbacks        {s.callbacks['created']:>5} created, "
        f"{s.callbacks['completed']} completed",
        f"links by SMS     {s.sms_links:>5}",
        "",
        f"{'topic':<24} {'calls':>5} {'resolved':>9} {'resolution':>11}",
    ]
    for topic, g in sorted(s.topics.items(), key=lambda kv: -kv[1].calls):
        name = labels.get(topic, "Andet" if topic == "other" else topic)
        lines.append(
            f"{name:<24} {g.calls:>5} {g.outcomes['resolved']:>9} {_pct(g.resolution):>11}"
        )
    lines += ["", f"{'channel':<24} {'calls':>5} {'resolved':>9} {'resolution':>11}"]
    lines += [
        f"{c:<24} {g.calls:>5} {g.outcomes['resolved']:>9} {_pct(g.resolution):>11}"
        for c, g in sorted(s.channels.items())
    ]
    if s.feedback:
        lines += ["", f"{'chat: fik du svar?':<24} {'asked':>5} {'answered':>9} {'yes':>11}"]
        for topic, row in s.feedback_rows().items():
            name = labels.get(topic, topic)
            lines.append(
                f"{name:<24} {row['asked']:>5} {_pct(row['answer_rate']):>9} "
                f"{_pct(row['yes_share']):>11}"
            )
    lines += ["", f"{'hour':<6} {'calls':>5} {'resolution':>11}"]
    lines += [
        f"{h:02d}:00  {g.calls:>5} {_pct(g.resolution):>11}" for h, g in sorted(s.hours.items())
    ]
    return "\n".join(lines)


def _csv(s: Summary) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "group",
            "key",
            "calls",
            *OUTCOMES,
            "resolution",
            "resolution_without_recontact",
            "containment",
            "abandonment",
        ]
    )
    rows = [("total", "all", s.total)]
    rows += [("topic", k, g) for k, g in sorted(s.topics.items())]
    rows += [("channel", k, g) for k, g in sorted(s.channels.items())]
    rows += [("hour", f"{h:02d}", g) for h, g in sorted(s.hours.items())]
    rows += [("day", d, g) for d, g in sorted(s.days.items())]
    for group, key, g in rows:
        d = g.as_dict()
        writer.writerow(
            [
                group,
                key,
                d["calls"],
                *(d[o] for o in OUTCOMES),
                d["resolution"],
                d["resolution_without_recontact"],
                d["containment"],
                d["abandonment"],
            ]
        )
    for reason, n in sorted(s.reasons.items()):
        writer.writerow(["transfer_reason", reason, n] + [""] * (len(OUTCOMES) + 4))
    return out.getvalue()


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
