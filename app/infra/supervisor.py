"""Keeps `voicebot serve`'s helpers alive: the embedded redis-server and the RQ worker.

Runs as a thread in gunicorn's master only (never in a forked web worker, which must not own
or stop them). A helper that dies is started again with a back-off, so a crash loop costs
little; `stop` ends the worker before Redis, so nothing complains on the way down.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

CHECK_SECONDS = 0.25
"""How often the helpers are looked at: a dead one is back well within the 5 s we promise."""
FIRST_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 30.0
HEALTHY_AFTER_SECONDS = 60.0
"""A helper that has run this long is healthy again: its next failure restarts it at once."""
WORKER_STOP_SECONDS = 30.0
"""A worker finishing a job on SIGTERM gets this long before it is killed."""


@dataclass
class Helper:
    """One supervised process: how to start it, how to tell that it runs, how to stop it."""

    name: str
    start: Callable[[], None]
    running: Callable[[], bool]
    stop: Callable[[], None]
    delay: float = FIRST_DELAY_SECONDS
    started_at: float = 0.0
    next_try: float = 0.0
    restarts: int = field(default=0)


class Supervisor:
    """Starts helpers in order, restarts the ones that die, stops them in reverse order."""

    def __init__(self, helpers: list[Helper]) -> None:
        self.helpers = helpers
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)

    def start(self) -> None:
        """Start every helper now (failing loudly), then watch them."""
        for helper in self.helpers:
            helper.start()
            helper.started_at = time.monotonic()
        self._thread.start()

    def stop(self) -> None:
        """Stop watching, then stop the helpers, last started first."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for helper in reversed(self.helpers):
            try:
                helper.stop()
            except Exception:  # noqa: BLE001 - shutting down: stop the rest regardless
                log.exception("could not stop %s", helper.name)

    def _watch(self) -> None:
        while not self._stopping.wait(CHECK_SECONDS):
            for helper in self.helpers:
                if not self._stopping.is_set():
                    self._check(helper)

    def _check(self, helper: Helper) -> None:
        now = time.monotonic()
        if helper.running():
            if now - helper.started_at >= HEALTHY_AFTER_SECONDS:
                helper.delay = FIRST_DELAY_SECONDS
            return
        if now < helper.next_try:
            return
        helper.restarts += 1
        log.warning(
            "%s is not running; starting it again (restart %d)", helper.name, helper.restarts
        )
        try:
            helper.start()
            helper.started_at = time.monotonic()
        except Exception:  # noqa: BLE001 - keep supervising; the next try comes after the delay
            log.exception("could not start %s", helper.name)
        helper.next_try = now + helper.delay
        helper.delay = min(helper.delay * 2, MAX_DELAY_SECONDS)


class ChildProcess:
    """A command run as a child in its own process group, started again when it exits.

    The group matters: RQ's worker forks a scheduler and job processes, which would be
    orphaned (and outlive Redis) when the worker itself is killed.
    """

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.command = command
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Clear what is left of an earlier run, then start the command."""
        self._signal_group(signal.SIGKILL)
        self.process = subprocess.Popen(
            self.command, env=self.env, umask=0o077, start_new_session=True
        )

    def running(self) -> bool:
        """True while the child has not exited."""
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM to the group (a worker finishes its job), SIGKILL if it takes too long."""
        if self.process is None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout=WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        self._signal_group(signal.SIGKILL)
        self.process.wait()

    def _signal_group(self, sig: signal.Signals) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass  # the whole group is gone
