import json
from datetime import UTC, datetime, timedelta

from app.outcomes.kpi.events import CallRecord
from app.outcomes.kpi.report import add_counters, render, summarise

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
    assert csv_text.splitlines()[1].startswith("total,all,5,2,2,1,0,0,0.4,0.4,0.6,0.2")


def test_transfers_by_queue_queue_results_and_callbacks():
    from dataclasses import replace

    records = [
        replace(rec(1, "transferred", "mitid", "requested"), queue="borgerservice"),
        replace(
            rec(2, "transferred", "hjemmepleje", "intent"),
            queue="sundhed_omsorg",
            queue_result="abandoned_in_queue",
        ),
        replace(rec(3, "transferred", "mitid", "closed"), queue="borgerservice"),  # a callback
    ]
    s = add_counters(summarise(records), [{"callbacks:created": 2}, {"callbacks:completed": 1}])
    data = json.loads(render(s, "json"))
    assert data["transfer_queues"] == {"borgerservice": 2, "sundhed_omsorg": 1}  # closed too
    assert data["queue_results"] == {"abandoned_in_queue": 1}
    assert data["callbacks"] == {"created": 2, "completed": 1}
    assert "callbacks            2 created, 1 completed" in render(s)


def call(i, start, outcome="resolved", caller=None, minutes=4, topic="koerekort"):
    return CallRecord(
        f"C{i}",
        "phone",
        start,
        start + timedelta(minutes=minutes),
        outcome,
        "requested" if outcome == "transferred" else None,
        topic,
        (),
        None,
        True,
        caller,
    )


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_a_month_with_recontacts_midnight_and_the_dst_switch():
    month = [
        call(1, utc(2026, 10, 5, 8, 0), caller="A"),  # resolved ...
        call(2, utc(2026, 10, 5, 18, 0), caller="A"),  # ... but A is back 10 h later
        call(3, utc(2026, 10, 6, 8, 0), caller="B"),  # resolved; B is back after two days
        call(4, utc(2026, 10, 8, 8, 0), caller="B", outcome="transferred"),
        call(5, utc(2026, 10, 7, 8, 0), caller="C", outcome="transferred"),  # only resolved counts
        call(6, utc(2026, 10, 7, 9, 0), caller="C"),
        call(7, utc(2026, 10, 10, 21, 59), minutes=8),  # 23:59 local, ends after midnight
        call(8, utc(2026, 10, 25, 0, 30)),  # 02:30 summer time ...
        call(9, utc(2026, 10, 25, 1, 30)),  # ... and 02:30 winter time, an hour later
        call(10, utc(2026, 11, 2, 9, 0), outcome="abandoned"),
    ]
    s = summarise(month)
    assert s.total.calls == 10
    assert s.total.outcomes["resolved"] == 7
    assert s.total.resolution == 0.7
    assert s.total.recontacted == 1  # only call 1
    assert s.total.resolution_without_recontact == 0.6
    assert s.days["2026-10-10"].calls == 1 and "2026-10-11" not in s.days  # day of the start
    assert s.hours[23].calls == 1
    assert s.hours[2].calls == 2  # the repeated hour of the autumn switch
    assert {m: g.calls for m, g in s.months.items()} == {"2026-10": 9, "2026-11": 1}
    data = json.loads(render(s, "json"))
    assert data["total"]["resolution_without_recontact"] == 0.6
    assert "re-contacts" in render(s)


def test_a_call_whose_answers_were_rejected_counts_as_not_resolved_and_is_shown():
    from datetime import UTC, datetime

    from app.outcomes.kpi.events import CallRecord
    from app.outcomes.kpi.report import summarise

    def record(call_id, outcome, reason=None):
        at = datetime(2026, 11, 26, 10, tzinfo=UTC)
        topic, intents = "mitid", ("mitid",)
        return CallRecord(call_id, "phone", at, at, outcome, reason, topic, intents, None, True)

    summary = summarise([record("a", "resolved"), record("b", "abandoned", "rejected_answer")])
    figures = summary.as_dict()
    assert figures["total"]["resolution"] == 0.5 and figures["rejected_answers"] == 1
    assert figures["transfer_reasons"] == {}
    assert record("b", "abandoned", "rejected_answer").counters()[-1] == "rejected_answer"


def test_a_feedback_question_nobody_answered_has_no_yes_share():
    summary = summarise([])
    add_counters(summary, [{"feedback:koerekort:asked": 2}])
    row = summary.feedback_rows()["koerekort"]
    assert (row["asked"], row["answer_rate"], row["yes_share"]) == (2, 0.0, None)
    assert "0.0%           -" in render(summary, "table")
