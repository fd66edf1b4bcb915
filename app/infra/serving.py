"""Production serving: gunicorn, one process, a thread per live call (flask-sock holds one)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

ENDPOINT_KEY = "voicebot.endpoint"
"""The WSGI environ key naming the Flask endpoint a request reached (for the access log)."""
THREADS = 64
"""Live calls plus webhooks one process serves. Vosk decodes without the GIL, so threads scale;
one process keeps one model in memory. Raise with --threads on bigger machines."""


def gunicorn_options(
    host: str, port: int, threads: int = THREADS, drain_seconds: int = 300
) -> dict[str, Any]:
    """Gunicorn settings for the voice app: gthread workers that drain on SIGTERM."""
    return {
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": DrainingWorker,
        "threads": threads,
        "timeout": 60,
        "graceful_timeout": drain_seconds,
        "keepalive": 75,
        # gunicornc is not used; its one socket per user would be shared by two nodes on a host.
        "control_socket_disable": True,
        "accesslog": "-",
        # The route's name, never the path: a path is the client's text, percent-decoded by
        # gunicorn (a "%0a" forges a log line, "/chat/010203-1234" logs a CPR number); bodies
        # and query strings carry personal data too. `create_app` puts the name in the environ.
        "access_log_format": f'%(h)s "%(m)s %({{{ENDPOINT_KEY}}}e)s" %(s)s %(b)s %(L)ss',
    }


class DrainingWorker(ThreadWorker):  # type: ignore[misc]
    """A gthread worker that, told to stop, leaves the front's rotation, then finishes live calls.

    First `/healthz` says 503 for DRAIN_NOTICE_SECONDS while everything is still served, so the
    front's health check takes the node out before any request could find it closed (a proxy
    cannot always resend a webhook's body elsewhere). Then it stops listening: gunicorn's own
    worker keeps its socket open until it exits, so new connections would wait in the backlog
    of a node that never takes them; closed, they are refused and go to another node. A call's
    media stream is one long request: it runs to its end, up to DRAIN_SECONDS.
    """

    def handle_exit(self, sig: int, frame: object) -> None:
        """SIGTERM: announce the drain now, stop accepting after the notice."""
        services = self.wsgi.extensions.get("voicebot") if self.wsgi else None
        if services is None or services.draining.is_set():
            super().handle_exit(sig, frame)
            return
        services.draining.set()
        notice = services.settings.drain_notice_seconds
        self.log.info("draining: out of rotation, listening %d s more", notice)
        timer = threading.Timer(notice, ThreadWorker.handle_exit, (self, sig, frame))
        timer.daemon = True
        timer.start()

    def set_accept_enabled(self, enabled: bool) -> None:
        """As gunicorn's; when stopping, also close the listening sockets."""
        super().set_accept_enabled(enabled)
        if not enabled and not self.alive:
            for listener in self.sockets:
                listener.close()
            self.sockets = []
            self.log.info("draining: %d connections still open", self.nr_conns)


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
