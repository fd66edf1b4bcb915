from datetime import UTC, datetime, timedelta

from app.outcomes.callbacks import Callback, CallbackStore

T0 = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)


def request(i, minutes=0):
    at = (T0 + timedelta(minutes=minutes)).isoformat()
    return Callback(f"CA{i}", "+4512345678", "dit kørekort", "koerekort", "borgerservice", at)


def test_one_request_per_call(redis):
    store = CallbackStore(redis)
    assert store.create(request(1)) is True
    assert store.create(request(1, minutes=5)) is False
    assert [c.id for c in store.open_requests()] == ["CA1"]
    assert redis.hget("kpi:counters:2026-11-26", "callbacks:created") == b"1"


def test_agents_work_oldest_first_and_mark_done_once(redis):
    store = CallbackStore(redis)
    store.create(request(2, minutes=10))
    store.create(request(1, minutes=0))
    assert [c.id for c in store.open_requests()] == ["CA1", "CA2"]
    assert store.mark_done("CA1", "agent.anna", now=T0) is True
    assert store.mark_done("CA1", "agent.anna", now=T0) is False
    assert [c.id for c in store.open_requests()] == ["CA2"]
    done = store.get("CA1")
    assert (done.done_by, done.done_at) == ("agent.anna", T0.isoformat())
    assert redis.hget("kpi:counters:2026-11-26", "callbacks:completed") == b"1"


def test_requests_expire_because_they_hold_a_number(redis):
    CallbackStore(redis).create(request(1))
    assert 0 < redis.ttl("callback:CA1") <= 30 * 24 * 3600
