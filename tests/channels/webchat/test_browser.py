"""The chat in Debian's Chromium: axe-core finds nothing, a keyboard holds a whole conversation,
one script tag embeds it on an allowed site (and only there), and an agent takes a chat over."""

import os
from contextlib import contextmanager

import pytest

from app.bench.server import free_port
from tests.conftest import axe_violations as violations
from tests.twilio import served

pytestmark = pytest.mark.slow


@pytest.fixture
def site(chat_app):
    """The chat served on a real port; `start(**settings)` yields its base URL and app."""
    from contextlib import contextmanager

    @contextmanager
    def start(**overrides):
        # The page's own origin is PUBLIC_BASE_URL's, never the Host header's: a test server on
        # a loopback port is allowed by name, as a municipality's second site would be.
        port = free_port()
        listed = overrides.pop("chat_allowed_origins", "")
        origins = ",".join(filter(None, [f"http://127.0.0.1:{port}", listed]))
        app = chat_app(chat_allowed_origins=origins, **overrides)
        with served(app, port) as base:
            yield base, app

    return start


@pytest.fixture
def page_in(browser):
    contexts = []

    def make(**options):
        context = browser.new_context(bypass_csp=True, **options)  # axe is injected inline
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def bot_lines(page):
    return page.locator("[data-voicebot-chat] .msg.bot").all_inner_texts()


def test_the_chat_page_has_no_accessibility_violations_open_and_mid_conversation(site, page_in):
    with site() as (base, _):
        page = page_in()
        page.goto(base + "/chat/")
        page.wait_for_selector("[data-voicebot-chat] .msg.bot")
        assert page.evaluate("document.documentElement.lang") == "da"
        assert violations(page) == []
        page.evaluate("document.querySelector('main').append(document.createElement('img'))")
        assert [v.split(":")[0] for v in violations(page)] == ["image-alt"]  # axe does look
        page.evaluate("document.querySelector('main img').remove()")
        page.fill("#voicebot-input", "hvordan melder jeg flytning")
        page.keyboard.press("Enter")
        page.wait_for_selector("[data-voicebot-chat] .links a")
        page.wait_for_selector("[data-voicebot-chat] .feedback button")
        assert violations(page) == []


def test_a_keyboard_alone_holds_a_whole_conversation(site, page_in, redis):
    from app.outcomes.kpi.store import KpiStore

    with site() as (base, _):
        page = page_in()
        page.goto(base + "/chat/")
        page.wait_for_selector("[data-voicebot-chat] .msg.bot")
        for _ in range(12):  # Tab through the page until the text box has focus
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.shadowRoot?.activeElement?.id") == (
                "voicebot-input"
            ):
                break
        else:
            pytest.fail("the text box is not reachable by Tab")
        page.keyboard.type("jeg skal forny mit kørekort")
        page.keyboard.press("Enter")
        page.wait_for_selector("[data-voicebot-chat] .choice:has-text('Nej')")
        for _ in range(8):  # on to the "Nej" button (after the feedback and "Ja" buttons)
            page.keyboard.press("Shift+Tab")
            if page.evaluate("document.activeElement.shadowRoot?.activeElement?.textContent") == (
                "Nej"
            ):
                break
        else:
            pytest.fail("the choice buttons are not reachable by keyboard")
        page.keyboard.press("Enter")
        page.wait_for_function(
            "document.querySelector('[data-voicebot-chat]').shadowRoot"
            ".querySelector('#voicebot-input').disabled"
        )
        (record,) = KpiStore(redis).records()
        assert (record.channel, record.outcome) == ("web", "resolved")


def test_it_reflows_at_320_pixels_and_focus_is_visible(site, page_in):
    with site() as (base, _):
        page = page_in(viewport={"width": 320, "height": 640})
        page.goto(base + "/chat/")
        page.wait_for_selector("[data-voicebot-chat] .msg.bot")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 320
        page.focus("#voicebot-input")
        outline = page.evaluate(
            "getComputedStyle(document.querySelector('[data-voicebot-chat]').shadowRoot"
            ".querySelector('#voicebot-input')).outlineStyle"
        )
        assert outline == "solid"


def host_page(api_base, attributes=""):
    """A municipality's page with the one script tag, served from another origin."""
    html = (
        '<!doctype html><html lang="da"><head><meta charset="utf-8"><title>Kommunen</title>'
        "<style>button{all:unset;font-size:40px;color:red}</style></head><body><main>"
        "<h1>Borgerservice</h1><p>Velkommen.</p></main>"
        f'<script src="{api_base}/chat/widget.js"{attributes} defer></script></body></html>'
    )

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [html.encode()]

    return app


