from rq import Queue, SimpleWorker

from app.dialogue.call import RequestCallback
from app.jobs import QUEUE_NAME
from app.jobs.callbacks import enqueue_callback
from app.routing.callbacks import CallbackStore
from app.routing.handoff import HandoffStore


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
