"""The app in-process (Flask test client) on a real Redis: fast enough for thousands of requests."""

import shutil
from urllib.parse import urlencode

import pytest

from app.staff.accounts import save_account
from app.webapp import create_app
from app.wiring import Services
from tests.conftest import INTENTS_DIR, OPEN
from tests.twilio import PUBLIC_BASE, ScriptedModel, sign

ADMIN_PASSWORD = "rigtig-lang-kode-1"
AGENT_PASSWORD = "rigtig-lang-kode-2"


@pytest.fixture
def app_settings(phone_settings, tmp_path):
    accounts = tmp_path / "accounts.yaml"
    save_account(accounts, "anna", ADMIN_PASSWORD, "Anna Admin", "admin")
    save_account(accounts, "bo", AGENT_PASSWORD, "Bo Agent", "agent")
    shutil.copytree(INTENTS_DIR.parent, tmp_path / "intents")  # promotions edit a copy
    return phone_settings.with_(
        accounts_file=accounts, data_dir=tmp_path / "var", intents_dir=tmp_path / "intents" / "da"
    )


@pytest.fixture
def app(app_settings, redis):
    services = Services(app_settings, clock=lambda: OPEN, speech_model=ScriptedModel())
    app = create_app(app_settings, services)
    yield app
    services.close()


@pytest.fixture
def client(app):
    return app.test_client()


def twilio_post(client, path, form, query=""):
    """A webhook signed exactly as Twilio signs it."""
    url = path + (f"?{query}" if query else "")
    return client.post(url, data=form, headers=sign(PUBLIC_BASE + url, form))


def log_in(client, user="anna", password=ADMIN_PASSWORD, next_path=None):
    """Sign in as a browser does: the form first (its CSRF token), then the post."""
    query = f"?{urlencode({'next': next_path})}" if next_path is not None else ""
    form = {"username": user, "password": password, "csrf": form_token(client, "/agent/login")}
    return client.post(f"/agent/login{query}", data=form)


def form_token(client, path):
    """The CSRF token a page's form carries."""
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf" value="')[1].split('"')[0]
