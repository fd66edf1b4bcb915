"""Prompt audio out to the caller, framed at 20 ms; marks as their last packet leaves; lateness."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field

FRAME = 160
"""Bytes of G.711 in one 20 ms RTP packet."""
SILENCE = {"alaw": b"\xd5" * FRAME, "ulaw": b"\xff" * FRAME}
MAX_QUEUED_FRAMES = 3000
"""A minute of prompt audio queued for one call; more is not ours to play."""

log = logging.getLogger(__name__)


@dataclass
class Outgoing:
    """The bot's audio for one call, framed, with the marks to report once played."""

    law: str
    frames: deque[bytes | str] = field(default_factory=deque)
    """160-byte frames, and mark names where a prompt ends."""
    partial: bytes = b""
    played: int = 0
    """Frames of the bot's audio sent so far (silence between prompts not counted)."""

    def add(self, audio: bytes) -> None:
        """Audio from the bot, any length: whole frames queue now, the rest waits."""
        data = self.partial + audio
        whole = len(data) - len(data) % FRAME
        for i in range(0, whole, FRAME):
            if len(self.frames) < MAX_QUEUED_FRAMES:
                self.frames.append(data[i : i + FRAME])
        self.partial = data[whole:]

    def end_prompt(self, mark: str) -> None:
        """STOP_MEDIA_BUFFERING: pad the last frame with silence, then the mark."""
        if self.partial:
            self.frames.append(self.partial + SILENCE[self.law][len(self.partial) :])
            self.partial = b""
        self.frames.append(mark)

    def flush(self) -> None:
        """FLUSH_MEDIA: drop everything queued (the caller talks over a prompt)."""
        self.frames.clear()
        self.partial = b""

    def next_frame(self) -> tuple[bytes, list[str]]:
        """The next 20 ms to send, and the marks whose prompts have now fully left."""
        marks = []
        while self.frames and isinstance(self.frames[0], str):
            marks.append(self.frames.popleft())  # type: ignore[arg-type]
        frame = self.frames.popleft() if self.frames else None
        if frame is None:
            frame = SILENCE[self.law]
        else:
            self.played += 1
        while self.frames and isinstance(self.frames[0], str):
            marks.append(self.frames.popleft())  # type: ignore[arg-type]
        return frame, marks  # type: ignore[return-value]


class Pacing:
    """How late our RTP packets leave against their 20 ms schedule, over every call.

    A histogram in 0.5 ms bins (the last one holds everything from 100 ms): cheap enough to
    keep always, and what `voicebot bench sip` reads as send jitter.
    """

    BIN = 0.0005
    BINS = 200

    def __init__(self) -> None:
        self.counts = [0] * (self.BINS + 1)
        self.setup: deque[float] = deque(maxlen=10_000)
        """Seconds from an INVITE to our 200 OK (the bot reached, RTP bound)."""

    def record(self, late: float) -> None:
        """One packet sent `late` seconds after it was due."""
        self.counts[min(self.BINS, max(0, int(late / self.BIN)))] += 1

    @property
    def packets(self) -> int:
        """Packets sent so far."""
        return sum(self.counts)

    def percentile(self, p: float) -> float:
        """Lateness in ms at or below which p % of the packets left."""
        total, seen = self.packets, 0
        for i, count in enumerate(self.counts):
            seen += count
            if total and seen >= total * p / 100:
                return (i + 1) * self.BIN * 1000
        return 0.0

    def later_than(self, ms: float) -> int:
        """Packets that left more than `ms` late."""
        return sum(self.counts[int(ms / 1000 / self.BIN) :])
