import pytest
import requests

from app.errors import ConfigError
from tests.twilio import ScriptedModel, TwilioCall

TOKEN = "hand-off-token-" + "x" * 32


def test_handoff_api_needs_the_right_token_and_returns_the_context(phone, phone_settings):
    settings = phone_settings.with_(api_token=TOKEN)
    with phone(ScriptedModel("menneske"), settings=settings) as (base, _):
        call = TwilioCall(base)
        call.dial()
        call.wait_for_prompt("ask")
        call.turn()
        call.after_stream()
        url = f"{base}/api/handoffs/{call.call_sid}"
        assert requests.get(url, timeout=5).status_code == 401
        assert (
            requests.get(url, headers={"Authorization": "Bearer wrong"}, timeout=5).status_code
            == 403
        )
        ok = requests.get(url, headers={"Authorization": "Bearer " + TOKEN}, timeout=5)
        assert ok.status_code == 200
        assert ok.json()["reason"] == "requested" and ok.json()["caller"] == "+4512345678"
        missing = f"{base}/api/handoffs/CA{'0' * 31}9"
        assert (
            requests.get(
                missing, headers={"Authorization": "Bearer " + TOKEN}, timeout=5
            ).status_code
            == 404
        )


def test_handoff_api_is_off_without_a_token(phone):
    with phone(ScriptedModel()) as (base, _):
        assert requests.get(f"{base}/api/handoffs/CA1", timeout=5).status_code == 404


def test_many_wrong_tokens_from_one_address_are_held_back(phone, phone_settings):
    with phone(ScriptedModel(), settings=phone_settings.with_(api_token=TOKEN)) as (base, _):
        url = f"{base}/api/handoffs/CA{'0' * 32}"
        wrong = {"Authorization": "Bearer " + "y" * 40}
        codes = [requests.get(url, headers=wrong, timeout=5).status_code for _ in range(21)]
        assert codes == [403] * 20 + [429]
        right = requests.get(url, headers={"Authorization": "Bearer " + TOKEN}, timeout=5)
        assert right.status_code == 429  # until the window has passed


def test_a_short_api_token_is_refused_at_start_up(phone_settings):
    with pytest.raises(ConfigError, match="API_TOKEN must be 32 or more"):
        phone_settings.with_(api_token="s3cret-token").check_phone()
