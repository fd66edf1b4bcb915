"""A whole Twilio call recognised by the transducer engine, loaded from STT_ENGINE/STT_MODEL_PATH.

The model is the tests' tone transducer (tests/speech/tone_transducer.py) in the directory format
of a NeMo export; the caller's turns are tone "speech" spelling Danish, sent as Twilio sends
audio: 20 ms μ-law frames in real time.
"""

import pytest
import requests

from app.kpi.store import KpiStore
from app.speech.codecs import pcm16_to_ulaw
from tests.speech import tone_model, tone_transducer
from tests.telephony.conftest import TwilioCall

pytestmark = pytest.mark.slow
REAL_TIME = 0.02


@pytest.fixture(scope="module")
def transducer_dir(tmp_path_factory):
    return tone_transducer.build(tmp_path_factory.mktemp("rnnt") / "tone-rnnt")


def said(text):
    return pcm16_to_ulaw(tone_model.pcm16(tone_transducer.speak(text)))


def test_a_spoken_question_is_recognised_by_the_transducer_engine_and_answered(
    phone, phone_settings, transducer_dir
):
    settings = phone_settings.with_(
        stt_engine="transducer",
        stt_model_path=str(transducer_dir),
        stt_threads=1,
        turn_model="smart-turn-v3.2",
    )
    with phone("settings", settings=settings) as (base, services):
        ready = requests.get(base + "/readyz", timeout=5).json()
        assert ready["speech"]["engine"] == "transducer"
        assert ready["speech"]["model"] == "tone-rnnt"
        assert ready["speech"]["turn_model"] == "smart-turn-v3.2-cpu.onnx"
        call = TwilioCall(base)
        call.dial()
        call.wait_for_prompt("ask")
        call.silence(0.3, pace=REAL_TIME)
        call.say(said("jeg har mistet mit sundhedskort"), pace=REAL_TIME)
        call.silence(1.0, pace=REAL_TIME)
        call.wait_for_prompt("sundhedskort")

        call.wait_for_prompt("anything_else")
        call.say(said("nej tak"), pace=REAL_TIME)
        call.silence(1.0, pace=REAL_TIME)
        call.wait_for_prompt("goodbye")
        assert call.after_stream().find("Hangup") is not None
        (record,) = KpiStore(services.redis).records()
        assert (record.outcome, record.intents) == ("resolved", ("sundhedskort",))
        metrics = requests.get(base + "/metrics", timeout=5).text
        assert 'voicebot_decode_seconds_count{engine="transducer"}' in metrics
        assert 'voicebot_recognizer_seconds_count{engine="transducer"} 2' in metrics
        asked = [line for line in metrics.splitlines() if line.startswith("voicebot_turn_model_")]
        assert asked[0].startswith("voicebot_turn_model_seconds_count ")
        assert int(asked[0].split()[-1]) >= 2  # every turn's pause was judged
