"""This process's live figures for /metrics: calls now, recognitions, early turns, spooled jobs."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class LiveFigures:
    """This process's live figures for /metrics (a lock, as every call has its own thread)."""

    active: int = 0
    recognitions: int = 0
    recognition_seconds: float = 0.0
    early_turns: int = 0
    """Turns ended on the short pause because they already sounded complete."""
    enqueue_failures: int = 0
    """Background jobs that could not be queued (kept in the spool instead)."""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def call_started(self) -> None:
        """A media stream began."""
        with self.lock:
            self.active += 1

    def call_ended(self) -> None:
        """A media stream ended."""
        with self.lock:
            self.active -= 1

    def count_enqueue_failure(self) -> None:
        """A job went to the spool instead of the queue."""
        with self.lock:
            self.enqueue_failures += 1

    def recognised(self, seconds: float, early: bool = False) -> None:
        """A final transcript took this long after the turn ended (early: on the short pause)."""
        with self.lock:
            self.recognitions += 1
            self.recognition_seconds += seconds
            self.early_turns += early
