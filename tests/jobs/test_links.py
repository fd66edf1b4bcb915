"""An answer's link by SMS, as Twilio's REST API receives it: once per call and answer, only to
a Danish mobile, and counted for the KPI report."""

import base64
from dataclasses import replace
from datetime import UTC, datetime

from rq import Queue

from app.jobs.links import send_link
from app.jobs.queue import QUEUE_NAME
from app.outcomes.handoff import HandoffStore
from app.outcomes.kpi.report import Summary, add_counters
from app.outcomes.kpi.store import KpiStore
from app.wiring import Services
from tests.jobs.conftest import ACCOUNT, TOKEN

URL = "https://www.mitid.dk/"


def test_one_link_per_call_and_answer_in_twilios_documented_shape(redis, sms_on):
    _, captured = sms_on
    HandoffStore(redis).remember_caller("CA1", "+4520123456")
    jobs = Queue(QUEUE_NAME, connection=redis, is_async=False)
    args = ("CA1", "mitid_mistet", "MitID", URL)
    assert jobs.enqueue(send_link, *args).return_value() == "SM" + "b" * 32
    assert jobs.enqueue(send_link, *args).return_value() is None  # asked twice: sent once

    (request,) = captured
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    auth = base64.b64decode(request["headers"]["Authorization"].split()[1]).decode()
    assert auth == f"{ACCOUNT}:{TOKEN}"
    assert request["form"]["To"] == ["+4520123456"]
    assert request["form"]["From"] == ["+4543353000"]
    assert request["form"]["Body"][0].endswith(f"MitID: {URL}")
    today = datetime.now(UTC).date().isoformat()
    assert KpiStore(redis).counters(today)["sms_links"] == 1
    summary = add_counters(Summary(), [KpiStore(redis).counters(today)])
    assert summary.sms_links == 1 and summary.as_dict()["sms_links"] == 1


def test_no_link_to_a_landline_or_a_withheld_number(redis, sms_on):
    _, captured = sms_on
    HandoffStore(redis).remember_caller("CA2", "+4543591000")
    jobs = Queue(QUEUE_NAME, connection=redis, is_async=False)
    assert jobs.enqueue(send_link, "CA2", "pas", "Pas", URL).return_value() is None
    assert jobs.enqueue(send_link, "CA3", "pas", "Pas", URL).return_value() is None  # no number
    assert captured == []


def test_without_sms_configured_no_call_can_be_texted(settings):
    off = Services(replace(settings, sms_from=None))
    on = Services(replace(settings, sms_from="+4543353000"))
    try:
        assert not off.can_text("+4520123456")
        assert on.can_text("+4520123456") and not on.can_text("+4543591000")
        assert not on.can_text(None)
    finally:
        off.close()
        on.close()