@contextmanager
def on_a_site(site, attributes=""):
    """A municipality's page on its own origin with the script tag; yields its URL."""
    holder = {}

    def lazy_app(environ, start_response):  # the page names the chat's port, known later
        return holder["app"](environ, start_response)

    with served(lazy_app) as host_base:
        with site(chat_allowed_origins=host_base) as (base, _):
            holder["app"] = host_page(base, attributes)
            yield host_base


def test_one_script_tag_embeds_it_on_an_allowed_site_with_keyboard_open_and_close(site, page_in):
    host_holder = {}

    def lazy_app(environ, start_response):  # the host page names the chat's port, known later
        return host_holder["app"](environ, start_response)

    with served(lazy_app) as host_base:
        with site(chat_allowed_origins=host_base) as (base, _):
            host_holder["app"] = host_page(base)
            page = page_in()
            page.goto(host_base + "/")
            launcher = page.locator("[data-voicebot-chat] .launcher")
            launcher.wait_for()
            assert launcher.evaluate("b => getComputedStyle(b).color") == "rgb(255, 255, 255)"
            launcher.focus()
            page.keyboard.press("Enter")
            page.wait_for_selector("[data-voicebot-chat] .msg.bot")
            assert page.evaluate("document.activeElement.shadowRoot.activeElement.id") == (
                "voicebot-input"
            )
            page.keyboard.type("hvornår har i åbent")
            page.keyboard.press("Enter")
            page.wait_for_function(
                "document.querySelector('[data-voicebot-chat]').shadowRoot"
                ".querySelectorAll('.msg.bot').length >= 3"
            )
            page.keyboard.press("Escape")
            assert page.locator("[data-voicebot-chat] .panel").is_hidden()
            assert (
                page.evaluate("document.activeElement.shadowRoot.activeElement.className")
                == "launcher"
            )
            assert launcher.get_attribute("aria-expanded") == "false"


def test_a_site_that_is_not_allowed_gets_no_chat(site, page_in):
    holder = {}

    def lazy_app(environ, start_response):
        return holder["app"](environ, start_response)

    with served(lazy_app) as host_base:
        with site(chat_allowed_origins="https://www.htk.dk") as (base, app):
            holder["app"] = host_page(base)
            page = page_in()
            with page.expect_console_message(lambda m: "not offered" in m.text):
                page.goto(host_base + "/")
            assert page.locator("[data-voicebot-chat]").count() == 0
            refused = app.test_client().post(
                "/chat/api/messages", json={"text": "hej"}, headers={"Origin": host_base}
            )
            assert refused.status_code == 403
            framed = app.test_client().get("/chat/").headers["Content-Security-Policy"]
            assert "frame-ancestors 'self' " in framed and "https://www.htk.dk" in framed


def test_an_agent_takes_a_chat_over_in_a_second_browser(site, page_in):
    from tests.browser import log_in

    with site() as (base, _):
        citizen = page_in()
        citizen.goto(base + "/chat/")
        citizen.click("[data-voicebot-chat] .choice:has-text('Tal med en medarbejder')")
        citizen.wait_for_selector("[data-voicebot-chat] .msg.bot:has-text('kø')")

        agent = page_in()
        log_in(agent, base, user="bo", password="rigtig-lang-kode-2")
        agent.wait_for_selector("#chats .chat")
        agent.click("#chats .chat button.take")
        agent.wait_for_url("**/agent/chats/*")
        agent.fill("#text", "Hej, det er Bo. Hvad drejer det sig om?")
        agent.click("#reply button")

        citizen.wait_for_selector(
            "[data-voicebot-chat] .msg.system:has-text('Du skriver nu med Bo Agent')"
        )
        citizen.wait_for_selector(
            "[data-voicebot-chat] .msg.agent:has-text('Hvad drejer det sig om?')"
        )
        citizen.fill("#voicebot-input", "Mit pas er udløbet")
        citizen.keyboard.press("Enter")
        agent.wait_for_selector("#log .citizen:has-text('Mit pas er udløbet')")
        agent.click("#close button")
        citizen.wait_for_selector("[data-voicebot-chat] .msg.system:has-text('afsluttet')")


def screenshot(page, name):
    """The README's pictures, when asked for: SCREENSHOTS=docs/screenshots."""
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['SCREENSHOTS']}/{name}.png")


