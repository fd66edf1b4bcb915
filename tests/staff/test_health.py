import requests
from rq import Worker

from app.jobs.queue import QUEUE_NAME, WORKER_TTL_SECONDS
from tests.twilio import ScriptedModel, TwilioCall


def test_metrics_count_outcomes_transfers_and_live_calls(phone):
    with phone(ScriptedModel("jeg skal forny mit kørekort", "menneske")) as (base, services):
        call = TwilioCall(base)
        call.dial()
        call.wait_for_prompt("ask")
        live = requests.get(base + "/metrics", timeout=5).text
        assert "voicebot_active_calls 1" in live
        call.turn()
        call.wait_for_prompt("anything_else")
        call.turn()
        call.after_stream()
        call.wait_for(lambda: "voicebot_active_calls 0" in requests.get(base + "/metrics").text)
        text = requests.get(base + "/metrics", timeout=5).text
        assert 'voicebot_calls_total{outcome="transferred"} 1' in text
        assert 'voicebot_transfers_total{reason="requested"} 1' in text
        assert 'voicebot_transfers_by_queue_total{queue="borgerservice"} 1' in text
        counts = [
            ln for ln in text.splitlines() if ln.startswith("voicebot_recognizer_seconds_count")
        ]
        assert counts and int(counts[0].split()[1]) >= 2, counts
        assert "voicebot_job_failures 0" in text


def beating_worker(redis):
    """A worker registered as `voicebot worker` registers itself, with a fresh heartbeat."""
    worker = Worker([QUEUE_NAME], connection=redis, worker_ttl=WORKER_TTL_SECONDS)
    worker.register_birth()
    worker.heartbeat()
    return worker


def test_ready_when_redis_intents_model_and_a_worker_are(phone, phone_settings, redis, tmp_path):
    with phone(ScriptedModel()) as (base, _):
        assert requests.get(base + "/readyz", timeout=5).json()["worker"] is False
        worker = beating_worker(redis)
        ready = requests.get(base + "/readyz", timeout=5)
        assert ready.status_code == 200
        assert ready.json() == {
            "redis": True,
            "intents": True,
            "serving": True,  # not draining for a restart
            "speech_model": True,
            "worker": True,
            "speech": {"engine": "vosk", "model": None, "load_seconds": 0.0, "turn_model": None},
            "intents_version": 1,  # the first process on this Redis stored its files
        }
        assert "voicebot_worker_heartbeat_age_seconds 0" in requests.get(base + "/metrics").text
        worker.register_death()
        gone = requests.get(base + "/readyz", timeout=5)
        assert gone.status_code == 503 and gone.json()["worker"] is False
    # A model directory that passes the start-up check but does not load: keypad, not ready.
    for part in ("am", "conf"):
        (tmp_path / "model" / part).mkdir(parents=True)
    broken = phone_settings.with_(stt_model_path=str(tmp_path / "model"))
    with phone("settings", settings=broken) as (base, _):
        not_ready = requests.get(base + "/readyz", timeout=5)
        assert not_ready.status_code == 503
        assert not_ready.json()["speech_model"] is False
        assert not_ready.json()["speech"]["engine"] == "keypad"
        assert requests.get(base + "/healthz", timeout=5).status_code == 200
