from rq import Queue, SimpleWorker

from app.dialogue.call import Say
from app.jobs import QUEUE_NAME
from app.jobs import prompts as prompt_jobs
from app.speech.prompts import PromptLibrary
from app.speech.pyttsx3_tts import Pyttsx3Synthesizer

SAYS = [Say("ask", "Hvad kan jeg hjælpe dig med?"), Say("goodbye", "Tak fordi du ringede. Farvel.")]


def test_renders_are_queued_once_and_a_worker_fills_the_cache(redis, tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.delenv("REDIS_URL", raising=False)
    prompt_jobs._library.cache_clear()
    library = PromptLibrary(
        tmp_path / "prompts" / "da", tmp_path / "none", Pyttsx3Synthesizer(), "da"
    )

    assert prompt_jobs.enqueue_renders(redis, library, SAYS) == 2
    assert prompt_jobs.enqueue_renders(redis, library, SAYS) == 0  # already queued: not again
    queue = Queue(QUEUE_NAME, connection=redis)
    assert len(queue) == 2

    SimpleWorker([queue], connection=redis).work(burst=True)
    assert all(library.cached(s.prompt_id, s.text) for s in SAYS)
    assert prompt_jobs.enqueue_renders(redis, library, SAYS) == 0  # cached: nothing to do


def test_the_job_is_safe_to_run_twice(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    prompt_jobs._library.cache_clear()
    first = prompt_jobs.render_prompt("ask", "Hvad kan jeg hjælpe dig med?")
    assert prompt_jobs.render_prompt("ask", "Hvad kan jeg hjælpe dig med?") == first
    assert len(list((tmp_path / "prompts" / "da").glob("ask-*.ulaw"))) == 1
