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
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ..routing.callbacks import CallbackStore
from ..routing.handoff import RECENT_KEY, HandoffStore
from .accounts import authenticate

bp = Blueprint("agents", __name__, template_folder="templates")

RECENT_HOURS = 12
"""Hand-offs older than this drop off the page."""


def _services() -> Any:
    return current_app.extensions["voicebot"]


def login_required(view: Any) -> Any:
    """Staff only; the JSON endpoints answer 401 rather than redirect."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if "agent" not in session:
            if request.path.endswith(".json") or request.method != "GET":
                abort(401)
            return redirect(url_for("agents.login"))
        return view(*args, **kwargs)

    return wrapped


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Username and password; a wrong pair says so without saying which."""
    error = None
    if request.method == "POST":
        account = authenticate(
            _services().settings.accounts_file,
            request.form.get("username", ""),
            request.form.get("password", ""),
        )
        if account is not None:
            session.clear()
            session["agent"] = account.username
            session["name"] = account.name
            session["role"] = account.role
            session["csrf"] = secrets.token_urlsafe(24)
            target = request.args.get("next", "")
            return redirect(
                target
                if target.startswith("/") and not target.startswith("//")
                else url_for("agents.page")
            )
        error = "Forkert brugernavn eller adgangskode."
    return render_template("login.html", error=error), 401 if error else 200


@bp.post("/logout")
@login_required
def logout() -> Response:
    """End the session."""
    session.clear()
    return redirect(url_for("agents.login"))


@bp.get("/")
@login_required
def page() -> str:
    """The page; it refreshes its lists itself from `state.json`."""
    return render_template("agent.html", name=session["name"], csrf=session["csrf"])


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
    if not CallbackStore(_services().redis).mark_done(callback_id, session["agent"]):
        abort(404)
    return Response(status=204)
