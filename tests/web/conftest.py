# The web pages are reached through calls placed as Twilio places them, and seen in Chromium.
import shutil

import pytest

from tests.telephony.conftest import *  # noqa: F403

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def log_in(page, base, user="anna", password="kode-1234-lang"):
    page.goto(base.replace("127.0.0.1", "localhost") + "/agent/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