def chat_js(page, expression):
    """Evaluate `expression` with `root` bound to the chat's shadow root."""
    return page.evaluate(
        f"(() => {{ const root = document.querySelector('[data-voicebot-chat]').shadowRoot;"
        f" return {expression}; }})()"
    )


def end_a_chat(page):
    page.fill("#voicebot-input", "jeg skal forny mit kørekort")
    page.keyboard.press("Enter")
    page.click("[data-voicebot-chat] .choices .choice:has-text('Nej')")
    page.wait_for_selector("[data-voicebot-chat] .msg.ended")


def test_an_ended_chat_says_so_looks_closed_and_starts_again_on_a_button_or_a_reload(site, page_in):
    with site() as (base, _):
        page = page_in()
        page.goto(base + "/chat/")
        page.wait_for_selector("[data-voicebot-chat] .msg.bot")
        first = chat_js(page, "JSON.parse(sessionStorage.getItem('voicebot-chat')).session")
        end_a_chat(page)
        assert "Samtalen er afsluttet" in chat_js(page, "root.querySelector('.ended').textContent")
        assert chat_js(page, "root.querySelector('#voicebot-input').disabled")
        grey = chat_js(page, "getComputedStyle(root.querySelector('.send')).backgroundColor")
        assert grey == "rgb(176, 176, 176)"  # not the live button's blue
        assert chat_js(
            page, "[...root.querySelectorAll('.choices .choice')].map(b => b.textContent)"
        ) == ["Ny samtale"]
        assert violations(page) == []
        screenshot(page, "chat-ended")

        page.click("[data-voicebot-chat] .choice:has-text('Ny samtale')")
        page.wait_for_function(
            "(() => { const root = document.querySelector('[data-voicebot-chat]').shadowRoot;"
            " return !root.querySelector('.ended') && root.querySelector('.msg.bot')"
            " && !root.querySelector('#voicebot-input').disabled; })()"
        )
        second = chat_js(page, "JSON.parse(sessionStorage.getItem('voicebot-chat')).session")
        assert second != first
        assert chat_js(page, "root.querySelectorAll('.msg.citizen').length") == 0

        end_a_chat(page)
        page.goto(base + "/chat/")  # the same tab, the site's page again
        page.wait_for_selector("[data-voicebot-chat] .msg.bot")
        assert not chat_js(page, "root.querySelector('#voicebot-input').disabled")
        assert chat_js(page, "root.querySelector('.ended')") is None
        third = chat_js(page, "JSON.parse(sessionStorage.getItem('voicebot-chat')).session")
        assert third not in (first, second)


def test_on_a_phone_the_panel_keeps_its_margins_and_an_answers_buttons_sit_under_it(site, page_in):
    with on_a_site(site) as host_base:
        page = page_in(viewport={"width": 375, "height": 700})
        page.goto(host_base + "/")
        launcher = page.locator("[data-voicebot-chat] .launcher")
        box = launcher.bounding_box()
        assert box["x"] + box["width"] > 375 - 30  # the right corner by default
        launcher.click()
        page.wait_for_selector("[data-voicebot-chat] .msg.bot")
        box = page.locator("[data-voicebot-chat] .panel").bounding_box()
        assert box["x"] >= 15 and box["x"] + box["width"] <= 375 - 15  # 1rem each side
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
        page.fill("#voicebot-input", "hvordan melder jeg flytning")
        page.keyboard.press("Enter")
        page.wait_for_selector("[data-voicebot-chat] .feedback button")
        order = chat_js(
            page,
            "[...root.querySelector('.panel').children].map(c => c.className || c.tagName)",
        )
        assert order.index("choices") < order.index("feedback")  # "andet?"'s Ja/Nej first
        assert violations(page) == []
        screenshot(page, "chat-375")
        page.fill("#voicebot-input", "jeg vil gerne tale med en medarbejder")
        page.keyboard.press("Enter")
        queue_line = page.locator("[data-voicebot-chat] .queue")
        queue_line.wait_for()
        assert queue_line.inner_text().startswith("Du er nummer 1 i køen.")
        screenshot(page, "chat-waiting")


def test_a_site_can_put_the_launcher_left_of_its_own_cookie_button(site, page_in):
    with on_a_site(site, ' data-position="left"') as host_base:
        page = page_in(viewport={"width": 1280, "height": 800})
        page.goto(host_base + "/")
        launcher = page.locator("[data-voicebot-chat] .launcher")
        launcher.click()
        page.wait_for_selector("[data-voicebot-chat] .msg.bot")
        assert launcher.bounding_box()["x"] < 40
        assert page.locator("[data-voicebot-chat] .panel").bounding_box()["x"] < 40
