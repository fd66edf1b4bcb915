"""What every Twilio webhook needs: the public URL, the call sid, XML, and the transfer TwiML."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import Response, abort, current_app, request

from . import twiml
from .stream import is_call_sid

if TYPE_CHECKING:  # the composition root: a channel never imports it at run time
    from ...wiring import Services


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


def form_call_sid(name: str = "CallSid") -> str:
    """The request's CallSid (or another call sid field); 400 when it is missing or not one."""
    sid = request.form.get(name, "")
    if not is_call_sid(sid):
        abort(400, f"missing or malformed {name}")
    return sid


def form_int(name: str, default: int) -> int:
    """A whole-number form field (Twilio's QueueTime, QueuePosition); 400 when it is not one."""
    raw = request.form.get(name, "")
    if raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        abort(400, f"{name} must be a whole number")
    return int(raw)


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
