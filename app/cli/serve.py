"""`voicebot serve`, `worker` and `sip`: the long-running processes."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from ..config import Settings
from ..errors import ConfigError
from .common import open_services, settings_or_exit

if TYPE_CHECKING:
    from ..infra.supervisor import Supervisor


@click.command()
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option("--threads", default=None, type=int, help="Live calls + webhooks at once.")
def serve(host: str, port: int, threads: int | None) -> None:
    """The phone service: Twilio webhooks and Media Streams under gunicorn.

    Without REDIS_URL an embedded redis-server and a `voicebot worker` are started alongside,
    watched by gunicorn's master and started again if they die.
    """
    import os

    from ..infra.keys import load_keys
    from ..infra.serving import THREADS, GunicornServer, gunicorn_options
    from ..speech.engines import check_speech
    from ..webapp import create_app

    settings = settings_or_exit()
    try:
        settings.check_phone()
        check_speech(settings)
        load_keys(settings.secret_key, settings.data_dir)  # refuse a weak one; create before fork
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    master = os.getpid()
    supervisor = None
    if not settings.redis_url:
        settings, supervisor = _embedded_helpers(settings)
        supervisor.start()
    try:
        options = gunicorn_options(host, port, threads or THREADS, settings.drain_seconds)
        GunicornServer(lambda: create_app(settings), options).run()
    finally:
        # gunicorn's workers are forks that leave through here too: only the master owns helpers.
        if supervisor is not None and os.getpid() == master:
            supervisor.stop()


def _embedded_helpers(settings: Settings) -> tuple[Settings, Supervisor]:
    """An embedded Redis and a worker on it, supervised; settings pointed at that Redis."""
    import os

    from ..infra.redis_server import EmbeddedRedis
    from ..infra.supervisor import ChildProcess, Helper, Supervisor

    redis = EmbeddedRedis(settings.data_dir / "redis")
    settings = settings.with_(redis_url=redis.url)
    worker = ChildProcess(
        [sys.executable, "-m", "app", "worker"], {**os.environ, "REDIS_URL": redis.url}
    )
    return settings, Supervisor(
        [
            Helper("redis-server", redis.start, redis.running, redis.stop),
            Helper("worker", worker.start, worker.running, worker.stop),
        ]
    )


@click.command()
def sip() -> None:
    """Our SIP edge: trunk calls straight to `voicebot serve` (`.[sip]`, ASTERISK_PASSWORD)."""
    import asyncio
    import signal

    from ..channels.sip_edge.server import SipEdge

    settings = settings_or_exit()
    if not settings.asterisk_password:
        raise click.ClickException("missing required setting(s): ASTERISK_PASSWORD")

    try:
        edge = SipEdge(settings)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc

    async def run() -> None:
        await edge.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await edge.stop()

    asyncio.run(run())


@click.command()
def worker() -> None:
    """Run background jobs (callbacks, SMS receipts, hourly retention) from the configured Redis."""
    from rq import Queue, Worker

    from ..jobs.queue import QUEUE_NAME, WORKER_TTL_SECONDS
    from ..jobs.retention import schedule

    services = open_services(settings_or_exit())
    # The worker's DATA_DIR may be its own: it renders what its cache lacks, for the set it
    # starts on (off the job loop; what serve rendered in a shared DATA_DIR is skipped) and for
    # every set that arrives while it runs.
    services.executor.submit(services.render_prompts, services.flow().fixed_prompts())
    services.on_new_intent_set = lambda flow: services.render_prompts(flow.fixed_prompts())
    services.follow_intents()
    connection = None
    try:
        connection = services.worker_redis()
        schedule(Queue(QUEUE_NAME, connection=connection))
        worker = Worker([QUEUE_NAME], connection=connection, worker_ttl=WORKER_TTL_SECONDS)
        worker.work(with_scheduler=True)
    finally:
        if connection is not None:
            connection.close()
        services.close()
