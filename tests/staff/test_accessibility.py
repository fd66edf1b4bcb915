"""Every staff page in Debian's Chromium: axe-core (WCAG 2.1 AA) finds nothing, with data on it,
and the agents' page works by keyboard and keeps focus while it updates itself."""

import os
from datetime import UTC, datetime, timedelta

import pytest

from app.outcomes.callbacks import Callback, CallbackStore
from app.outcomes.handoff import HandoffStore
from app.outcomes.kpi.events import CallRecord
from app.outcomes.kpi.store import KpiStore
from tests.browser import log_in
from tests.chat_app import Citizen
from tests.conftest import axe_violations
from tests.staff.test_agents import handoff
from tests.twilio import served

pytestmark = pytest.mark.slow
ADMIN = ("anna", "rigtig-lang-kode-1")


@pytest.fixture
def staffed(chat_app, redis):
    """A served app with a hand-off, two callbacks, KPI records, a review item and a chat."""
    app = chat_app()
    services = app.extensions["voicebot"]
    HandoffStore(redis).save(handoff("CA9", "Borgeren spørger om MitID."))
    store = CallbackStore(redis)
    for sid, number, hours in (("CA1", "12345678", 3), ("CA2", "+4523456789", 1)):
        created = (datetime.now(UTC) - timedelta(hours=hours)).isoformat()
        store.create(Callback(sid, number, "dit kørekort", None, "borgerservice", created))
    start = datetime(2026, 11, 24, 9, tzinfo=UTC)
    for i, (outcome, topic) in enumerate(
        [("resolved", "koerekort"), ("transferred", "sundhed_omsorg"), ("resolved", "other")]
    ):
        at = start + timedelta(hours=i * 3)
        reason = "requested" if outcome == "transferred" else None
        KpiStore(redis).record(
            CallRecord(f"CA{i}0", "phone", at, at, outcome, reason, topic, (), None, True)
        )
    services.review().add("kan jeg få hjælp til min kanin", "none", None, start, "web")
    citizen = Citizen(app.test_client())
    citizen.open()
    citizen.send(choice="0")  # a chat waiting for an agent
    with served(app) as base:
        yield base.replace("127.0.0.1", "localhost")


@pytest.fixture
def admin_page(browser, staffed):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    log_in(page, staffed, *ADMIN)
    yield page, staffed
    context.close()


PAGES = [
    ("/agent/", "#callbacks .card"),
    ("/admin/?since=2026-11-20&until=2026-11-27", "#chart-topics svg"),
    ("/admin/review", "tr.item"),
    ("/admin/answers", "tr.answer"),
]
"""Each staff page with data on it, and what shows it has loaded."""


@pytest.mark.parametrize("path, ready", [*PAGES, ("/agent/no-such-page", "h1")])
def test_staff_pages_have_no_accessibility_violations(admin_page, path, ready):
    page, base = admin_page
    page.goto(base + path)
    page.wait_for_selector(ready)
    assert page.evaluate("document.documentElement.lang") == "da"
    assert page.locator("nav a").count() >= 1 and page.locator("text=Log ud").count() == 1
    assert axe_violations(page) == []
    if os.environ.get("SCREENSHOTS"):  # the README's pictures: SCREENSHOTS=docs/screenshots
        name = path.split("?")[0].strip("/").replace("/", "-")
        page.set_viewport_size({"width": 1200, "height": 800})
        page.screenshot(path=f"{os.environ['SCREENSHOTS']}/{name}.png", full_page=True)


def test_the_login_page_and_an_agents_chat_page_have_no_violations(browser, staffed):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(staffed + "/agent/login")
    assert axe_violations(page) == []
    log_in(page, staffed, *ADMIN)
    page.wait_for_selector("#chats .chat button.take")
    page.click("#chats .chat button.take")
    page.wait_for_selector("#log .system")
    assert axe_violations(page) == []
    context.close()


