"""Production serving: gunicorn, one process, a thread per live call (flask-sock holds one)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

THREADS = 64
"""Live calls plus webhooks one process serves. Vosk decodes without the GIL, so threads scale;
one process keeps one model in memory. Raise with --threads on bigger machines."""


def gunicorn_options(host: str, port: int, threads: int = THREADS) -> dict[str, Any]:
    """Gunicorn settings for the voice app: gthread workers, never sync ones."""
    return {
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 60,
        "graceful_timeout": 30,
        "keepalive": 75,
        "accesslog": "-",
        # Twilio's form posts carry the caller's number: log the path only, never the body.
        "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(L)ss',
    }


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """Runs `factory()` in the gunicorn worker (not the master, so nothing crosses a fork)."""

    def __init__(self, factory: Callable[[], Flask], options: dict[str, Any]) -> None:
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply our options."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        """Build the app in the worker."""
        return self.factory()
