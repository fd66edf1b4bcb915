"""One intent set for every process on every node: versions in Redis, files written back.

A change (an admin's promotion, an operator's edit of the files on any node, an import) is
validated, stored as the next version (files, hash, who, when) only if no other change landed
first, and published; every process swaps to it within `SYNC_SECONDS` and writes the files back
to its own directory, so operators can still read, diff and back them up. A change that lost the
race is applied again on top of the newer version, so two promotions at once both land.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError, WatchError

from ..errors import IntentSetError
from .catalogue import IntentSet
from .files import IntentFiles
from .local_facts import FILE as FACTS

log = logging.getLogger(__name__)

CURRENT_KEY = "intents:current"
"""The newest version's number."""
VERSION_KEY = "intents:version:{}"
HASHES_KEY = "intents:hashes"
"""Every stored set's content hash: files a node starts with are new unless listed here."""
CHANNEL = "intents:changed"
"""Published with the new number whenever a version is stored."""
KEEP_VERSIONS = 100
"""Older versions are deleted; the files of any kept one can be exported again."""
SYNC_SECONDS = 1.0
"""How often a process checks Redis and its files when no message arrives (swap within 2 s)."""
MAX_ATTEMPTS = 20
"""Times a change is re-applied on top of versions that landed first before it gives up."""


