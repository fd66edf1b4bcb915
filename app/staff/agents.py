"""The agents' page: calls just handed over, with their context, and callbacks to work off."""

from __future__ import annotations

import secrets
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ..channels.webchat.chat import SESSION_ID
from ..core.texts import UNKNOWN_ABOUT
from ..infra.jsonbody import request_json
from ..outcomes.callbacks import CallbackStore
from ..outcomes.handoff import RECENT_KEY, HandoffStore
from . import danish
from .auth import Staff, StaffSessions, Throttled, csrf_ok, safe_return_path

bp = Blueprint("agents", __name__, template_folder="templates")

RECENT_HOURS = 12
"""Hand-offs older than this drop off the page."""


def _services() -> Any:
    return current_app.extensions["voicebot"]


def current_staff() -> Staff | None:
    """The signed-in member of staff for this request, checked against Redis and the file."""
    if "staff" not in g:
        g.staff = staff_sessions().current(session.get("sid"))
    return g.staff


def staff_sessions() -> StaffSessions:
    """Sessions and throttling on the app's Redis and accounts file."""
    svc = _services()
    return StaffSessions(svc.redis, svc.accounts)


def login_required(view: Any) -> Any:
    """Staff only; the JSON endpoints answer 401 rather than redirect."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_staff() is None:
            session.clear()
            if request.path.endswith(".json") or request.method != "GET":
                abort(401)
            return redirect(url_for("agents.login"))
        return view(*args, **kwargs)

    return wrapped


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Username and password; a wrong pair says so without saying which."""
    if request.method == "GET":
        session.setdefault("login_csrf", secrets.token_urlsafe(24))
        return render_template("login.html", error=None, csrf=session["login_csrf"])
    if not csrf_ok(request.form.get("csrf"), session.get("login_csrf")):
        session["login_csrf"] = secrets.token_urlsafe(24)
        error = "Siden var for gammel. Log ind igen."
        return render_template("login.html", error=error, csrf=session["login_csrf"]), 400
    try:
        staff = staff_sessions().sign_in(
            request.form.get("username", ""),
            request.form.get("password", ""),
            request.remote_addr or "-",
        )
    except Throttled:
        error = "For mange forkerte forsøg. Prøv igen om et kvarter."
        return render_template("login.html", error=error, csrf=session["login_csrf"]), 429
    if staff is None:
        error = "Forkert brugernavn eller adgangskode."
        return render_template("login.html", error=error, csrf=session["login_csrf"]), 401
    session.clear()
    session["sid"] = staff.session_id
    session["csrf"] = secrets.token_urlsafe(24)
    return redirect(safe_return_path(request.args.get("next")) or url_for("agents.page"))


@bp.post("/logout")
@login_required
def logout() -> Response:
    """End the session, here and on the server."""
    _check_csrf()
    staff_sessions().sign_out(session["sid"])
    session.clear()
    return redirect(url_for("agents.login"))


@bp.get("/")
@login_required
def page() -> str:
    """The page; it refreshes its lists itself from `state.json`."""
    return render_template("agent.html", page="agent", csrf=session["csrf"])


@bp.get("/state.json")
@login_required
def state() -> Response:
    """What the page shows: opening status, recent hand-offs, open callback requests."""
    svc = _services()
    since = (datetime.now(UTC) - timedelta(hours=RECENT_HOURS)).timestamp()
    sids = [s.decode() for s in svc.redis.zrevrangebyscore(RECENT_KEY, "+inf", since)]
    handoffs = HandoffStore(svc.redis)
    intents = svc.library.current()
    tz = svc.settings.timezone  # times in Danish time on the server, never the browser's clock
    return jsonify(
        {
            "open": svc.hours.is_open(svc.clock()),
            "queues": intents.queue_labels,
            "handoffs": [
                {
                    **asdict(h),
                    "caller_display": danish.phone(h.caller),
                    "created_display": danish.when(h.created_at, tz),
                    "tries_display": _tries(h.tries),
                }
                for h in map(handoffs.load, sids)
                if h is not None
            ],
            "callbacks": [
                {
                    **asdict(c),
                    "number_display": danish.phone(c.number),
                    "created_display": danish.when(c.created_at, tz),
                    # never a topic guessed from the sentence with the number: said as unknown
                    "about_display": (
                        f"om {c.about}" if c.about and c.about != UNKNOWN_ABOUT else "(emne ukendt)"
                    ),
                }
                for c in CallbackStore(svc.redis).open_requests()
            ],
            "chats": _chats().waiting(),
        }
    )


