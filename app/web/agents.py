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

from ..routing.callbacks import CallbackStore
from ..routing.handoff import RECENT_KEY, HandoffStore
from .auth import Staff, StaffSessions, Throttled, safe_return_path

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
        return render_template("login.html", error=None)
    try:
        staff = staff_sessions().sign_in(
            request.form.get("username", ""),
            request.form.get("password", ""),
            request.remote_addr or "-",
        )
    except Throttled:
        error = "For mange forkerte forsøg. Prøv igen om et kvarter."
        return render_template("login.html", error=error), 429
    if staff is None:
        error = "Forkert brugernavn eller adgangskode."
        return render_template("login.html", error=error), 401
    session.clear()
    session["sid"] = staff.session_id
    session["csrf"] = secrets.token_urlsafe(24)
    return redirect(safe_return_path(request.args.get("next")) or url_for("agents.page"))


@bp.post("/logout")
@login_required
def logout() -> Response:
    """End the session, here and on the server."""
    staff_sessions().sign_out(session["sid"])
    session.clear()
    return redirect(url_for("agents.login"))


@bp.get("/")
@login_required
def page() -> str:
    """The page; it refreshes its lists itself from `state.json`."""
    return render_template("agent.html", name=current_staff().account.name, csrf=session["csrf"])


@bp.get("/state.json")
@login_required
def state() -> Response:
    """What the page shows: opening status, recent hand-offs, open callback requests."""
    svc = _services()
    since = (datetime.now(UTC) - timedelta(hours=RECENT_HOURS)).timestamp()
    sids = [s.decode() for s in svc.redis.zrevrangebyscore(RECENT_KEY, "+inf", since)]
    handoffs = HandoffStore(svc.redis)
    return jsonify(
        {
            "open": svc.hours.is_open(svc.clock()),
            "handoffs": [asdict(h) for h in map(handoffs.load, sids) if h is not None],
            "callbacks": [asdict(c) for c in CallbackStore(svc.redis).open_requests()],
        }
    )


@bp.post("/callbacks/<callback_id>/done")
@login_required
def callback_done(callback_id: str) -> Response:
    """Mark a callback request done (the page sends its CSRF token)."""
    if request.headers.get("X-CSRF-Token") != session.get("csrf"):
        abort(403)
    who = current_staff().account.username  # type: ignore[union-attr]
    if not CallbackStore(_services().redis).mark_done(callback_id, who):
        abort(404)
    return Response(status=204)
