"""The chat's HTTP face: the JSON API, the embeddable widget script and a page of its own.

The API is open to the municipality's own pages only (CHAT_ALLOWED_ORIGINS, by CORS and by
refusing other origins outright), rate-limited per chat and per address, and answers every bad
request with a 400 and a message. No cookies: the widget keeps the session id in the page's
sessionStorage.
"""

from __future__ import annotations

import time
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request
from redis.exceptions import RedisError

from ...core.texts import CHAT
from ...infra.jsonbody import request_json
from .chat import SESSION_ID, ChatError
from .chats import Chats

bp = Blueprint("webchat", __name__, template_folder="templates")

WIDGET = files(__package__).joinpath("widget.js")
ADDRESS_FACTOR = 10
"""An address may send this many times a session's allowance (offices share addresses)."""


def chats() -> Chats:
    """The app's chat channel."""
    return current_app.extensions["chats"]


def _allowed_origins() -> set[str]:
    """Our own origin and CHAT_ALLOWED_ORIGINS (worked out once per request)."""
    if "chat_origins" not in g:
        settings = current_app.extensions["voicebot"].settings
        own = {_origin(settings.public_base_url or "")}  # never the Host header: the client's
        listed = {_origin(o.strip()) for o in settings.chat_allowed_origins.split(",")}
        g.chat_origins = (own | listed) - {""}
    return g.chat_origins


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _cors(response: Response) -> Response:
    origin = request.headers.get("Origin")
    if origin and origin in _allowed_origins():
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
    response.headers["Vary"] = "Origin"
    response.headers["Cache-Control"] = "no-store"
    return response


def _error(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return _cors(response)


@bp.before_request
def _refuse_other_origins() -> Response | None:
    if not request.path.startswith("/chat/api/"):
        return None
    origin = request.headers.get("Origin")
    if origin and origin not in _allowed_origins():
        return _error(403, "this site may not use the chat (CHAT_ALLOWED_ORIGINS)")
    if request.method == "OPTIONS":
        return _cors(Response(status=204))
    return None


def _within_rate(session: str | None) -> bool:
    svc = current_app.extensions["voicebot"]
    per_minute = svc.settings.chat_messages_per_minute
    minute = int(time.time() // 60)
    keys = [(f"chat:rate:a:{request.remote_addr}:{minute}", per_minute * ADDRESS_FACTOR)]
    if session:
        keys.append((f"chat:rate:s:{session}:{minute}", per_minute))
    pipe = svc.redis.pipeline()
    for key, _ in keys:
        pipe.incr(key)
        pipe.expire(key, 120)
    counts = pipe.execute()[::2]
    return all(count <= limit for count, (_, limit) in zip(counts, keys, strict=True))


@bp.route("/api/messages", methods=["POST", "OPTIONS"])
def post_message() -> Response:
    """`{"session"?, "text"}` or `{"session"?, "choice"}` → the bot's reply."""
    body = request_json()
    if not isinstance(body, dict):
        return _error(400, "the body must be a JSON object")
    unknown = set(body) - {"session", "text", "choice"}
    if unknown:
        return _error(400, f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
    session = body.get("session")
    if session is not None and not (isinstance(session, str) and SESSION_ID.fullmatch(session)):
        return _error(400, "'session' is not a session id")  # before it names any Redis key
    if not _within_rate(session):
        return _error(429, CHAT["too_many"])
    try:
        reply = chats().message(session, body.get("text"), body.get("choice"))
    except ChatError as exc:
        return _error(400, str(exc))
    return _cors(jsonify(reply.as_dict()))


@bp.get("/api/messages")
def poll() -> Response:
    """`?session=…&after=N`: what came after message N (an agent's words, a wait that ran out)."""
    session = request.args.get("session", "")
    try:
        after = int(request.args.get("after", "0"))
    except ValueError:
        return _error(400, "'after' must be a whole number")
    if not _within_rate(None):
        return _error(429, CHAT["too_many"])
    try:
        reply = chats().poll(session, after)
    except ChatError as exc:
        return _error(400, str(exc))
    except LookupError:
        return _error(404, "no such chat; start a new one by sending a message")
    return _cors(jsonify(reply.as_dict()))


@bp.get("/widget.js")
def widget() -> Response:
    """The script one `<script src=… defer>` tag adds to any allowed page."""
    response = Response(WIDGET.read_text("utf-8"), mimetype="text/javascript")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/")
def page() -> Response:
    """The chat on a page of its own (a direct link; and how the tests see it)."""
    svc = current_app.extensions["voicebot"]
    html = render_template("chat.html", texts=CHAT, municipality=svc.settings.municipality_name)
    response = Response(html, mimetype="text/html")
    ancestors = " ".join(["'self'", *sorted(_allowed_origins())])
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/page.css")
def page_css() -> Response:
    """The standalone page's own few rules (the chat brings its own)."""
    css = (
        "body{font-family:system-ui,sans-serif;margin:0 auto;padding:1rem;max-width:42rem;"
        "color:#1a1a1a;background:#fff;line-height:1.5}h1{font-size:1.5rem}"
    )
    return Response(css, mimetype="text/css")


@bp.get("/texts.json")
def texts() -> Response:
    """The widget's Danish labels and notice (so the script itself holds no language)."""
    svc = current_app.extensions["voicebot"]
    labels = {**CHAT, "notice": CHAT["notice"].format(days=svc.settings.transcript_retention_days)}
    return _cors(jsonify(labels))


@bp.errorhandler(413)
def _too_large(_: Exception) -> Any:
    return _error(413, "the request is too large")


@bp.errorhandler(RedisError)
def _store_unavailable(_: Exception) -> Any:
    return _error(503, CHAT["error"])
