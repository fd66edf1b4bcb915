from rq import Queue, SimpleWorker

from app.core.call import RequestCallback
from app.jobs.callbacks import enqueue_callback
from app.jobs.queue import QUEUE_NAME
from app.outcomes.callbacks import CallbackStore
from app.outcomes.handoff import HandoffStore


def test_the_request_exists_exactly_once_after_the_job_ran_twice(redis):
    HandoffStore(redis).remember_caller("CA1", "+4512345678")
    request = RequestCallback(None, "koerekort", "dit kørekort")
    enqueue_callback(redis, "CA1", request, "borgerservice")
    SimpleWorker([Queue(QUEUE_NAME, connection=redis)], connection=redis).work(burst=True)
    enqueue_callback(redis, "CA1", request, "borgerservice", inline=True)  # a repeated job
    (made,) = CallbackStore(redis).open_requests()
    assert (made.id, made.number, made.about, made.queue) == (
        "CA1",
        "+4512345678",
        "dit kørekort",
        "borgerservice",
    )
    assert redis.hget(f"kpi:counters:{made.created_at[:10]}", "callbacks:created") == b"1"


def test_a_keyed_number_wins_over_the_calling_number(redis):
    HandoffStore(redis).remember_caller("CA2", "+4512345678")
    enqueue_callback(
        redis,
        "CA2",
        RequestCallback("23456789", None, "dit spørgsmål"),
        "borgerservice",
        inline=True,
    )
    assert CallbackStore(redis).get("CA2").number == "23456789"


def test_retention_job_deletes_exactly_what_is_past_retention(redis, monkeypatch):
    from datetime import UTC, datetime, timedelta

    from app.jobs.retention import purge
    from app.outcomes.review.store import ReviewStore

    monkeypatch.setenv("TRANSCRIPT_RETENTION_DAYS", "30")
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    store = ReviewStore(redis, 30, str)
    old = store.add(
        "mit cpr er [CPR] gammel sag", "none", None, now - timedelta(days=30, seconds=1)
    )
    kept = store.add("ny sag", "none", None, now - timedelta(days=29, hours=23))
    job = Queue(QUEUE_NAME, connection=redis, is_async=False).enqueue(purge, now.isoformat())
    assert job.return_value() == 1
    assert store.get(old) is None and store.get(kept) is not None


def test_job_ids_are_safe_for_every_channels_ids_and_never_shared():
    from rq.job import JOB_ID_PATTERN

    from app.jobs.queue import job_id

    ids = ["CA" + "0" * 32, "ast-1764300000.42", "ast-1764300000_42", "sip-a", "web-x_y", "a" * 200]
    made = [job_id("callback", i) for i in ids]
    assert all(JOB_ID_PATTERN.fullmatch(m) for m in made)
    assert len(set(made)) == len(ids)
    assert made[0] == "callback-CA" + "0" * 32  # readable where it can be
    assert job_id("callback", ids[1]) == made[1]  # the same call, the same job


def test_any_failure_to_queue_a_callback_is_spooled_and_counted(settings, monkeypatch):
    from app.jobs import callbacks
    from app.wiring import Services

    def refuse(*args, **kwargs):
        raise ValueError("Job ID must only contain letters")

    monkeypatch.setattr(callbacks, "enqueue_callback", refuse)
    services = Services(settings)
    try:
        services.request_callback("ast-1.2", RequestCallback(None, "pas", "dit pas"), "bs")
        assert services.spool.pending() == 1
        assert services.live.enqueue_failures == 1
    finally:
        services.close()