def _chats() -> Any:
    return current_app.extensions["chats"]


def _check_csrf() -> None:
    sent = request.headers.get("X-CSRF-Token", request.form.get("csrf"))
    if not csrf_ok(sent, session.get("csrf")):
        abort(403)


def _chat_id(sid: str) -> str:
    if not SESSION_ID.fullmatch(sid):
        abort(404)
    return sid


def _chat_or_404(sid: str) -> Any:
    chat = _chats().load(_chat_id(sid))
    if chat is None:
        abort(404)
    return chat


@bp.post("/chats/<sid>/take")
@login_required
def take_chat(sid: str) -> Any:
    """Take a waiting chat: the bot stops answering it; the citizen is told who writes."""
    _check_csrf()
    account = current_staff().account  # type: ignore[union-attr]
    if not _chats().take(_chat_id(sid), account.username, account.name):
        return jsonify({"error": "chatten er allerede taget eller afsluttet"}), 409
    return redirect(url_for("agents.chat_page", sid=sid), code=303)


@bp.get("/chats/<sid>")
@login_required
def chat_page(sid: str) -> Any:
    """One chat an agent has taken: its messages so far and a box to answer in."""
    _chat_or_404(sid)
    return render_template("chat_agent.html", page="agent", sid=sid, csrf=session["csrf"])


@bp.get("/chats/<sid>/messages.json")
@login_required
def chat_messages(sid: str) -> Response:
    """The chat's messages after `after` (the citizen's included), its status and who has it."""
    chat = _chat_or_404(sid)
    after = request.args.get("after", "0")
    after_seq = int(after) if after.isdigit() else 0
    handoff = HandoffStore(_services().redis).load(chat.call.call_id)
    return jsonify(
        {
            "status": chat.status,
            "agent": chat.agent,
            "summary": handoff.summary if handoff else "",
            "transcript": handoff.transcript if handoff else [],
            "messages": [
                {**m, "text": m.get("agent_sees", m["text"])}
                for m in chat.messages
                if m["seq"] > after_seq
            ],
        }
    )


@bp.post("/chats/<sid>/messages")
@login_required
def chat_reply(sid: str) -> Response:
    """The agent writes to the citizen (only the agent who took the chat)."""
    _check_csrf()
    body = request_json() or {}
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str):
        abort(400, "send {'text': ...}")
    try:
        sent = _chats().agent_says(_chat_id(sid), current_staff().account.username, text)  # type: ignore[union-attr]
    except ValueError as exc:
        abort(400, str(exc))
    if not sent:
        abort(409)
    return Response(status=204)


@bp.post("/chats/<sid>/close")
@login_required
def chat_close(sid: str) -> Response:
    """The agent ends the chat."""
    _check_csrf()
    if not _chats().agent_closes(_chat_id(sid), current_staff().account.username):  # type: ignore[union-attr]
        abort(409)
    return Response(status=204)


def _tries(tries: int) -> str:
    """What the hand-off's count of misunderstood turns means, in words."""
    if tries == 0:
        return "botten forstod borgeren"
    return "botten forstod ikke 1 gang" if tries == 1 else f"botten forstod ikke {tries} gange"


@bp.post("/handoffs/<call_sid>/done")
@login_required
def handoff_done(call_sid: str) -> Response:
    """An agent has dealt with a phone hand-off: it leaves the list (its context expires)."""
    _check_csrf()
    if not HandoffStore(_services().redis).dismiss(call_sid):
        abort(404)
    return Response(status=204)


@bp.post("/callbacks/<callback_id>/done")
@login_required
def callback_done(callback_id: str) -> Response:
    """Mark a callback request done (the page sends its CSRF token)."""
    _check_csrf()
    who = current_staff().account.username  # type: ignore[union-attr]
    if not CallbackStore(_services().redis).mark_done(callback_id, who):
        abort(404)
    return Response(status=204)
