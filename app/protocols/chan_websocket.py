"""Asterisk's WebSocket channel driver (chan_websocket), both ends: the bot's and the channel's.

The bot (`telephony/asterisk_views`) parses what Asterisk sends and words its commands; our SIP
edge (`sip/call`) plays Asterisk's part, so it words Asterisk's messages and parses the commands.

Asterisk ≥ 20.16 / 21.11 / 22.6 dials us with `Dial(WebSocket/<client>/c(alaw))`: BINARY frames
carry raw G.711 (160 bytes per 20 ms, silence included), TEXT frames carry control messages, in
the plain-text form (`MEDIA_START connection_id:… format:alaw optimal_frame_size:160`) or, from
20.18 / 22.8 / 23.2 with `f(json)`, as JSON (`{"event": "MEDIA_START", …}`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

FORMATS = ("alaw", "ulaw")
"""G.711 only: A-law from European trunks, μ-law where the caller's channel uses it."""
MAX_CONTROL_BYTES = 4096
"""A control message longer than this is not one Asterisk sends."""
MAX_MEDIA_MESSAGE = 160 * 400
"""Audio per BINARY message we send: 8 s, a multiple of the frame, under Asterisk's 65,500."""


class ProtocolError(ValueError):
    """A message that is not chan_websocket's; the socket drops it and goes on."""


@dataclass(frozen=True)
class MediaStart:
    """The channel is up: its codec and frame size."""

    connection_id: str
    channel: str
    format: str
    frame_bytes: int


@dataclass(frozen=True)
class DtmfEnd:
    """A key the caller pressed."""

    digit: str


@dataclass(frozen=True)
class BufferingCompleted:
    """Everything sent before `STOP_MEDIA_BUFFERING <mark>` has gone to the caller."""

    mark: str


@dataclass(frozen=True)
class FlowControl:
    """`MEDIA_XOFF` (stop sending audio) or `MEDIA_XON` (go on)."""

    paused: bool


AsteriskEvent = MediaStart | DtmfEnd | BufferingCompleted | FlowControl

DIGITS = frozenset("0123456789*#ABCD")


def parse(text: str) -> AsteriskEvent | None:
    """One TEXT message; None for those we need not act on (STATUS, QUEUE_DRAINED, …).

    Raises:
        ProtocolError: too long, or a known event with a missing or malformed field.
    """
    if len(text) > MAX_CONTROL_BYTES:
        raise ProtocolError("control message too long")
    name, fields, rest = _fields(text)
    if name == "MEDIA_START":
        codec = fields.get("format", "")
        if codec not in FORMATS:
            raise ProtocolError(f"format must be one of {', '.join(FORMATS)}")
        size = str(fields.get("optimal_frame_size", "160"))
        if not (size.isascii() and size.isdigit()) or not 0 < int(size) <= 8000:  # not "²"
            raise ProtocolError("malformed optimal_frame_size")
        return MediaStart(
            str(fields.get("connection_id", ""))[:64],
            str(fields.get("channel", ""))[:128],
            codec,
            int(size),
        )
    if name == "DTMF_END":
        digit = str(fields.get("digit", ""))
        if digit not in DIGITS:
            raise ProtocolError("malformed digit")
        return DtmfEnd(digit)
    if name == "MEDIA_BUFFERING_COMPLETED":
        mark = str(fields.get("correlation_id") or rest)  # ours hold colons: the whole rest
        return BufferingCompleted(mark[:64])
    if name in ("MEDIA_XOFF", "MEDIA_XON"):
        return FlowControl(paused=name == "MEDIA_XOFF")
    return None


def _fields(text: str) -> tuple[str, dict[str, object], str]:
    """(event name, key:value fields, the text after the name) of either message form."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than Python's stack
            raise ProtocolError("malformed JSON control message") from None
        if not isinstance(data, dict) or not isinstance(data.get("event"), str):
            raise ProtocolError("a JSON control message needs an event")
        return data["event"], data, ""
    name, _, rest = stripped.partition(" ")
    if not name:
        raise ProtocolError("empty control message")
    fields: dict[str, object] = {}
    for word in rest.split():
        key, sep, value = word.partition(":")
        if sep:
            fields[key] = value
    return name, fields, rest.strip()


def start_buffering() -> str:
    """Before a prompt: Asterisk frames and times what follows, across messages."""
    return "START_MEDIA_BUFFERING"


def stop_buffering(mark: str) -> str:
    """After a prompt: `MEDIA_BUFFERING_COMPLETED <mark>` comes back once it has played."""
    return f"STOP_MEDIA_BUFFERING {mark}"


def flush() -> str:
    """Drop queued audio at once (the caller talks over a prompt)."""
    return "FLUSH_MEDIA"


def hangup() -> str:
    """End the WebSocket channel; the dialplan goes on after its Dial()."""
    return "HANGUP"


def media_messages(audio: bytes) -> list[bytes]:
    """Prompt audio as BINARY messages under Asterisk's limit (buffering frames the rest)."""
    return [audio[i : i + MAX_MEDIA_MESSAGE] for i in range(0, len(audio), MAX_MEDIA_MESSAGE)]


# The channel's end: what Asterisk says (our SIP edge says it the same way) …


def media_start(connection_id: str, codec: str, frame_bytes: int = 160) -> str:
    """The channel is up: `MEDIA_START`, as Asterisk words it."""
    return (
        f"MEDIA_START connection_id:{connection_id} format:{codec} optimal_frame_size:{frame_bytes}"
    )


def dtmf_end(digit: str) -> str:
    """The caller pressed a key."""
    return f"DTMF_END digit:{digit}"


def buffering_completed(mark: str) -> str:
    """Everything before `STOP_MEDIA_BUFFERING <mark>` has been played."""
    return f"MEDIA_BUFFERING_COMPLETED {mark}"


# … and the bot's commands as the channel reads them.


@dataclass(frozen=True)
class StartBuffering:
    """Frame and time the audio that follows."""


@dataclass(frozen=True)
class StopBuffering:
    """The prompt ends here; report `mark` once it has played."""

    mark: str


@dataclass(frozen=True)
class FlushMedia:
    """Drop the queued audio (the caller talks over a prompt)."""


@dataclass(frozen=True)
class HangUpChannel:
    """The bot is done with the channel."""


Command = StartBuffering | StopBuffering | FlushMedia | HangUpChannel


def parse_command(text: str) -> Command | None:
    """One TEXT message from the bot; None for one the channel need not act on."""
    name, _, arg = text.strip().partition(" ")
    if name == "START_MEDIA_BUFFERING":
        return StartBuffering()
    if name == "STOP_MEDIA_BUFFERING":
        return StopBuffering(arg.strip())
    if name == "FLUSH_MEDIA":
        return FlushMedia()
    if name == "HANGUP":
        return HangUpChannel()
    return None
