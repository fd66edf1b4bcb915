"""Whole Twilio calls recognised by the turn-based engines, loaded from STT_ENGINE/STT_MODEL_PATH.

The models are the tests' tone models in the exact directory format of their engines' exports (a
Røst export for `ctc`, a NeMo export for `transducer`); the caller's turns are tone "speech"
spelling Danish, sent as Twilio sends audio: 20 ms μ-law frames in real time. The transducer's
call also runs with the end-of-turn model (Smart Turn, from `make setup`).
"""

import pytest
import requests

from app.outcomes.kpi.store import KpiStore
from app.speech.codecs import pcm16_to_ulaw
from tests.speech import tone_model, tone_transducer
from tests.twilio import TwilioCall

pytestmark = pytest.mark.slow
REAL_TIME = 0.02
ENGINES = {
    "ctc": (tone_model, {}),
    "transducer": (tone_transducer, {"turn_model": "smart-turn-v3.2"}),
}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_spoken_question_is_recognised_by_a_turn_based_engine_and_answered(
    phone, phone_settings, tmp_path, engine
):
    tones, extra = ENGINES[engine]
    model_dir = tones.build(tmp_path / f"tone-{engine}")
    settings = phone_settings.with_(
        stt_engine=engine, stt_model_path=str(model_dir), stt_threads=1, **extra
    )

    def said(text):
        return pcm16_to_ulaw(tone_model.pcm16(tones.speak(text)))

    with phone("settings", settings=settings) as (base, services):
        ready = requests.get(base + "/readyz", timeout=5).json()
        assert ready["speech"]["engine"] == engine
        assert ready["speech"]["model"] == f"tone-{engine}"
        call = TwilioCall(base)
        call.dial()
        call.wait_for_prompt("ask")
        call.silence(0.3, pace=REAL_TIME)
        call.say(said("jeg har mistet mit sundhedskort"), pace=REAL_TIME)
        call.silence(1.0, pace=REAL_TIME)
        call.wait_for_prompt("sundhedskort")
        answer = services.flow().intents.intents["sundhedskort"].answer
        audio = dict((name.split(":", 1)[1], a) for name, a in call.prompts)["sundhedskort"]
        assert audio == services.prompts.cached("sundhedskort", answer)

        call.wait_for_prompt("anything_else")
        call.say(said("nej tak"), pace=REAL_TIME)
        call.silence(1.0, pace=REAL_TIME)
        call.wait_for_prompt("goodbye")
        assert call.after_stream().find("Hangup") is not None
        (record,) = KpiStore(services.redis).records()
        assert (record.outcome, record.intents) == ("resolved", ("sundhedskort",))
        metrics = requests.get(base + "/metrics", timeout=5).text
        assert f'voicebot_decode_seconds_count{{engine="{engine}"}}' in metrics
        assert f'voicebot_recognizer_seconds_count{{engine="{engine}"}} 2' in metrics
        judged = [line for line in metrics.splitlines() if line.startswith("voicebot_turn_model_")]
        if extra:
            assert ready["speech"]["turn_model"] == "smart-turn-v3.2-cpu.onnx"
            assert int(judged[0].split()[-1]) >= 2  # every turn's pause was judged
        else:
            assert ready["speech"]["turn_model"] is None and judged == []
