"""The transducer engine's real code path: onnxruntime on a model in the directory format of a
NeMo export (as onnx-asr reads it), NeMo's log-mel graph, phone audio fed as a call feeds it."""

import shutil

import numpy as np
import pytest

from app.config import Settings
from app.errors import ConfigError
from app.speech import engines
from app.speech.codecs import pcm16_to_ulaw, ulaw_to_pcm16
from app.speech.transducer_stt import TransducerModel
from tests.speech import tone_model, tone_transducer
from tests.speech.recognising import hear, hear_at_once, turns_in_a_row

SENTENCE = "jeg har mistet mit sundhedskort"


def phone_audio(text, **kwargs):
    """Tone speech as it arrives from a call: 8 kHz, through μ-law and back."""
    return ulaw_to_pcm16(pcm16_to_ulaw(tone_model.pcm16(tone_transducer.speak(text, **kwargs))))


@pytest.fixture(scope="module")
def model(transducer_model_dir):
    model = TransducerModel(str(transducer_model_dir), threads=1, chunk_ms=600)
    yield model
    model.close()


def test_onnx_asr_reads_the_documented_directory_format_as_the_engine_does(
    transducer_model_dir, model
):
    import onnx_asr

    reference = onnx_asr.load_model("nemo-conformer-rnnt", str(transducer_model_dir))
    samples = tone_transducer.speak(SENTENCE, rate=16_000).astype(np.float32)
    assert reference.recognize(samples, sample_rate=16_000) == SENTENCE
    assert hear(model, phone_audio(SENTENCE)) == SENTENCE


def test_a_phone_turn_is_encoded_and_decoded_in_chunks_as_the_caller_speaks(model):
    audio = phone_audio(SENTENCE)
    recognizer = model.recognizer([])
    before = model.encodings
    partials = []
    for i in range(0, len(audio), 1600):
        partials.append(recognizer.accept(audio[i : i + 1600]))
        recognizer.settle()  # a live caller's speech hides the chunks' work
    assert model.encodings - before > 3  # piece by piece, not once at the end
    assert any(p and SENTENCE.startswith(p) and p != SENTENCE for p in partials)
    assert recognizer.finish() == SENTENCE


def test_chunked_and_whole_turn_encoding_agree(transducer_model_dir, model):
    whole = TransducerModel(str(transducer_model_dir), threads=1, chunk_ms=0)
    try:
        for text in (SENTENCE, "nej", "jeg har glemt min kode"):
            audio = phone_audio(text)
            assert hear(whole, audio) == hear(model, audio) == text
    finally:
        whole.close()


def test_the_recogniser_is_ready_for_the_next_turn_and_silence_says_nothing(model):
    texts = ("nej", "hjem")
    assert turns_in_a_row(model, phone_audio, texts) == [*texts, "", "", ""]


def test_biasing_recovers_an_intent_word_greedy_decoding_misspells(model):
    audio = phone_audio(SENTENCE, blur={SENTENCE.index("sundh") + 3: "t"})
    assert hear(model, audio) == "jeg har mistet mit sunthedskort"
    assert hear(model, audio, ["mistet", "sundhedskort"]) == SENTENCE


def test_a_word_the_audio_does_not_support_stays_as_heard(model, monkeypatch):
    monkeypatch.setattr(tone_transducer, "BLUR", 0.9)
    audio = phone_audio(SENTENCE, blur={SENTENCE.index("sundh") + 3: "t"})
    assert hear(model, audio, ["sundhedskort"]) == "jeg har mistet mit sunthedskort"


def test_open_vocabulary_setting_decodes_greedily(transducer_model_dir):
    audio = phone_audio(SENTENCE, blur={SENTENCE.index("sundh") + 3: "t"})
    plain = TransducerModel(str(transducer_model_dir), threads=1, biased=False)
    try:
        assert hear(plain, audio, ["sundhedskort"]) == "jeg har mistet mit sunthedskort"
    finally:
        plain.close()


def test_turns_from_many_calls_at_once_are_queued_never_dropped(model):
    texts = ["nej", "pas", "kort", "hjem", "mitid", "skat"] * 3
    audio = {t: phone_audio(t) for t in set(texts)}
    assert hear_at_once(model, audio, texts) == texts


def test_an_int8_encoder_is_preferred_when_present(transducer_model_dir, tmp_path):
    directory = tmp_path / "q"
    shutil.copytree(transducer_model_dir, directory)
    shutil.copy(directory / "encoder-model.onnx", directory / "encoder-model.int8.onnx")
    (directory / "encoder-model.onnx").write_bytes(b"the float graph is not read")
    quantised = TransducerModel(str(directory), threads=1)
    try:
        assert quantised.quantised and hear(quantised, phone_audio("nej")) == "nej"
    finally:
        quantised.close()


@pytest.mark.parametrize(
    "remove, message",
    [
        ("vocab.txt", "no vocab.txt"),
        ("decoder_joint-model.onnx", "no decoder_joint-model.onnx"),
    ],
)
def test_an_incomplete_model_directory_is_one_clear_start_up_error(
    transducer_model_dir, tmp_path, remove, message
):
    broken = tmp_path / "m"
    shutil.copytree(transducer_model_dir, broken)
    (broken / remove).unlink()
    with pytest.raises(ConfigError, match=message):
        TransducerModel(str(broken))
    settings = Settings.for_tests(stt_engine="transducer", stt_model_path=str(broken))
    with pytest.raises(ConfigError, match=message):
        engines.load(settings)


def test_a_corrupt_graph_vocabulary_or_config_is_a_clear_error(transducer_model_dir, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(transducer_model_dir, bad)
    (bad / "encoder-model.onnx").write_bytes(b"not a graph")
    with pytest.raises(ConfigError, match="cannot load model"):
        TransducerModel(str(bad))
    shutil.copy(transducer_model_dir / "encoder-model.onnx", bad / "encoder-model.onnx")
    (bad / "vocab.txt").write_text("a 0\nb 1\n")
    with pytest.raises(ConfigError, match="no <blk> token"):
        TransducerModel(str(bad))
    shutil.copy(transducer_model_dir / "vocab.txt", bad / "vocab.txt")
    (bad / "config.json").write_text('{"model_type": "nemo-conformer-aed"}')
    with pytest.raises(ConfigError, match="model_type 'nemo-conformer-aed' is not one of"):
        TransducerModel(str(bad))


def test_the_engine_is_chosen_by_setting(transducer_model_dir):
    with pytest.raises(ConfigError, match="STT_ENGINE=transducer needs STT_MODEL_PATH"):
        engines.check(Settings.for_tests(stt_engine="transducer"))
    loaded = engines.load(
        Settings.for_tests(
            stt_engine="transducer", stt_model_path=str(transducer_model_dir), stt_threads=1
        )
    )
    assert isinstance(loaded, TransducerModel) and loaded.biased
    loaded.close()
