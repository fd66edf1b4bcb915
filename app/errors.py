"""Domain errors, in one place (as rq keeps its exceptions)."""

from __future__ import annotations


class VoicebotError(Exception):
    """Base class for errors this package raises on purpose."""


class ConfigError(VoicebotError):
    """A setting is missing or malformed; raised at start-up, never mid-call."""


class IntentSetError(VoicebotError):
    """An intent set failed validation; carries every problem found, not just the first."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
