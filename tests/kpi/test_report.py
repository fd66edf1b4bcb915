import json
from datetime import UTC, datetime, timedelta

from app.kpi.events import CallRecord
from app.kpi.report import add_callbacks, render, summarise

T0 = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)  # 09:30 in Copenhagen


def rec(i, outcome, topic, reason=None, hours=0):
    at = T0 + timedelta(hours=hours)
    return CallRecord(f"CA{i}", "phone", at, at, outcome, reason, topic, (), None, True)


RECORDS = [
    rec(1, "resolved", "koerekort"),
    rec(2, "resolved", "koerekort"),
    rec(3, "transferred", "koerekort", "requested"),
    rec(4, "abandoned", "other", hours=2),
    rec(5, "transferred", "mitid", "closed", hours=2),
]


def test_resolution_and_containment_follow_the_design_definitions():
    s = summarise(RECORDS)
    assert s.total.calls == 5
    assert s.total.resolution == 2 / 5
    assert s.total.containment == 1 - 2 / 5
    assert dict(s.reasons) == {"requested": 1, "closed": 1}


def test_breakdown_by_topic_and_local_hour():
    s = summarise(RECORDS)
    assert s.topics["koerekort"].resolution == 2 / 3
    assert s.topics["mitid"].outcomes["transferred"] == 1
    assert sorted(s.hours) == [9, 11]  # Copenhagen time, not UTC
    assert s.hours[11].calls == 2


def test_empty_period_has_no_rates():
    s = summarise([])
    assert s.total.resolution is None
    assert "resolved without transfer  -" in render(s)


def test_formats():
    s = summarise(RECORDS)
    table = render(s, labels={"koerekort": "Kørekort"})
    assert "resolved without transfer  40.0%" in table and "Kørekort" in table
    data = json.loads(render(s, "json"))
    assert data["total"]["resolution"] == 0.4
    assert data["transfer_reasons"] == {"closed": 1, "requested": 1}
    csv_text = render(s, "csv")
    assert csv_text.splitlines()[1].startswith("total,all,5,2,2,1,0,0.4,0.6")


def test_transfers_by_queue_queue_results_and_callbacks():
    from dataclasses import replace

    records = [
        replace(rec(1, "transferred", "mitid", "requested"), queue="borgerservice"),
        replace(
            rec(2, "transferred", "hjemmepleje", "intent"),
            queue="sundhed_omsorg",
            queue_result="abandoned_in_queue",
        ),
        replace(rec(3, "transferred", "mitid", "closed"), queue="borgerservice"),  # not queued
    ]
    s = add_callbacks(summarise(records), [{"callbacks:created": 2}, {"callbacks:completed": 1}])
    data = json.loads(render(s, "json"))
    assert data["transfer_queues"] == {"borgerservice": 1, "sundhed_omsorg": 1}
    assert data["queue_results"] == {"abandoned_in_queue": 1}
    assert data["callbacks"] == {"created": 2, "completed": 1}
    assert "callbacks            2 created, 1 completed" in render(s)
