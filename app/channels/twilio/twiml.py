"""TwiML documents we answer webhooks with. Pure: data in, XML text out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from xml.etree import ElementTree as ET


def _doc(response: ET.Element) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(response, encoding="unicode")


def connect_stream(stream_url: str, parameters: Mapping[str, str], after_url: str) -> str:
    """A bidirectional stream; when our server closes it, Twilio follows the redirect.

    The stream URL cannot carry a query string, so per-call data goes in `<Parameter>`.
    """
    response = ET.Element("Response")
    stream = ET.SubElement(ET.SubElement(response, "Connect"), "Stream", url=stream_url)
    for name, value in parameters.items():
        ET.SubElement(stream, "Parameter", name=name, value=value)
    ET.SubElement(response, "Redirect", method="POST").text = after_url
    return _doc(response)


def enqueue(queue: str, wait_url: str | None = None, action_url: str | None = None) -> str:
    """Put the caller in a plain Twilio queue, by name.

    `wait_url` is what the caller hears while waiting; `action_url` is told how the wait ended.
    """
    response = ET.Element("Response")
    ET.SubElement(response, "Enqueue", _queue_attrs(wait_url, action_url)).text = queue
    return _doc(response)


def enqueue_task(
    workflow_sid: str,
    attributes: Mapping[str, object],
    wait_url: str | None = None,
    action_url: str | None = None,
) -> str:
    """Hand the caller to TaskRouter with the hand-off context as task attributes."""
    response = ET.Element("Response")
    attrs = {"workflowSid": workflow_sid, **_queue_attrs(wait_url, action_url)}
    enqueue_el = ET.SubElement(response, "Enqueue", attrs)
    ET.SubElement(enqueue_el, "Task").text = json.dumps(attributes, ensure_ascii=False)
    return _doc(response)


def _queue_attrs(wait_url: str | None, action_url: str | None) -> dict[str, str]:
    attrs = {"waitUrl": wait_url, "waitUrlMethod": "POST"} if wait_url else {}
    return {**attrs, "action": action_url, "method": "POST"} if action_url else attrs


def hold(say: str, pause_seconds: int = 20, language: str = "da-DK") -> str:
    """One round of a queue's wait music: a short announcement, then quiet (Twilio repeats it)."""
    response = ET.Element("Response")
    ET.SubElement(response, "Say", language=language).text = say
    ET.SubElement(response, "Pause", length=str(pause_seconds))
    return _doc(response)


def leave_queue() -> str:
    """Take the caller out of the queue; the `<Enqueue action>` hears QueueResult=leave."""
    response = ET.Element("Response")
    ET.SubElement(response, "Leave")
    return _doc(response)


def gather_digit(say: str, action_url: str, then_url: str, language: str = "da-DK") -> str:
    """Ask for one key; without one, Twilio goes on to `then_url`."""
    response = ET.Element("Response")
    gather = ET.SubElement(
        response, "Gather", numDigits="1", timeout="8", action=action_url, method="POST"
    )
    ET.SubElement(gather, "Say", language=language).text = say
    ET.SubElement(response, "Redirect", method="POST").text = then_url
    return _doc(response)


def dial(target: str, whisper_url: str | None = None, timeout_seconds: int = 30) -> str:
    """Connect the caller straight to a number or a SIP address (a switchboard).

    `whisper_url` is played to the person who answers, before the caller is put through.
    """
    response = ET.Element("Response")
    dial_el = ET.SubElement(response, "Dial", timeout=str(timeout_seconds))
    attrs = {"url": whisper_url, "method": "POST"} if whisper_url else {}
    ET.SubElement(dial_el, "Sip" if target.startswith("sip:") else "Number", attrs).text = target
    return _doc(response)


def say(text: str, language: str = "da-DK") -> str:
    """Speak a short text with Twilio's voice (used only towards agents, for the whisper)."""
    response = ET.Element("Response")
    ET.SubElement(response, "Say", language=language).text = text
    return _doc(response)


def hangup(say: str | None = None, language: str = "da-DK") -> str:
    """End the call, after a last sentence if given (on the stream it was already said)."""
    response = ET.Element("Response")
    if say:
        ET.SubElement(response, "Say", language=language).text = say
    ET.SubElement(response, "Hangup")
    return _doc(response)


def prefaced(document: str, say: str, language: str = "da-DK") -> str:
    """The same TwiML with a sentence said first (an apology before a transfer, say)."""
    response = ET.fromstring(document)
    first = ET.Element("Say", language=language)
    first.text = say
    response.insert(0, first)
    return _doc(response)
