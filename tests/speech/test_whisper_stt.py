"""The whisper engine through a fake at the faster-whisper boundary.

No CTranslate2 Whisper model is shipped by a package on the registries (and faster-whisper on two
CPU cores needs ~25 s per Danish turn), so the fake stands in for `faster_whisper.WhisperModel`
with its documented signature and records what the engine asks of it.
"""

import importlib.machinery
import sys
import threading
import time
import types
from dataclasses import dataclass

import numpy as np
import pytest

from app.config import Settings
from app.errors import ConfigError
from app.speech import engines
from app.speech.whisper_stt import WhisperModel


@dataclass
class Segment:
    text: str


class FakeWhisper:
    """faster_whisper.WhisperModel(model_size_or_path, device, compute_type, cpu_threads, ...)."""

    instances: list = []

    def __init__(self, model_size_or_path, device="auto", compute_type="default", cpu_threads=0):
        if "broken" in model_size_or_path:
            raise RuntimeError("Unable to open file 'model.bin'")
        self.args = dict(
            path=model_size_or_path,
            device=device,
            compute_type=compute_type,
            cpu_threads=cpu_threads,
        )
        self.calls = []
        self.running = 0
        self.most_at_once = 0
        FakeWhisper.instances.append(self)

    def transcribe(self, audio, **options):
        assert isinstance(audio, np.ndarray) and audio.dtype == np.float32
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(0.01)
        self.running -= 1
        self.calls.append((len(audio), options))
        return iter([Segment(" Jeg har mistet"), Segment(" mit sundhedskort.")]), object()


@pytest.fixture
def fake_faster_whisper(monkeypatch, tmp_path):
    module = types.ModuleType("faster_whisper")
    module.__spec__ = importlib.machinery.ModuleSpec("faster_whisper", None)
    module.WhisperModel = FakeWhisper
    monkeypatch.setitem(sys.modules, "faster_whisper", module)
    FakeWhisper.instances = []
    directory = tmp_path / "roest-whisper-ct2"
    directory.mkdir()
    (directory / "model.bin").write_bytes(b"ct2")
    return directory


def test_loads_once_with_threads_and_decodes_with_the_measured_options(fake_faster_whisper):
    settings = Settings.for_tests(
        stt_engine="whisper", stt_model_path=str(fake_faster_whisper), stt_threads=2
    )
    model = engines.load(settings)
    assert isinstance(model, WhisperModel)
    (fake,) = FakeWhisper.instances
    assert fake.args == dict(
        path=str(fake_faster_whisper), device="auto", compute_type="default", cpu_threads=2
    )
    recognizer = model.recognizer(["sundhedskort", "kørekort", "ja"])
    assert recognizer.accept(b"\x00\x10" * 8000) == ""  # 1 s of 8 kHz: no partials
    assert recognizer.finish() == "Jeg har mistet mit sundhedskort."
    ((samples, options),) = fake.calls
    assert abs(samples - 16000) <= 32  # resampled to Whisper's 16 kHz
    assert options["temperature"] == 0.0  # no fallback: it multiplied CPU time by ~5
    assert options["beam_size"] >= 2  # greedy decoding looped
    assert options["condition_on_previous_text"] is False
    assert options["without_timestamps"] is True
    assert 0 < options["max_new_tokens"] <= 128
    assert options["language"] == "da" and options["vad_filter"] is False
    assert options["hotwords"] == "ja kørekort sundhedskort"
    model.close()


def test_open_vocabulary_gives_no_hotwords_and_silence_is_not_decoded(fake_faster_whisper):
    model = engines.load(
        Settings.for_tests(
            stt_engine="whisper", stt_model_path=str(fake_faster_whisper), stt_vocabulary="open"
        )
    )
    recognizer = model.recognizer(["sundhedskort"])
    assert recognizer.finish() == ""
    recognizer.accept(b"\x00\x10" * 800)
    recognizer.finish()
    (fake,) = FakeWhisper.instances
    assert fake.calls[-1][1]["hotwords"] is None
    model.close()


def test_turns_from_many_calls_are_decoded_one_at_a_time_none_dropped(fake_faster_whisper):
    model = WhisperModel(str(fake_faster_whisper))
    results = []

    def turn():
        recognizer = model.recognizer([])
        recognizer.accept(b"\x00\x10" * 1600)
        results.append(recognizer.finish())

    threads = [threading.Thread(target=turn) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    (fake,) = FakeWhisper.instances
    assert len(results) == 8 and len(fake.calls) == 8 and fake.most_at_once == 1
    model.close()


def test_a_model_directory_that_will_not_load_is_one_clear_error(fake_faster_whisper, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model.bin").write_bytes(b"")
    with pytest.raises(ConfigError, match="cannot load model"):
        WhisperModel(str(broken))
    with pytest.raises(ConfigError, match="no model.bin"):
        WhisperModel(str(tmp_path))