def test_refused_and_missing_pages_are_danish_in_the_sites_layout(browser, staffed):
    context = browser.new_context()
    page = context.new_page()
    log_in(page, staffed, "bo", "rigtig-lang-kode-2")  # an agent, not an admin
    response = page.goto(staffed + "/admin/review")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "Ingen adgang"
    assert page.locator("text=Log ud").count() == 1  # the layout, with its way out
    assert page.locator("nav a", has_text="Nøgletal").count() == 0  # agents see their pages
    response = page.goto(staffed + "/agent/nothing-here")
    assert response.status == 404 and page.locator("h1").inner_text() == "Siden findes ikke"
    context.close()


def test_the_agents_page_keeps_focus_and_works_by_keyboard(admin_page, redis):
    page, base = admin_page
    page.goto(base + "/agent/")
    page.wait_for_selector("#callbacks .card button.done")
    on_a_callback = "document.activeElement.closest('#callbacks') !== null"
    for _ in range(40):  # Tab to the first callback's "Udført" button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.className") == "done" and page.evaluate(
            on_a_callback
        ):
            break
    else:
        pytest.fail("the Udført button is not reachable by Tab")
    for _ in range(2):  # two refreshes: the first has redrawn the page when the second comes
        with page.expect_response(lambda r: "state.json" in r.url):
            pass
    assert page.evaluate("document.activeElement.className") == "done"  # focus stayed put
    texts = page.locator("#callbacks strong").all_inner_texts()
    assert texts[0] == "Ring til +45 12 34 56 78 om dit kørekort"
    assert texts[1] == "Ring til +45 23 45 67 89 om dit kørekort"
    assert "kø: Borgerservice" in page.locator("#callbacks .meta").first.inner_text()
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#callbacks .card').length === 1")
    assert [c.id for c in CallbackStore(redis).open_requests()] == ["CA2"]


def test_an_answers_review_is_recorded_by_keyboard_alone(admin_page):
    page, base = admin_page
    page.goto(base + "/admin/answers")
    page.wait_for_selector("tr.answer")
    for _ in range(60):  # Tab to the first review note
        page.keyboard.press("Tab")
        if (page.evaluate("document.activeElement.id") or "").startswith("note-"):
            break
    else:
        pytest.fail("the review note is not reachable by Tab")
    intent = page.evaluate("document.activeElement.id").removeprefix("note-")
    page.keyboard.type("Tjekket med fagansvarlig")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Gennemgået i dag"
    page.keyboard.press("Enter")
    page.wait_for_selector("p.done")
    row = page.locator(f"tr.answer[data-intent={intent}]")
    assert "2026 af anna" in row.inner_text()


def test_a_missed_utterance_is_taught_by_keyboard_alone(admin_page):
    page, base = admin_page
    page.goto(base + "/admin/review")
    page.wait_for_selector("tr.item")
    for _ in range(40):  # Tab to the intent list of the first item
        page.keyboard.press("Tab")
        if (page.evaluate("document.activeElement.id") or "").startswith("intent-"):
            break
    else:
        pytest.fail("the intent list is not reachable by Tab")
    assert page.evaluate("document.activeElement.value") == ""  # nothing chosen for the admin
    page.keyboard.press("ArrowDown")  # the first intent, by its description
    chosen = page.evaluate("document.activeElement.selectedOptions[0].textContent")
    assert "(" in chosen and "_" not in chosen  # "Description (Topic)", never an id
    page.keyboard.press("Tab")  # as example or test
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Tilføj"
    page.keyboard.press("Enter")
    page.wait_for_selector("p.done")
    assert "er tilføjet" in page.locator("p.done").inner_text()


@pytest.mark.parametrize("path, ready", PAGES)
def test_staff_pages_fit_a_phone_without_scrolling_sideways(admin_page, path, ready):
    page, base = admin_page
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(base + path)
    page.wait_for_selector(ready)
    wide = page.evaluate(
        "[...document.querySelectorAll('body, body *')].filter(e => e.getBoundingClientRect()"
        ".right > 376 || e.scrollWidth > 376).map(e => e.tagName + '.' + e.className + ':' +"
        " Math.round(e.getBoundingClientRect().right) + '/' + e.scrollWidth).slice(0, 8)"
    )
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375, wide
