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


def enqueue(queue: str, wait_url: str | None = None) -> str:
    """Put the caller in a plain Twilio queue, by name."""
    response = ET.Element("Response")
    attrs = {"waitUrl": wait_url, "waitUrlMethod": "POST"} if wait_url else {}
    ET.SubElement(response, "Enqueue", attrs).text = queue
    return _doc(response)


def enqueue_task(workflow_sid: str, attributes: Mapping[str, object]) -> str:
    """Hand the caller to TaskRouter with the hand-off context as task attributes."""
    response = ET.Element("Response")
    enqueue_el = ET.SubElement(response, "Enqueue", workflowSid=workflow_sid)
    ET.SubElement(enqueue_el, "Task").text = json.dumps(attributes, ensure_ascii=False)
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


def hangup() -> str:
    """End the call (the goodbye has already been played over the stream)."""
    response = ET.Element("Response")
    ET.SubElement(response, "Hangup")
    return _doc(response)
