import io
import wave

import numpy as np
import pytest

from app.speech.codecs import ulaw_seconds
from app.speech.prompts import PromptLibrary
from app.speech.pyttsx3_tts import Pyttsx3Synthesizer, check_duration


def wav(seconds=0.5, rate=16_000):
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.zeros(int(rate * seconds), "<i2").tobytes())
    return buffer.getvalue()


class CountingSynth:
    def __init__(self):
        self.calls = 0

    def synthesize(self, text):
        self.calls += 1
        return wav(1.0)


def test_rendered_prompts_are_cached_by_content(tmp_path):
    synth = CountingSynth()
    library = PromptLibrary(tmp_path / "cache", tmp_path / "recorded", synth)
    assert library.cached("ask", "Hvad kan jeg hjælpe med?") is None
    audio = library.render("ask", "Hvad kan jeg hjælpe med?")
    assert ulaw_seconds(audio) == pytest.approx(1.0, abs=0.01)
    assert library.render("ask", "Hvad kan jeg hjælpe med?") == audio
    assert synth.calls == 1
    library.render("ask", "Hvad kan jeg hjælpe dig med?")  # an edited text is a new prompt
    assert synth.calls == 2


def test_a_recorded_prompt_wins_over_tts(tmp_path):
    (tmp_path / "recorded").mkdir()
    (tmp_path / "recorded" / "greeting.wav").write_bytes(wav(2.0, rate=44_100))
    synth = CountingSynth()
    library = PromptLibrary(tmp_path / "cache", tmp_path / "recorded", synth)
    assert ulaw_seconds(library.cached("greeting", "any text")) == pytest.approx(2.0, abs=0.01)
    assert ulaw_seconds(library.render("greeting", "other text")) == pytest.approx(2.0, abs=0.01)
    assert synth.calls == 0


def test_without_a_synthesizer_a_missing_prompt_is_an_error(tmp_path):
    with pytest.raises(LookupError):
        PromptLibrary(tmp_path, tmp_path, None).render("ask", "Hej")


def test_pyttsx3_speaks_danish_for_about_as_long_as_the_text():
    text = "Du melder flytning på borger punktum dk med dit MitID."
    audio = Pyttsx3Synthesizer("da").synthesize(text)
    assert check_duration(audio, text) == ""
    with wave.open(io.BytesIO(audio)) as w:
        assert 1.5 < w.getnframes() / w.getframerate() < 8


def test_duration_check_rejects_empty_and_absurd_audio():
    assert check_duration(wav(0.0), "en lang sætning med mange ord i") != ""
    assert check_duration(wav(60.0), "kort") != ""
    assert check_duration(b"not a wav", "kort").startswith("not a WAV")


def test_synthesis_runs_in_process_without_a_child(monkeypatch):
    import subprocess

    def refuse(*args, **kwargs):
        raise AssertionError("no child process for speech")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(subprocess, "run", refuse)
    audio = Pyttsx3Synthesizer("da").synthesize("Kan jeg hjælpe med andet?")
    assert check_duration(audio, "Kan jeg hjælpe med andet?") == ""


def test_a_new_server_has_every_fixed_prompt_before_its_first_call(redis_url, tmp_path):
    from app.config import Settings
    from app.webapp import create_app
    from app.wiring import Services
    from tests.conftest import OPEN

    settings = Settings.for_tests(
        redis_url=redis_url,
        data_dir=tmp_path / "fresh",
        public_base_url="https://voicebot.example.dk",
        twilio_auth_token="x" * 32,
    )
    services = Services(settings, clock=lambda: OPEN)
    create_app(settings, services)
    fixed = services.flow().fixed_prompts()
    assert len(fixed) > 60
    assert all(services.prompts.cached(s.prompt_id, s.text) for s in fixed)
    services.close()
