"""The review → promote → the bot understands loop, clicked through in headless Chromium."""

import shutil

import pytest
import requests

from app.staff.accounts import save_account
from tests.browser import log_in
from tests.conftest import INTENTS_DIR
from tests.twilio import ScriptedModel, TwilioCall


@pytest.fixture
def admin_settings(phone_settings, tmp_path):
    shutil.copytree(INTENTS_DIR.parent, tmp_path / "intents")
    accounts = tmp_path / "accounts.yaml"
    save_account(accounts, "anna", "kode-1234-lang", "Anna Admin", "admin")
    save_account(accounts, "bo", "kode-5678-lang", "Bo Agent", "agent")
    return phone_settings.with_(accounts_file=accounts, intents_dir=tmp_path / "intents" / "da")


def missed_call(base, said):
    call = TwilioCall(base)
    call.dial()
    call.wait_for_prompt("ask")
    call.turn()
    call.wait_for_prompt("rephrase")
    call.hang_up()
    return call


def test_agents_cannot_open_the_admin_pages(phone, admin_settings, browser):
    with phone(ScriptedModel(), settings=admin_settings) as (base, _):
        page = browser.new_page()
        log_in(page, base, user="bo", password="kode-5678-lang")
        assert page.goto(base.replace("127.0.0.1", "localhost") + "/admin/review").status == 403
        page.close()
        anonymous = requests.get(base + "/admin/review", allow_redirects=False, timeout=5)
        assert anonymous.status_code == 302 and "/agent/login" in anonymous.headers["Location"]


def test_review_promote_and_the_bot_understands_seconds_later(phone, admin_settings, browser):
    phrase = "kan jeg få penge til en ny cykel"
    with phone(ScriptedModel(phrase), settings=admin_settings) as (base, services):
        call = missed_call(base, phrase)
        call.wait_for(lambda: services.review().items())
        assert services.flow().matcher.match(phrase).intent is None

        page = browser.new_page()
        log_in(page, base)
        response = page.goto(base.replace("127.0.0.1", "localhost") + "/admin/review")
        assert response.status == 200, page.content()[:2000]
        row = page.locator("tr.item").first
        assert phrase in row.inner_text()

        # A wrong target is refused with the file and line, and nothing is written.
        row.locator("select[name=intent]").select_option("pas")
        row.locator("input[name=text]").fill("jeg skal forny mit kørekort")
        row.locator("form.promote button").click()
        alert = page.locator("[role=alert]").inner_text()
        assert "Ændringen blev ikke gemt" in alert
        assert "pas.yaml:" in alert and "is also an example in" in alert

        row = page.locator("tr.item").first  # a change that costs a test is shown before saving
        row.locator("select[name=intent]").select_option("pas")
        row.locator("input[name=text]").fill("jeg har mistet kørekortet på ferien")
        row.locator("form.promote button").click()
        assert page.locator(".pending").count() == 1, page.inner_text("body")[:1500]
        assert "test-sætninger til at ramme forkert" in page.locator(".pending").inner_text()
        pas = (admin_settings.intents_dir / "pas.yaml").read_text()
        assert "mistet kørekortet på ferien" not in pas

        row = page.locator("tr.item").first
        row.locator("select[name=intent]").select_option("kontanthjaelp")
        row.locator("form.promote button").click()
        page.wait_for_selector("text=er tilføjet til Kontanthjælp (Beskæftigelse)")
        assert page.locator("tr.item").count() == 0
        assert services.flow().matcher.match(phrase).intent == "kontanthjaelp"
        assert phrase in (admin_settings.intents_dir / "kontanthjaelp.yaml").read_text()
        page.close()


def test_dashboard_shows_the_kpi_and_charts_that_download_as_svg_and_png(
    phone, admin_settings, browser
):
    import struct
    from datetime import UTC, datetime, timedelta
    from pathlib import Path
    from xml.etree import ElementTree

    from app.outcomes.kpi.events import CallRecord
    from app.outcomes.kpi.store import KpiStore

    with phone(ScriptedModel(), settings=admin_settings) as (base, services):
        store = KpiStore(services.redis)
        start = datetime.now(UTC).replace(hour=9, minute=0) - timedelta(days=2)
        for i, (outcome, topic) in enumerate(
            [
                ("resolved", "koerekort"),
                ("resolved", "mitid"),
                ("transferred", "mitid"),
                ("abandoned", "other"),
            ]
        ):
            at = start + timedelta(hours=i)
            store.record(
                CallRecord(
                    f"CA{i}",
                    "phone",
                    at,
                    at,
                    outcome,
                    "requested" if outcome == "transferred" else None,
                    topic,
                    (),
                    None,
                    True,
                )
            )
        page = browser.new_page()
        log_in(page, base)
        page.goto(base.replace("127.0.0.1", "localhost") + "/admin/")
        assert page.locator("#calls").inner_text().startswith("4")
        assert page.locator("#resolution").inner_text().startswith("50,0 %")  # Danish decimals
        for name in ("days", "hours", "topics"):
            assert page.locator(f"#chart-{name} svg rect.bar").count() > 0
        assert page.locator("#chart-hours svg rect.closed").count() == 17  # open 10–16
        with page.expect_download() as download:
            page.locator("#chart-topics a", has_text="SVG").click()
        svg = ElementTree.parse(download.value.path()).getroot()
        assert svg.tag == "{http://www.w3.org/2000/svg}svg"
        labels = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
        assert "Andet" in labels and "other" not in labels  # whole, Danish topic names
        with page.expect_download() as download:
            page.locator("#chart-topics a", has_text="PNG").click()
        png = Path(download.value.path()).read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", png[16:24])
        assert (width, height) == (1440, 600)  # drawn on the server at twice the SVG's size
        page.close()
