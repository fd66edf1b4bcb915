"""A small transducer the tests build, in the directory format of a NeMo export (onnx-asr's).

No Danish transducer weights are on the package registries, so, as for the ctc engine, the
tests make a model whose "speech" is tones: every token has its own frequency, placed on the
centre of its own band of NeMo's 80-band mel spectrogram (the one onnx-asr's `nemo80.onnx`
computes). The encoder picks each token's band and averages 8 feature frames into one 80 ms frame,
as FastConformer's subsampling does; the joint network lets the strongest band speak when it is
loud enough, and the prediction network (fed the last token) keeps one tone from being written
twice. So the engine's whole path — μ-law, soxr to 16 kHz, the real log-mel graph, chunked
encoding, greedy decoding with the prediction state carried across chunks, rescoring — runs on
real signal.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

LETTERS = "adeghijklmnoprstu"
"""Enough for the sentences the tests say; each more letter needs two more mel bands."""
TOKENS = ("▁", *LETTERS)
"""The word-start mark stands alone (it has its own tone, like the ctc tone model's `|`)."""
BLANK = len(TOKENS)
RATE = 16_000
FIRST_BAND, BAND_STEP = 26, 2
"""Token i sounds at the centre of mel band 26 + 2 i (~900–3,700 Hz): one band between
neighbours, where a band is wide enough that a tone's leakage stays under the line's hiss."""
BLUR = 0.75
"""How much louder a blurred sound is than the right one (`speak(blur=...)`)."""
HISS = 0.03
"""White noise under the tones, as on a phone line: with NeMo's per-band normalisation a band
that only ever hears leakage against digital silence would look as loud as the tone's own."""
SCALE = 16.0
"""How fast a weaker band loses against the strongest (per unit of normalised log-mel)."""
LOUD = 1.0
"""A band this far above its turn's mean (in standard deviations) is a sound, not silence."""
GATE = 2.0
"""The most the strongest band's token scores above the blank."""
REPEAT = -100.0
"""The prediction network's verdict on writing the last token again."""


def _mel_centres() -> np.ndarray:
    """Centre frequencies of the 80 Slaney mel bands over 0–8 kHz (librosa, as NeMo uses)."""

    def to_mel(f):
        f = np.asarray(f, float)
        return np.where(
            f < 1000, 3 * f / 200, 15 + np.log(np.maximum(f, 1e-9) / 1000) * 27 / np.log(6.4)
        )

    def to_hz(m):
        m = np.asarray(m, float)
        return np.where(m < 15, 200 * m / 3, 1000 * np.exp((m - 15) * np.log(6.4) / 27))

    return to_hz(np.linspace(to_mel(0), to_mel(8000), 82))[1:-1]


TONES = {token: float(_mel_centres()[FIRST_BAND + BAND_STEP * i]) for i, token in enumerate(TOKENS)}
"""Token → frequency (Hz), all inside a phone line's band."""


def build(directory: Path) -> Path:
    """Write the encoder, the decoder_joint, `vocab.txt` and `config.json` into `directory`."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    directory.mkdir(parents=True, exist_ok=True)
    k = len(TOKENS)
    bands = np.array([_band_of(TONES[t]) for t in TOKENS], np.int64)
    assert len(set(bands.tolist())) == k, "every token needs a band of its own"

    def save(graph, name):
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        onnx.checker.check_model(model)
        onnx.save(model, directory / name)

    encoder = helper.make_graph(
        [
            helper.make_node("Gather", ["audio_signal", "bands"], ["picked"], axis=1),
            helper.make_node(
                "AveragePool", ["picked"], ["outputs"], kernel_shape=[8], strides=[8], ceil_mode=1
            ),
            helper.make_node("Add", ["length", "seven"], ["rounded"]),
            helper.make_node("Div", ["rounded", "eight"], ["encoded_lengths"]),
        ],
        "tone_encoder",
        [
            helper.make_tensor_value_info("audio_signal", TensorProto.FLOAT, ["B", 80, "T"]),
            helper.make_tensor_value_info("length", TensorProto.INT64, ["B"]),
        ],
        [
            helper.make_tensor_value_info("outputs", TensorProto.FLOAT, ["B", k, "F"]),
            helper.make_tensor_value_info("encoded_lengths", TensorProto.INT64, ["B"]),
        ],
        [
            numpy_helper.from_array(bands, "bands"),
            numpy_helper.from_array(np.array(7, np.int64), "seven"),
            numpy_helper.from_array(np.array(8, np.int64), "eight"),
        ],
    )
    save(encoder, "encoder-model.onnx")

    repeat = np.zeros((k + 1, k + 1), np.float32)
    repeat[np.arange(k), np.arange(k)] = REPEAT  # the blank (start of turn) forbids nothing
    joint = helper.make_graph(
        [
            helper.make_node("Squeeze", ["encoder_outputs", "axis2"], ["enc"]),
            helper.make_node("ReduceMax", ["enc"], ["loudest"], axes=[1], keepdims=1),
            helper.make_node("Sub", ["enc", "loudest"], ["behind"]),
            helper.make_node("Mul", ["behind", "scale"], ["rel"]),
            helper.make_node("Sub", ["loudest", "loud"], ["above"]),
            helper.make_node("Min", ["above", "gate"], ["gated"]),
            helper.make_node("Add", ["rel", "gated"], ["letters"]),
            helper.make_node("Mul", ["loudest", "zero"], ["blank"]),
            helper.make_node("Concat", ["letters", "blank"], ["scores"], axis=1),
            helper.make_node("Gather", ["repeat", "targets"], ["said"], axis=0),
            helper.make_node("Squeeze", ["said", "axis1"], ["prediction"]),
            helper.make_node("Add", ["scores", "prediction"], ["joint"]),
            helper.make_node("Unsqueeze", ["joint", "axes12"], ["outputs"]),
            helper.make_node("Identity", ["target_length"], ["prednet_lengths"]),
            helper.make_node("Identity", ["input_states_1"], ["output_states_1"]),
            helper.make_node("Identity", ["input_states_2"], ["output_states_2"]),
        ],
        "tone_decoder_joint",
        [
            helper.make_tensor_value_info("encoder_outputs", TensorProto.FLOAT, ["B", k, 1]),
            helper.make_tensor_value_info("targets", TensorProto.INT32, ["B", 1]),
            helper.make_tensor_value_info("target_length", TensorProto.INT32, ["B"]),
            helper.make_tensor_value_info("input_states_1", TensorProto.FLOAT, [1, "B", 2]),
            helper.make_tensor_value_info("input_states_2", TensorProto.FLOAT, [1, "B", 2]),
        ],
        [
            helper.make_tensor_value_info("outputs", TensorProto.FLOAT, ["B", 1, 1, k + 1]),
            helper.make_tensor_value_info("prednet_lengths", TensorProto.INT32, ["B"]),
            helper.make_tensor_value_info("output_states_1", TensorProto.FLOAT, [1, "B", 2]),
            helper.make_tensor_value_info("output_states_2", TensorProto.FLOAT, [1, "B", 2]),
        ],
        [
            numpy_helper.from_array(np.array([2], np.int64), "axis2"),
            numpy_helper.from_array(np.array([1], np.int64), "axis1"),
            numpy_helper.from_array(np.array([1, 2], np.int64), "axes12"),
            numpy_helper.from_array(np.array(SCALE, np.float32), "scale"),
            numpy_helper.from_array(np.array(LOUD, np.float32), "loud"),
            numpy_helper.from_array(np.array(GATE, np.float32), "gate"),
            numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
            numpy_helper.from_array(repeat, "repeat"),
        ],
    )
    save(joint, "decoder_joint-model.onnx")
    vocab = [f"{token} {i}" for i, token in enumerate(TOKENS)] + [f"<blk> {BLANK}"]
    (directory / "vocab.txt").write_text("\n".join(vocab) + "\n", "utf-8")
    (directory / "config.json").write_text(
        json.dumps({"model_type": "nemo-conformer-rnnt", "features_size": 80}), "utf-8"
    )
    return directory


def _band_of(frequency: float) -> int:
    """The mel band onnx-asr's real preprocessor puts a tone in (measured, not assumed)."""
    from importlib.resources import files

    import onnxruntime

    session = onnxruntime.InferenceSession(
        files("onnx_asr.preprocessors").joinpath("data/nemo80.onnx").read_bytes()
    )
    t = np.arange(RATE) / RATE
    tone = np.where(t < 0.5, 0.3 * np.sin(2 * np.pi * frequency * t), 0).astype(np.float32)
    features, _ = session.run(None, {"waveforms": tone[None], "waveforms_lens": np.array([RATE])})
    return int(features[0, :, 10:40].mean(axis=1).argmax())


def speak(
    text: str,
    rate: int = 8_000,
    letter_ms: int = 100,
    gap_ms: int = 60,
    blur: dict[int, str] | None = None,
) -> np.ndarray:
    """Tone "speech" for `text` in this model's tones, over the line's hiss (`BLUR`, `HISS`)."""
    from tests.speech import tone_model

    return tone_model.speak(
        text, rate, letter_ms, gap_ms, blur, tones=TONES, blur_weight=BLUR, hiss=HISS, space="▁"
    )
