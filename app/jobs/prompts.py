"""Pre-rendering prompt audio, so no caller waits on speech synthesis."""

from __future__ import annotations

import hashlib
import logging
from functools import cache

from redis import Redis
from rq import Queue, Retry
from rq.job import JobStatus

from ..config import Settings
from ..dialogue.call import Say
from ..speech.prompts import PromptLibrary
from . import QUEUE_NAME

log = logging.getLogger(__name__)

PENDING = (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED)


@cache
def _library() -> PromptLibrary:
    """The worker process's prompt library, from the same settings as the web process."""
    from ..services import Services

    return Services(Settings.from_env()).prompts


def render_prompt(prompt_id: str, text: str) -> int:
    """Render one prompt into the cache (a no-op if it is there); returns its length in bytes."""
    return len(_library().render(prompt_id, text))


def enqueue_renders(redis: Redis, library: PromptLibrary, prompts: list[Say]) -> int:
    """Queue a render job for every prompt not yet cached; returns how many were queued.

    The job id is the prompt's content hash, so a set loaded twice queues each prompt once.
    """
    queue = Queue(QUEUE_NAME, connection=redis)
    queued = 0
    for say in prompts:
        if library.cached(say.prompt_id, say.text) is not None:
            continue
        digest = hashlib.sha256(f"{say.prompt_id}\0{say.text}".encode()).hexdigest()[:24]
        job_id = f"prompt-{digest}"
        waiting = queue.fetch_job(job_id)
        if waiting is not None and waiting.get_status() in PENDING:
            continue
        queue.enqueue(
            render_prompt,
            say.prompt_id,
            say.text,
            job_id=job_id,
            retry=Retry(max=2),
            job_timeout=120,
        )
        queued += 1
    log.info("prompt renders queued count=%d", queued)
    return queued
