"""Admin pages: review what the bot missed and teach it, without restarting anything."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ..errors import IntentSetError
from ..intents.catalogue import SYSTEM_TOPIC
from ..outcomes.kpi import charts
from ..outcomes.kpi.events import Channel
from ..outcomes.kpi.report import Summary, add_counters, summarise
from ..outcomes.review.answers import answer_rows
from ..outcomes.review.promote import RegressionWarning, edit_answer, promote, record_review
from .agents import current_staff
from .auth import csrf_ok

bp = Blueprint("admin", __name__, template_folder="templates")


def _services() -> Any:
    return current_app.extensions["voicebot"]


@bp.before_request
def require_admin() -> Any:
    """Admins only: others are sent to log in, agents get 403."""
    staff = current_staff()
    if staff is None:
        session.clear()
        return redirect(url_for("agents.login", next=request.path))
    if staff.account.role != "admin":
        abort(403)
    if request.method == "POST" and not csrf_ok(request.form.get("csrf"), session.get("csrf")):
        abort(403)
    return None


CHARTS = ("days", "hours", "topics")
CHANNEL_LABELS = {
    Channel.PHONE: "Telefon",
    Channel.WEB: "Chat på hjemmesiden",
    Channel.TERMINAL: "Afprøvning i terminalen (voicebot chat)",
}
"""Every channel has a row, so the rows add up to the total."""


@bp.get("/")
def dashboard() -> str:
    """The KPI for a period (default: the last 30 days) with charts."""
    since, until = _period()
    summary, svgs = _charts(since, until)
    svc = _services()
    add_counters(summary, svc.kpi.counters_between(since.date(), until.date()))
    labels = {t.id: t.label for t in svc.library.current().topics.values()}
    return render_template(
        "dashboard.html",
        page="dashboard",
        summary=summary,
        charts=svgs,
        tables=charts.tables(summary, labels),
        chart_names=CHART_NAMES,
        channel_labels=CHANNEL_LABELS,
        labels=labels,
        since=since.date().isoformat(),
        until=until.date().isoformat(),
    )


@bp.get("/charts/<name>.<kind>")
def chart(name: str, kind: str) -> Response:
    """One chart as an SVG (for print) or PNG (for a slide or an e-mail) file to download."""
    if name not in CHARTS or kind not in ("svg", "png"):
        abort(404)
    since, until = _period()
    svg = _charts(since, until)[1][name]
    body: str | bytes = svg
    if kind == "png":
        import cairosvg  # rendered here, on the server: the same drawing, twice the pixels

        body = cairosvg.svg2png(bytestring=svg.encode(), scale=2)
    filename = f"voicebot-{name}-{since.date()}-{until.date()}.{kind}"
    return Response(
        body,
        mimetype="image/svg+xml" if kind == "svg" else "image/png",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _period() -> tuple[datetime, datetime]:
    tz = ZoneInfo(_services().settings.timezone)
    until = _day(request.args.get("until"), tz) or datetime.now(tz) + timedelta(days=1)
    since = _day(request.args.get("since"), tz) or until - timedelta(days=31)
    return since, until


EARLIEST, LATEST = date(2000, 1, 1), date(2100, 1, 1)
"""Periods the dashboard accepts; outside them date arithmetic overflows and means nothing."""


def _day(value: str | None, tz: ZoneInfo) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        abort(400, "Datoen skal skrives som ÅÅÅÅ-MM-DD.")
    if not EARLIEST <= day < LATEST:
        abort(400, "Datoen skal ligge mellem år 2000 og 2099.")
    return datetime.combine(day, time(), tzinfo=tz)


def _charts(since: datetime, until: datetime) -> tuple[Summary, dict[str, str]]:
    svc = _services()
    summary = summarise(svc.kpi.records(since, until), svc.settings.timezone)
    labels = {t.id: t.label for t in svc.library.current().topics.values()}
    weekdays = [w for day in range(5) for w in svc.hours.weekly.get(day, ())]
    open_hours = {
        h: any(o.hour <= h < c.hour or (o.hour == h and c.hour == h) for o, c in weekdays)
        for h in range(24)
    }
    return summary, {
        "days": charts.resolution_by_day(summary, since.date(), (until - timedelta(days=1)).date()),
        "hours": charts.calls_by_hour(summary, open_hours),
        "topics": charts.topics(summary, labels),
    }


CHART_NAMES = {
    "days": ("Dag", "Løst uden omstilling pr. dag"),
    "hours": ("Time", "Opkald pr. time"),
    "topics": ("Emne", "Emner"),
}


@bp.get("/review")
def review() -> str:
    """Missed utterances, most frequent first, each with a way to promote or dismiss it."""
    svc = _services()
    intents = svc.library.current()
    answerable = [i for i in intents.intents.values() if i.topic != SYSTEM_TOPIC]
    names = {i.id: _intent_name(i, intents) for i in intents.intents.values()}
    wanted = {k: request.args.get(k, "") for k in ("reason", "channel", "topic", "since")}
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", wanted["since"]):
        wanted["since"] = ""  # not a date: no period, rather than an error page
    items = [it for it in svc.review().items(limit=100_000) if _shown(it, wanted, intents)]
    pages = max(1, -(-len(items) // REVIEW_PAGE))
    asked = request.args.get("side", "1")
    page_no = min(pages, max(1, int(asked) if asked.isdigit() else 1))
    first = (page_no - 1) * REVIEW_PAGE
    return render_template(
        "review.html",
        page="review",
        items=items[first : first + REVIEW_PAGE],
        total=len(items),
        first=first,
        page_no=page_no,
        pages=pages,
        wanted=wanted,
        topics={t.id: t.label for t in intents.topics.values() if t.id != SYSTEM_TOPIC},
        channel_labels=CHANNEL_LABELS,
        intents=sorted(answerable, key=lambda i: names[i.id].lower()),
        names=names,
        reasons=REASONS,
        problems=session.pop("problems", []),
        pending=session.pop("pending", None),
        done=session.pop("done", ""),
        csrf=session["csrf"],
    )


REVIEW_PAGE = 50
"""Missed utterances on one page of /admin/review."""


def _shown(item: Any, wanted: dict[str, str], intents: Any) -> bool:
    """Whether a review item passes the page's filters (reason, channel, guessed topic, since)."""
    guess = intents.intents.get(item.guess or "")
    return (
        (not wanted["reason"] or wanted["reason"] in item.reasons)
        and (not wanted["channel"] or wanted["channel"] in item.channels)
        and (not wanted["topic"] or (guess is not None and guess.topic == wanted["topic"]))
        and (not wanted["since"] or item.last_seen[:10] >= wanted["since"])
    )


