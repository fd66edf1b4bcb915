"""Admin pages: review what the bot missed and teach it, without restarting anything."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ..errors import IntentSetError
from ..review.promote import promote

bp = Blueprint("admin", __name__, template_folder="templates")


def _services() -> Any:
    return current_app.extensions["voicebot"]


@bp.before_request
def require_admin() -> Any:
    """Admins only: others are sent to log in, agents get 403."""
    if "agent" not in session:
        return redirect(url_for("agents.login", next=request.path))
    if session.get("role") != "admin":
        abort(403)
    if request.method == "POST" and request.form.get("csrf") != session.get("csrf"):
        abort(403)
    return None


@bp.get("/review")
def review() -> str:
    """Missed utterances, most frequent first, each with a way to promote or dismiss it."""
    svc = _services()
    intents = svc.library.current()
    return render_template(
        "review.html",
        items=svc.review().items(),
        intents=sorted(intents.intents.values(), key=lambda i: i.id),
        problems=session.pop("problems", []),
        done=session.pop("done", ""),
        csrf=session["csrf"],
    )


@bp.post("/review/<item_id>/promote")
def promote_item(item_id: str) -> Any:
    """Add the utterance to an intent; the whole set is validated first, the file keeps its form."""
    svc = _services()
    store = svc.review()
    item = store.get(item_id)
    if item is None:
        abort(404)
    text = request.form.get("text", item.text).strip()
    try:
        promote(
            svc.settings.intents_dir,
            request.form.get("intent", ""),
            text,
            request.form.get("field", "examples"),
            session["agent"],
            svc.redis,
        )
    except (IntentSetError, ValueError) as exc:
        session["problems"] = getattr(exc, "problems", [str(exc)])
        return redirect(url_for("admin.review"))
    store.close(item_id)
    svc.library.reload()  # this process now; others notice the file within seconds
    session["done"] = f"«{text}» er tilføjet til {request.form.get('intent')}."
    return redirect(url_for("admin.review"))


@bp.post("/review/<item_id>/dismiss")
def dismiss_item(item_id: str) -> Any:
    """Drop an utterance that needs no change."""
    _services().review().close(item_id)
    return redirect(url_for("admin.review"))
