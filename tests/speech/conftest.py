import pytest

from tests.speech import tone_model, tone_transducer


@pytest.fixture(scope="session")
def tone_model_dir(tmp_path_factory):
    """A CTC model in the directory format of a Røst export (model.onnx + vocab.json)."""
    return tone_model.build(tmp_path_factory.mktemp("ctc") / "tone-ctc")


@pytest.fixture(scope="session")
def transducer_model_dir(tmp_path_factory):
    """A transducer in the directory format of a NeMo export (encoder, decoder_joint, vocab)."""
    return tone_transducer.build(tmp_path_factory.mktemp("transducer") / "tone-rnnt")