@dataclass(frozen=True)
class Version:
    """One stored intent set."""

    number: int
    hash: str
    """The set's content hash (`IntentSet.version`)."""
    who: str
    at: str
    files: IntentFiles

    def to_json(self) -> str:
        """What Redis holds for the version."""
        meta = {"number": self.number, "hash": self.hash, "who": self.who, "at": self.at}
        return json.dumps({**meta, "files": self.files.to_dict()}, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> Version:
        """A version from `to_json`."""
        data = json.loads(raw)
        files = IntentFiles.from_dict(data["files"])
        return cls(int(data["number"]), data["hash"], data["who"], data["at"], files)


class IntentVersions:
    """The versions in Redis; storing one is compare-and-set on the newest number."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def current_number(self) -> int:
        """0 before the first version."""
        return int(self.redis.get(CURRENT_KEY) or 0)

    def get(self, number: int) -> Version | None:
        """A kept version by number (None once deleted or never stored)."""
        raw = self.redis.get(VERSION_KEY.format(number)) if number else None
        return Version.from_json(raw) if raw else None

    def latest(self) -> Version | None:
        """The newest version; None before the first."""
        return self.get(self.current_number())

    def store(self, files: IntentFiles, set_hash: str, who: str, after: int) -> Version | None:
        """Store `files` as the version after `after`; None if another version landed first."""
        with self.redis.pipeline() as pipe:
            try:
                pipe.watch(CURRENT_KEY)
                if int(pipe.get(CURRENT_KEY) or 0) != after:
                    return None
                version = Version(
                    after + 1, set_hash, who, datetime.now(UTC).isoformat(timespec="seconds"), files
                )
                pipe.multi()
                pipe.set(VERSION_KEY.format(version.number), version.to_json())
                pipe.set(CURRENT_KEY, version.number)
                pipe.sadd(HASHES_KEY, set_hash)
                pipe.delete(VERSION_KEY.format(version.number - KEEP_VERSIONS))
                pipe.publish(CHANNEL, version.number)
                pipe.execute()
            except WatchError:
                return None
        return version

    def put(self, files: IntentFiles, set_hash: str, who: str) -> Version:
        """Store `files` whole as the next version, whatever landed before (an import)."""
        while True:
            stored = self.store(files, set_hash, who, self.current_number())
            if stored is not None:
                return stored

    def history(self, count: int = 20) -> list[Version]:
        """The newest versions, newest first."""
        newest = self.current_number()
        found = (self.get(n) for n in range(newest, max(newest - count, 0), -1))
        return [v for v in found if v is not None]


class SharedIntents:
    """The intent set this process serves, kept equal to the cluster's newest version.

    Args:
        directory: this node's intent directory (`index.yaml` beside it), written back.
        redis: where versions are stored.
        poll_seconds: at most this long between checks made from `current()` itself.
    """

    def __init__(self, directory: Path, redis: Redis, poll_seconds: float = 2.0) -> None:
        self.directory = directory
        self.versions = IntentVersions(redis)
        self.redis = redis
        self.poll_seconds = poll_seconds
        self.node = socket.gethostname()
        self.last_problems: list[str] = []
        """Why the files on this node were not taken (empty when they were)."""
        self._lock = threading.RLock()
        self._checked_at = 0.0
        self._number = 0
        self._base = IntentFiles.read(directory)
        """The files as this node last read or wrote them: what an operator's edit is against."""
        self._fingerprint = self._files_fingerprint()
        self._refused: tuple | None = None
        self._current: IntentSet | None = None
        self._loaded: tuple[IntentFiles, IntentSet] | None = None
        try:
            self._current = self._load(self._base)
        except IntentSetError as exc:  # served from Redis if it has a version, else no start
            self._refused, self.last_problems = self._fingerprint, exc.problems
        try:
            self.sync()
        except RedisError as exc:
            log.warning("intents served from %s until Redis answers: %s", directory, exc)
        if self._current is None:
            raise IntentSetError(self.last_problems)

    def current(self) -> IntentSet:
        """The newest valid set; looks for a newer one at most every `poll_seconds`."""
        if time.monotonic() - self._checked_at >= self.poll_seconds:
            try:
                self.sync()
            except RedisError:
                self._checked_at = time.monotonic()  # keep serving what we have
        assert self._current is not None  # __init__ refuses to finish without a set
        return self._current

    @property
    def number(self) -> int:
        """The served version's number (0 while Redis has never been reached)."""
        return self._number

    def sync(self) -> list[str]:
        """Take a newer version from Redis, or publish what an operator changed in the files.

        Returns the problems that kept the files on this node out (empty when none).
        """
        with self._lock:
            self._checked_at = time.monotonic()
            fingerprint = self._files_fingerprint()
            if fingerprint != self._fingerprint and fingerprint != self._refused:
                self._publish_file_changes(fingerprint)
            number = self.versions.current_number()
            if number == 0 or (self._number == 0 and self._unknown_files()):
                # The first node to start, or files changed while no node ran: a new version.
                self._publish(lambda _latest: self._base, f"files on {self.node}")
            elif number != self._number:
                version = self.versions.get(number)
                if version is not None:
                    self._adopt(version)
            return self.last_problems

    def edit(self, change: Callable[[IntentFiles], IntentFiles], who: str) -> IntentSet:
        """Apply `change` to the newest version and store the result; served here at once.

        `change` may raise (an invalid set, a regression): then nothing is stored. It is called
        again on top of any version that landed meanwhile.
        """
        with self._lock:
            self.sync()  # an operator's edit of these files, not yet stored, goes in first
            return self._publish(change, who)

    def _publish(self, change: Callable[[IntentFiles], IntentFiles], who: str) -> IntentSet:
        for _ in range(MAX_ATTEMPTS):
            latest = self.versions.latest()
            after = latest.number if latest else 0
            files = change(latest.files if latest else self._base)
            loaded = self._load(files)
            if latest is not None and loaded.version == latest.hash:
                self._adopt(latest)
                return self._current
            stored = self.versions.store(files, loaded.version, who, after)
            if stored is not None:
                log.info("intent set stored number=%d hash=%s", stored.number, stored.hash)
                self._adopt(stored, loaded)
                return loaded
        raise RuntimeError(f"the intent set changed {MAX_ATTEMPTS} times during one edit")

    def _unknown_files(self) -> bool:
        """The valid files this node started with match no stored version (every hash is kept)."""
        if self._current is None or self._refused is not None:
            return False
        return not self.redis.sismember(HASHES_KEY, self._current.version)

    def _is_stored(self, files: IntentFiles) -> bool:
        """These files are, whole, a version stored at some time."""
        try:
            return bool(self.redis.sismember(HASHES_KEY, self._load(files).version))
        except IntentSetError:
            return False

    def _publish_file_changes(self, fingerprint: tuple) -> None:
        """Store what an operator changed on disk, applied on top of the newest version.

        Files that are a stored version were written back by another process sharing this
        directory (perhaps late, an older one): not an edit. Served's files go back instead.
        """
        disk = IntentFiles.read(self.directory)
        if self._is_stored(disk):
            self._base, self._fingerprint = disk, fingerprint
            served = self.versions.get(self._number)
            if served is not None and served.files != disk:
                self._adopt(served)
            return
        changes = disk.changes_from(self._base)
        self._refused = None
        try:
            self._publish(lambda latest: latest.with_changes(changes), f"files on {self.node}")
        except IntentSetError as exc:
            self._refused = fingerprint
            self.last_problems = exc.problems
            log.error(
                "intent files refused, still serving number=%d problems=%d",
                self._number,
                len(exc.problems),
            )
            return
        self.last_problems = []

    def _adopt(self, version: Version, loaded: IntentSet | None = None) -> None:
        """Serve `version` and write it to this node's files (unless they hold refused edits)."""
        if loaded is None:
            try:
                loaded = self._load(version.files)
            except IntentSetError as exc:  # valid where it was stored: another release's rules
                log.error("intent version %d not loadable here: %s", version.number, exc)
                self._number = version.number
                return
        self._current, self._number = loaded, version.number
        if self._refused is None and self._base != version.files:
            version.files.write(self.directory)
            self._base = version.files
        if self._refused is None:
            self._fingerprint = self._files_fingerprint()
        log.info("intent set served number=%d hash=%s", version.number, loaded.version)

    def _load(self, files: IntentFiles) -> IntentSet:
        """`files` validated and loaded; the last result is kept (a start loads its set once)."""
        if self._loaded is None or self._loaded[0] != files:
            self._loaded = (files, files.load(self.directory))
        return self._loaded[1]

    def _files_fingerprint(self) -> tuple:
        parent = self.directory.parent
        paths = [parent / "index.yaml", parent / FACTS, *sorted(self.directory.glob("*.yaml"))]
        return tuple((p.name, s.st_mtime_ns, s.st_size) for p in paths if (s := _stat(p)))


def _stat(path: Path) -> object:
    try:
        return path.stat()
    except OSError:
        return None
