from datetime import UTC, datetime, timedelta

from app.outcomes.kpi.events import CallRecord
from app.outcomes.kpi.store import KpiStore

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def record(call_id="CA1", outcome="resolved", reason=None, topic="koerekort", at=T0):
    return CallRecord(
        call_id,
        "phone",
        at,
        at + timedelta(minutes=2),
        outcome,
        reason,
        topic,
        ("koerekort",) if outcome == "resolved" else (),
        None,
        True,
    )


def test_a_call_is_recorded_exactly_once(redis):
    store = KpiStore(redis)
    assert store.record(record()) is True
    assert store.record(record()) is False
    assert store.record(record(outcome="abandoned")) is False  # a late, different report
    assert [r.outcome for r in store.records()] == ["resolved"]
    assert store.counters("2026-11-26") == {
        "calls": 1,
        "outcome:resolved": 1,
        "topic:koerekort:resolved": 1,
    }


def test_counters_count_reasons_and_topics(redis):
    store = KpiStore(redis)
    store.record(record("CA1"))
    store.record(record("CA2", "transferred", "requested", "mitid"))
    store.record(record("CA3", "transferred", "closed", "mitid"))
    counters = store.counters("2026-11-26")
    assert counters["calls"] == 3
    assert counters["outcome:transferred"] == 2
    assert counters["reason:requested"] == counters["reason:closed"] == 1
    assert counters["topic:mitid:transferred"] == 2


def test_records_are_selected_by_end_time(redis):
    store = KpiStore(redis)
    for day in range(3):
        store.record(record(f"CA{day}", at=T0 + timedelta(days=day)))
    since, until = T0 + timedelta(days=1), T0 + timedelta(days=2)
    assert [r.call_id for r in store.records(since, until)] == ["CA1"]
    assert [r.call_id for r in store.records(since)] == ["CA1", "CA2"]


def test_record_round_trips_and_holds_no_transcript():
    original = record()
    assert CallRecord.from_json(original.to_json()) == original
    assert "text" not in original.to_json()


def test_a_record_names_its_channel_and_older_terminal_records_read_as_terminal():
    from app.outcomes.kpi.events import Channel

    assert CallRecord.from_json(record().to_json()).channel is Channel.PHONE
    older = record().to_json().replace('"channel":"phone"', '"channel":"chat"')
    assert CallRecord.from_json(older).channel is Channel.TERMINAL
