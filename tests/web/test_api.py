import requests

from tests.telephony.conftest import ScriptedModel, TwilioCall


def test_handoff_api_needs_the_right_token_and_returns_the_context(phone, phone_settings):
    settings = phone_settings.with_(api_token="s3cret-token")
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
        ok = requests.get(url, headers={"Authorization": "Bearer s3cret-token"}, timeout=5)
        assert ok.status_code == 200
        assert ok.json()["reason"] == "requested" and ok.json()["caller"] == "+4512345678"
        missing = f"{base}/api/handoffs/CA{'0' * 31}9"
        assert (
            requests.get(
                missing, headers={"Authorization": "Bearer s3cret-token"}, timeout=5
            ).status_code
            == 404
        )


def test_handoff_api_is_off_without_a_token(phone):
    with phone(ScriptedModel()) as (base, _):
        assert requests.get(f"{base}/api/handoffs/CA1", timeout=5).status_code == 404
