"""JSON API for contact-centre software: the hand-off context of a transferred call."""

from __future__ import annotations

import hmac
from dataclasses import asdict

from flask import Blueprint, Response, abort, current_app, jsonify, request

from ..infra.throttle import WrongSecrets
from ..outcomes.handoff import HandoffStore

bp = Blueprint("api", __name__)


@bp.before_request
def require_token() -> None:
    """401 without a bearer token, 403 with a wrong one; the API is off without API_TOKEN.

    An address that sent many wrong tokens lately gets 429 (`throttle.WrongSecrets`).
    """
    svc = current_app.extensions["voicebot"]
    expected = svc.settings.api_token
    if not expected:
        abort(404)
    wrong = WrongSecrets(svc.redis, "api")
    address = request.remote_addr or "-"
    if wrong.blocked(address):
        abort(429)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        abort(401)
    if not hmac.compare_digest(given.encode(errors="replace"), expected.encode()):
        wrong.failed(address)
        abort(403)


@bp.get("/handoffs/<call_sid>")
def handoff(call_sid: str) -> Response:
    """The context the bot handed over with this call (caller, summary, redacted transcript)."""
    found = HandoffStore(current_app.extensions["voicebot"].redis).load(call_sid)
    if found is None:
        abort(404)
    return jsonify(asdict(found))
