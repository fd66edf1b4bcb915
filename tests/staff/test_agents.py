"""The agents' page in a real headless browser (Debian's Chromium, driven by Playwright)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from app.outcomes.callbacks import Callback, CallbackStore
from app.outcomes.handoff import Handoff, HandoffStore
from app.staff.accounts import save_account
from tests.browser import log_in
from tests.conftest import staff_login
from tests.twilio import ScriptedModel, TwilioCall


@pytest.fixture
def staff_settings(phone_settings, tmp_path):
    accounts = tmp_path / "accounts.yaml"
    save_account(accounts, "anna", "kode-1234-lang", "Anna Agent", "agent")
    return phone_settings.with_(accounts_file=accounts)


def handoff(sid, summary):
    return Handoff(
        call_sid=sid,
        caller="+4512345678",
        queue="borgerservice",
        reason="requested",
        topic="koerekort",
        intents=["koerekort"],
        answered=["koerekort"],
        summary=summary,
        about="dit kørekort",
        tries=0,
        transcript=["mit cpr er [CPR]"],
        created_at=datetime.now(UTC).isoformat(),
    )


def test_pages_and_their_data_need_a_login(phone, staff_settings):
    with phone(ScriptedModel(), settings=staff_settings) as (base, _):
        page = requests.get(base + "/agent/", allow_redirects=False, timeout=5)
        assert page.status_code == 302 and page.headers["Location"].endswith("/agent/login")
        assert requests.get(base + "/agent/state.json", timeout=5).status_code == 401
        assert requests.post(base + "/agent/callbacks/CA1/done", timeout=5).status_code == 401
        wrong = staff_login(base, "anna", "nej")
        assert wrong.status_code == 401 and "Forkert brugernavn" in wrong.text


def test_passwords_are_stored_only_as_hashes(staff_settings):
    text = staff_settings.accounts_file.read_text()
    assert "kode-1234-lang" not in text and "password_hash" in text


def test_a_transferred_call_appears_live_with_its_redacted_context(phone, staff_settings, browser):
    with phone(
        ScriptedModel("mit cpr er 120385-1234 og jeg skal forny mit kørekort", "menneske"),
        settings=staff_settings,
    ) as (base, services):
        page = browser.new_page()
        log_in(page, base)
        page.wait_for_selector("text=Kontaktcentret er åbent")
        assert page.locator(".handoff").count() == 0

        call = TwilioCall(base)  # a call arrives and is handed over while the page is open
        call.dial()
        call.wait_for_prompt("ask")
        call.turn()
        call.wait_for_prompt("anything_else")
        call.turn()
        call.after_stream()

        card = page.locator(".handoff").first
        card.wait_for(timeout=10_000)
        assert "Borgeren spørger om fornyelse af kørekort" in card.inner_text()
        assert "+45 12 34 56 78" in card.inner_text()  # one way to show a number
        assert "kø: Borgerservice" in card.inner_text()  # the queue's name, not its id
        assert "[CPR]" in card.inner_text() and "120385" not in page.content()
        page.close()


def test_callbacks_are_listed_oldest_first_and_can_be_marked_done(phone, staff_settings, browser):
    with phone(ScriptedModel(), settings=staff_settings) as (base, services):
        store = CallbackStore(services.redis)
        store.create(
            Callback(
                "CA2",
                "23456789",
                "at melde flytning",
                None,
                "borgerservice",
                "2026-11-26T20:00:00+00:00",
            )
        )
        store.create(
            Callback(
                "CA1",
                "12345678",
                "dit kørekort",
                None,
                "borgerservice",
                "2026-11-26T19:00:00+00:00",
            )
        )
        HandoffStore(services.redis).save(handoff("CA9", "Borgeren spørger om MitID."))
        page = browser.new_page()
        log_in(page, base)
        page.locator(".callback").nth(1).wait_for(timeout=10_000)
        texts = page.locator(".callback strong").all_inner_texts()
        assert texts == [
            "Ring til +45 12 34 56 78 om dit kørekort",
            "Ring til +45 23 45 67 89 om at melde flytning",
        ]
        page.locator(".callback").first.locator("button.done").click()
        page.locator(".callback").nth(1).wait_for(state="detached", timeout=10_000)  # no eval: CSP
        assert [c.id for c in store.open_requests()] == ["CA2"]
        assert store.get("CA1").done_by == "anna"
        page.close()


def test_a_callback_whose_topic_was_not_understood_reads_topic_unknown(phone, staff_settings):
    with phone(ScriptedModel(), settings=staff_settings) as (base, services):
        store = CallbackStore(services.redis)
        for sid, about in (("CA1", "dit kørekort"), ("CA2", "dit spørgsmål")):
            store.create(
                Callback(sid, "12345678", about, None, "borgerservice", "2026-11-26T19:00:00+00:00")
            )
        signed_in = staff_login(base, "anna", "kode-1234-lang")
        cookie = {"Cookie": "session=" + signed_in.cookies["session"]}
        state = requests.get(base + "/agent/state.json", headers=cookie, timeout=5).json()
        shown = {c["id"]: c["about_display"] for c in state["callbacks"]}
        assert shown == {"CA1": "om dit kørekort", "CA2": "(emne ukendt)"}


def test_a_handoff_is_shown_in_danish_time_with_its_tries_explained_and_can_be_marked_done(
    phone, staff_settings, browser
):
    with phone(ScriptedModel(), settings=staff_settings) as (base, services):
        at = (datetime.now(UTC) - timedelta(hours=1)).replace(minute=26, second=0, microsecond=0)
        late = handoff("CA7", "Borgeren spørger om MitID.")
        late = Handoff(**{**late.__dict__, "created_at": at.isoformat(), "tries": 2})
        local = at.astimezone(ZoneInfo("Europe/Copenhagen"))
        HandoffStore(services.redis).save(late)
        page = browser.new_page(timezone_id="UTC")  # a browser on UTC: the page must not care
        log_in(page, base)
        card = page.locator(".handoff").first
        card.wait_for(timeout=10_000)
        meta = card.locator(".meta").inner_text()
        assert f"kl. {local:%H}.26" in meta  # Danish time, rendered on the server, not UTC
        assert "botten forstod ikke 2 gange" in meta and "forsøg" not in meta
        card.locator("button.done").click()
        card.wait_for(state="detached", timeout=10_000)
        assert HandoffStore(services.redis).load("CA7") is not None  # the context stays
        signed_in = staff_login(base, "anna", "kode-1234-lang")
        cookie = {"Cookie": "session=" + signed_in.cookies["session"]}
        state = requests.get(base + "/agent/state.json", headers=cookie, timeout=5).json()
        assert state["handoffs"] == []
        page.close()
