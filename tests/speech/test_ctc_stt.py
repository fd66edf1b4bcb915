"""The ctc engine's real code path: onnxruntime on a model in the directory format of a Røst
export, fed phone audio (8 kHz μ-law) as a call feeds it."""

import json

import pytest

from app.config import Settings
from app.errors import ConfigError
from app.speech import engines
from app.speech.codecs import pcm16_to_ulaw, ulaw_to_pcm16
from app.speech.ctc_stt import CtcModel
from tests.speech import tone_model
from tests.speech.recognising import hear, hear_at_once, turns_in_a_row

SENTENCE = "jeg har mistet mit sundhedskort"


def phone_audio(text, **kwargs):
    """Tone speech as it arrives from a call: 8 kHz, through μ-law and back."""
    return ulaw_to_pcm16(pcm16_to_ulaw(tone_model.pcm16(tone_model.speak(text, **kwargs))))


@pytest.fixture(scope="module")
def model(tone_model_dir):
    model = CtcModel(str(tone_model_dir), threads=1, chunk_ms=600)
    yield model
    model.close()


def test_the_model_directory_gives_its_frame_geometry(model):
    assert (model.stride, model.model_rate, model.normalise) == (320, 16_000, True)
    assert model.chunk == 9_600 and model.chunk % model.stride == 0


def test_a_phone_turn_is_recognised_in_chunks_as_the_caller_speaks(model):
    audio = phone_audio(SENTENCE)
    assert hear(model, audio) == SENTENCE
    before = model.encodings
    hear(model, audio)
    assert model.encodings - before > 3  # encoded piece by piece, not once at the end


def test_chunked_and_whole_turn_encoding_agree(tone_model_dir, model):
    whole = CtcModel(str(tone_model_dir), threads=1, chunk_ms=0)
    try:
        for text in (SENTENCE, "alle", "ja tak"):
            audio = phone_audio(text, letter_ms=60, gap_ms=40)
            assert hear(whole, audio) == hear(model, audio) == text
    finally:
        whole.close()


def test_the_recogniser_is_ready_for_the_next_turn_and_silence_says_nothing(model):
    texts = ("nej", "ja")
    assert turns_in_a_row(model, phone_audio, texts) == [*texts, "", "", ""]


def test_biasing_recovers_an_intent_word_greedy_decoding_misspells(model):
    text = "mit sundhedskort"
    audio = phone_audio(text, blur={text.index("k"): "g"})
    assert hear(model, audio) == "mit sundhedsgort"
    assert hear(model, audio, ["mit", "sundhedskort"]) == text


def test_open_vocabulary_setting_decodes_greedily(tone_model_dir):
    text = "mit sundhedskort"
    audio = phone_audio(text, blur={text.index("k"): "g"})
    plain = CtcModel(str(tone_model_dir), threads=1, biased=False)
    try:
        assert hear(plain, audio, ["mit", "sundhedskort"]) == "mit sundhedsgort"
    finally:
        plain.close()


def test_turns_from_many_calls_at_once_are_queued_never_dropped(model):
    texts = ["ja", "nej", "pas", "kort", "alle", "mitid"] * 3
    audio = {t: phone_audio(t) for t in set(texts)}
    assert hear_at_once(model, audio, texts) == texts


@pytest.mark.parametrize(
    "remove, message",
    [("model.onnx", "no model.onnx"), ("vocab.json", "no vocab.json")],
)
def test_an_incomplete_model_directory_is_one_clear_start_up_error(
    tone_model_dir, tmp_path, remove, message
):
    broken = tmp_path / "m"
    broken.mkdir()
    for name in ("model.onnx", "vocab.json"):
        if name != remove:
            (broken / name).write_bytes((tone_model_dir / name).read_bytes())
    with pytest.raises(ConfigError, match=message):
        CtcModel(str(broken))
    settings = Settings.for_tests(stt_engine="ctc", stt_model_path=str(broken))
    with pytest.raises(ConfigError, match=f"not a ctc model directory \\(no {remove}\\)"):
        engines.check(settings)


def test_a_corrupt_model_or_vocabulary_is_a_clear_error(tone_model_dir, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "model.onnx").write_bytes(b"not a graph")
    (bad / "vocab.json").write_text(json.dumps({"<pad>": 0, "a": 1}))
    with pytest.raises(ConfigError, match="cannot load model"):
        CtcModel(str(bad))
    (bad / "model.onnx").write_bytes((tone_model_dir / "model.onnx").read_bytes())
    (bad / "vocab.json").write_text(json.dumps({"a": 0}))
    with pytest.raises(ConfigError, match="no blank token"):
        CtcModel(str(bad))


def test_engine_choice_and_its_requirements_are_checked_at_start_up(tone_model_dir):
    with pytest.raises(ConfigError, match="must be one of vosk, ctc, transducer, whisper"):
        engines.check(Settings.for_tests(stt_engine="kaldi"))
    with pytest.raises(ConfigError, match="STT_ENGINE=ctc needs STT_MODEL_PATH"):
        engines.check(Settings.for_tests(stt_engine="ctc"))
    with pytest.raises(ConfigError, match="pip install 'voicebot\\[whisper\\]'"):
        engines.check(Settings.for_tests(stt_engine="whisper", stt_model_path="/nowhere"))
    engines.check(Settings.for_tests())  # Vosk without a model: the keypad menu, allowed
    loaded = engines.load(
        Settings.for_tests(stt_engine="ctc", stt_model_path=str(tone_model_dir), stt_threads=1)
    )
    assert isinstance(loaded, CtcModel)
    loaded.close()
