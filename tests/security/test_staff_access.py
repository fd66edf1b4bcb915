"""Staff sessions: nothing forgeable, revocable at once, logins throttled, return paths ours."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from flask.sessions import SecureCookieSessionInterface

from app.errors import ConfigError
from app.infra.keys import load_keys
from app.staff import accounts as accounts_module
from app.staff.accounts import delete_account, save_account
from app.staff.auth import safe_return_path
from tests.conftest import staff_login
from tests.staff_app import ADMIN_PASSWORD, AGENT_PASSWORD, form_token, log_in
from tests.twilio import ScriptedModel


def forged_cookie(app, data, key):
    app = app.__class__(app.import_name)
    app.secret_key = key
    return SecureCookieSessionInterface().get_signing_serializer(app).dumps(data)


def test_the_old_public_default_secret_signs_nothing(app, client):
    for data in ({"agent": "anna", "role": "admin"}, {"sid": "x", "csrf": "y"}):
        client.set_cookie("session", forged_cookie(app, data, "dev-only-not-secret"))
        assert client.get("/admin/").status_code == 302
        assert client.get("/agent/state.json").status_code == 401


def test_a_secret_is_made_once_private_and_reused(tmp_path):
    first = load_keys(None, tmp_path)
    stored = tmp_path / "secret_key"
    assert stored.stat().st_mode & 0o777 == 0o600
    assert load_keys(None, tmp_path) == first
    assert first.session != first.caller_hash


@pytest.mark.parametrize("weak", ["secret", "changeme-changeme", "a" * 40])
def test_a_weak_secret_key_is_refused(weak, tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_keys(weak, tmp_path)


def test_the_caller_hash_is_not_keyed_with_the_session_key(app):
    services = app.extensions["voicebot"]
    import hashlib
    import hmac

    with_session_key = hmac.new(services.keys.session, b"+4512345678", hashlib.sha256)
    assert services.caller_hash("+4512345678") != with_session_key.hexdigest()[:32]


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/admin/",
        "javascript:alert(1)",
        "/agent/\n/evil",
        "/elsewhere/",
    ],
)
def test_login_never_sends_the_browser_off_site(client, target):
    response = log_in(client, next_path=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/agent/"


def test_login_returns_to_the_staff_page_it_came_from(client):
    assert log_in(client, next_path="/admin/review").headers["Location"] == "/admin/review"
    assert safe_return_path("/admin/?since=2026-11-01") == "/admin/?since=2026-11-01"


def test_logout_ends_the_session_on_the_server(client):
    log_in(client)
    cookie = client.get_cookie("session").value
    csrf = client.get("/admin/review").status_code
    assert csrf == 200
    assert client.post("/agent/logout").status_code == 403  # no token: no logout by a link
    client.post("/agent/logout", data={"csrf": form_token(client, "/admin/review")})
    client.set_cookie("session", cookie)  # the old cookie, replayed
    assert client.get("/admin/").status_code == 302
    assert client.get("/agent/state.json").status_code == 401


def test_a_deleted_account_loses_access_at_its_next_request(client, app_settings):
    log_in(client, "bo", AGENT_PASSWORD)
    assert client.get("/agent/state.json").status_code == 200
    delete_account(app_settings.accounts_file, "bo")
    assert client.get("/agent/state.json").status_code == 401


def test_a_demoted_admin_loses_the_admin_pages_at_once(client, app_settings):
    log_in(client)
    assert client.get("/admin/").status_code == 200
    save_account(app_settings.accounts_file, "anna", ADMIN_PASSWORD, "Anna", "agent")
    assert client.get("/admin/").status_code == 403
    assert client.get("/agent/state.json").status_code == 200


def test_repeated_wrong_passwords_lock_the_account_for_a_while(client):
    for _ in range(5):
        assert log_in(client, password="forkert-kode-123").status_code == 401
    locked = log_in(client)  # the right password, too late
    assert locked.status_code == 429 and "For mange" in locked.get_data(as_text=True)
    assert log_in(client, "bo", AGENT_PASSWORD).status_code == 302  # others are not locked


def test_one_address_cannot_try_many_accounts(client):
    for n in range(20):
        log_in(client, f"gæt{n}", "forkert-kode-123")
    assert log_in(client, "bo", AGENT_PASSWORD).status_code == 429


def test_unknown_users_cost_one_hash_check_made_in_advance(client, monkeypatch):
    log_in(client, "findes-ikke", "forkert-kode-123")  # warms the dummy hash
    made = []
    real = accounts_module.generate_password_hash
    monkeypatch.setattr(
        accounts_module, "generate_password_hash", lambda *a, **k: made.append(1) or real(*a, **k)
    )
    checked = []
    real_check = accounts_module.check_password_hash
    monkeypatch.setattr(
        accounts_module,
        "check_password_hash",
        lambda *a: checked.append(1) or real_check(*a),
    )
    log_in(client, "findes-ikke", "forkert-kode-123")
    log_in(client, "anna", "forkert-kode-123")
    assert made == [] and checked == [1, 1]


def test_short_passwords_are_refused(tmp_path):
    with pytest.raises(ValueError, match="12 characters"):
        save_account(tmp_path / "a.yaml", "x", "kort", "X", "agent")


def test_concurrent_wrong_passwords_are_counted_before_any_is_checked(phone, app_settings):
    with phone(ScriptedModel(), settings=app_settings) as (base, _):

        def wrong(_):
            return staff_login(base, "anna", "forkert-kode-123").status_code

        with ThreadPoolExecutor(40) as pool:
            codes = list(pool.map(wrong, range(40)))
    assert (codes.count(401), codes.count(429)) == (5, 35)


def test_a_login_without_the_forms_token_is_refused(client):
    form = {"username": "anna", "password": ADMIN_PASSWORD}
    refused = client.post("/agent/login", data=form)
    assert refused.status_code == 400 and "Log ind igen" in refused.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302  # not signed in


def test_staff_pages_and_their_data_send_strict_headers(client):
    log_in(client)
    for path in ("/agent/login", "/agent/", "/agent/state.json", "/admin/", "/admin/review"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy, path
        assert headers["Referrer-Policy"] == "same-origin", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Cache-Control"] == "no-store", path
    page = client.get("/agent/")
    nonce = page.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in page.get_data(as_text=True)
