"""JSON API for contact-centre software: the hand-off context of a transferred call."""

from __future__ import annotations

import hmac
from dataclasses import asdict

from flask import Blueprint, Response, abort, current_app, jsonify, request

from ..routing.handoff import HandoffStore

bp = Blueprint("api", __name__)


@bp.before_request
def require_token() -> None:
    """401 without a bearer token, 403 with a wrong one; the API is off without API_TOKEN."""
    expected = current_app.extensions["voicebot"].settings.api_token
    if not expected:
        abort(404)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        abort(401)
    if not hmac.compare_digest(given.encode(errors="replace"), expected.encode()):
        abort(403)


@bp.get("/handoffs/<call_sid>")
def handoff(call_sid: str) -> Response:
    """The context the bot handed over with this call (caller, summary, redacted transcript)."""
    found = HandoffStore(current_app.extensions["voicebot"].redis).load(call_sid)
    if found is None:
        abort(404)
    return jsonify(asdict(found))