REASONS = {
    "none": "Botten forstod det ikke",
    "confirm_rejected": "Borgeren sagde nej til »Handler det om …?«",
    "rejected_answer": "Borgeren sagde, at svaret ikke var det",
    "transferred_no_match": "Stillet om, fordi botten ikke forstod",
}
"""Why an utterance is on the review list, in words."""


def _intent_name(intent: Any, intents: Any) -> str:
    """An intent as staff know it: its description and topic, never its id."""
    topic = intents.topics.get(intent.topic)
    description = intent.description or intent.agent_summary or intent.id
    return f"{description[:1].upper()}{description[1:]} ({topic.label})" if topic else description


@bp.post("/review/<item_id>/promote")
def promote_item(item_id: str) -> Any:
    """Add the utterance to an intent; the whole set is validated first, the file keeps its form."""
    svc = _services()
    store = svc.review()
    item = store.get(item_id)
    if item is None:
        abort(404)
    text = request.form.get("text", item.text).strip()
    intent, field = request.form.get("intent", ""), request.form.get("field", "examples")
    checked = None if request.form.get("confirmed") else svc.settings.thresholds()
    try:
        current = promote(
            svc.library,
            intent,
            text,
            field,
            current_staff().account.username,  # type: ignore[union-attr]
            checked,
        )
    except RegressionWarning as warning:
        session["pending"] = {
            "id": item_id,
            "text": text,
            "intent": intent,
            "field": field,
            "misses": warning.new_misses,
        }
        return redirect(url_for("admin.review"))
    except (IntentSetError, ValueError) as exc:
        session["problems"] = getattr(exc, "problems", [str(exc)])
        return redirect(url_for("admin.review"))
    store.close(item_id)  # served here now; every other process within seconds
    name = _intent_name(current.intents[intent], current) if intent in current.intents else intent
    session["done"] = f"«{text}» er tilføjet til {name}."
    return redirect(url_for("admin.review"))


@bp.post("/review/<item_id>/dismiss")
def dismiss_item(item_id: str) -> Any:
    """Drop an utterance that needs no change."""
    _services().review().close(item_id)
    return redirect(url_for("admin.review"))


@bp.get("/answers")
def answers() -> str:
    """Every answer: owner, last review, how it fared with callers in the period."""
    svc = _services()
    since, until = _period()
    rows = answer_rows(
        svc.library.current(),
        svc.kpi.records(since, until),
        svc.clock().date(),
        svc.settings.answer_review_days,
    )
    return render_template(
        "answers.html",
        page="answers",
        rows=rows,
        since=since.date().isoformat(),
        until=until.date().isoformat(),
        review_days=svc.settings.answer_review_days,
        problems=session.pop("problems", []),
        done=session.pop("done", ""),
        csrf=session["csrf"],
    )


@bp.post("/answers/<intent_id>/edit")
def edit_answer_text(intent_id: str) -> Any:
    """Replace an answer's phone and chat text (validated, logged, a new intent-set version)."""
    return _change_answer(
        intent_id,
        lambda library, who, today: edit_answer(
            library,
            intent_id,
            who,
            request.form.get("answer", ""),
            request.form.get("web_answer", ""),
            today,
        ),
        "Svaret om {} er ændret og gemt.",
    )


@bp.post("/answers/<intent_id>/review")
def review_answer(intent_id: str) -> Any:
    """Record that the owner checked an answer (who, today, a note) in its intent file."""
    return _change_answer(
        intent_id,
        lambda library, who, today: record_review(
            library, intent_id, who, request.form.get("note", ""), today
        ),
        "Gennemgangen af svaret om {} er gemt.",
    )


def _change_answer(intent_id: str, change: Any, done: str) -> Any:
    """Apply one change to an answering intent's file; back to the list with what happened."""
    svc = _services()
    intent = svc.library.current().intents.get(intent_id)
    if intent is None or not intent.answer:
        abort(404)
    try:
        change(svc.library, current_staff().account.username, svc.clock().date())  # type: ignore[union-attr]
    except (IntentSetError, ValueError) as exc:
        session["problems"] = getattr(exc, "problems", [str(exc)])
        return redirect(url_for("admin.answers"))
    session["done"] = done.format(intent.description)
    return redirect(url_for("admin.answers"))
