"""What every Twilio webhook needs: the public URL, the call sid, XML, and the transfer TwiML."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Response, abort, current_app, request

from ..services import Services
from . import twiml


def services() -> Services:
    """The app's shared services (set by `create_app`)."""
    return current_app.extensions["voicebot"]


def public_url(path: str, websocket: bool = False) -> str:
    """Our URL as Twilio calls it: PUBLIC_BASE_URL + path, wss:// for the stream."""
    base = str(services().settings.public_base_url).rstrip("/")
    return ("wss://" + base.split("://", 1)[1] if websocket else base) + path


def requested_url(websocket: bool = False) -> str:
    """The public URL of this request, query included: what Twilio signed."""
    query = request.query_string.decode()
    return public_url(request.path, websocket) + (f"?{query}" if query else "")


def xml(body: str) -> Response:
    """A TwiML response."""
    return Response(body, mimetype="text/xml")


def form_call_sid() -> str:
    """The request's CallSid; 400 when it is missing or not one."""
    sid = request.form.get("CallSid", "")
    if not sid.startswith("CA") or len(sid) > 64:
        abort(400, "missing or malformed CallSid")
    return sid


def transfer_twiml(queue: str, context: dict[str, Any]) -> str:
    """Hand the caller over as TRANSFER_MODE says: queue, TaskRouter task, or dial."""
    settings = services().settings
    if settings.transfer_mode == "dial":
        return twiml.dial(str(settings.transfer_number), public_url("/twilio/whisper"))
    wait, action = public_url("/twilio/wait"), queue_action_url(queue)
    if settings.transfer_mode == "taskrouter":
        attributes = {"queue": queue, **context}
        return twiml.enqueue_task(str(settings.twilio_workflow_sid), attributes, wait, action)
    return twiml.enqueue(queue, wait, action)


def queue_action_url(queue: str) -> str:
    """Where Twilio reports how the wait in `queue` ended (the queue name rides in the query)."""
    return public_url("/twilio/queue-result") + "?" + urlencode({"queue": queue})
