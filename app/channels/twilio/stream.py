"""Twilio Media Streams messages: parse what Twilio sends, build what we send. Pure, no I/O.

Protocol (bidirectional `<Connect><Stream>`): Twilio sends `connected`, `start`, `media`
(base64 μ-law 8 kHz, ~20 ms), `dtmf`, `mark`, `stop`; we send `media` (raw μ-law, no WAV
header), `mark` and `clear`, each with the `streamSid`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field

from ..media_loop import Audio, Key, Mark, Stopped

MAX_MESSAGE_BYTES = 64 * 1024
"""A 20 ms media message is ~250 bytes; anything near this is not Twilio."""
OUTBOUND_CHUNK_BYTES = 8_000
"""One second of μ-law per outbound media message."""


class ProtocolError(ValueError):
    """A message that is not valid Media Streams JSON; the call goes on without it."""


@dataclass(frozen=True)
class StreamStarted:
    """The `start` message: which call, and the parameters our TwiML passed."""

    stream_sid: str
    call_sid: str
    parameters: dict[str, str] = field(default_factory=dict)
    media_format: dict[str, object] = field(default_factory=dict)


TwilioEvent = StreamStarted | Audio | Key | Mark | Stopped
"""A stream's start is Twilio's own; the rest are the media loop's events as they are."""


DTMF_DIGITS = "0123456789*#ABCD"
"""What a keypad can send (RFC 4733 events 0-15)."""
CALL_SID = re.compile(r"CA[0-9a-f]{32}")
"""Twilio call sids: "CA" and 32 hex digits. Only a valid one is ever stored or logged."""


def is_call_sid(value: str) -> bool:
    """True for a well-formed Twilio call sid."""
    return CALL_SID.fullmatch(value) is not None


def parse(message: str | bytes) -> TwilioEvent | None:
    """One message → an event; None for messages we ignore (`connected`, unknown events).

    Raises:
        ProtocolError: oversized, not JSON, or missing what the event needs.
    """
    if len(message) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {len(message)} bytes")
    try:
        data = json.loads(message)
        match data.get("event"):
            case "start":
                start = data["start"]
                if not is_call_sid(str(start["callSid"])):
                    raise ValueError("malformed callSid")
                return StreamStarted(
                    stream_sid=str(start["streamSid"]),
                    call_sid=str(start["callSid"]),
                    parameters={
                        str(k): str(v) for k, v in start.get("customParameters", {}).items()
                    },
                    media_format=dict(start.get("mediaFormat", {})),
                )
            case "media":
                return Audio(base64.b64decode(data["media"]["payload"], validate=True))
            case "dtmf":
                digit = str(data["dtmf"]["digit"])
                if len(digit) != 1 or digit not in DTMF_DIGITS:
                    raise ValueError("not a DTMF digit")
                return Key(digit)
            case "mark":
                return Mark(str(data["mark"]["name"]))
            case "stop":
                return Stopped()
            case _:
                return None
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error, RecursionError) as exc:
        raise ProtocolError(f"{type(exc).__name__}: {exc}") from None


def media(stream_sid: str, ulaw: bytes) -> list[str]:
    """Outbound audio as `media` messages of at most one second each."""
    return [
        json.dumps(
            {
                "event": "media",
                "streamSid": stream_sid,
                "media": {"payload": base64.b64encode(ulaw[i : i + OUTBOUND_CHUNK_BYTES]).decode()},
            }
        )
        for i in range(0, len(ulaw), OUTBOUND_CHUNK_BYTES)
    ]


def mark(stream_sid: str, name: str) -> str:
    """A `mark` Twilio echoes back when the audio before it has played."""
    return json.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def clear(stream_sid: str) -> str:
    """Drop the audio Twilio has buffered for this stream."""
    return json.dumps({"event": "clear", "streamSid": stream_sid})
