"""Writes that must survive Redis being away: kept on local disk, replayed when it returns.

A call's outcome and a callback request made while Redis is down go, as JSON lines, to an
append-only file under DATA_DIR (0600, in a 0700 directory). A replayer writes them to Redis in
order once it answers again; every handler is idempotent (one outcome and one callback request
per call), so a line replayed twice after a crash does no harm.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from redis.exceptions import RedisError

log = logging.getLogger(__name__)

SPOOL_FILE = "pending.jsonl"


class Spool:
    """One append-only file of pending writes, shared by the processes on one DATA_DIR."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / SPOOL_FILE

    def add(self, kind: str, payload: dict[str, Any]) -> None:
        """Keep one write for later; `kind` names its handler."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        line = json.dumps({"kind": kind, "payload": payload}, ensure_ascii=False) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            fcntl.flock(out, fcntl.LOCK_EX)
            out.write(line)
        log.warning("redis unavailable: kept %s locally until it returns", kind)

    def pending(self) -> int:
        """How many writes wait (0 when there is no file)."""
        try:
            with self.path.open(encoding="utf-8") as lines:
                return sum(1 for line in lines if line.strip())
        except FileNotFoundError:
            return 0

    def replay(self, handlers: dict[str, Callable[[dict[str, Any]], None]]) -> int:
        """Write what waits, in order; stop at the first Redis failure. Returns how many went."""
        if not self.path.exists():
            return 0
        with self.path.open("r+", encoding="utf-8") as spool:
            fcntl.flock(spool, fcntl.LOCK_EX)
            lines = [line for line in spool.read().splitlines() if line.strip()]
            done = 0
            for line in lines:
                try:
                    entry = json.loads(line)
                    handlers[entry["kind"]](entry["payload"])
                except RedisError:
                    break
                except Exception:  # noqa: BLE001 - one bad entry must not hold back the rest
                    log.exception("spool entry could not be written and was dropped")
                done += 1
            spool.seek(0)
            spool.truncate()
            spool.writelines(line + "\n" for line in lines[done:])
        if done:
            log.info("spool replayed count=%d left=%d", done, len(lines) - done)
        return done
