"""A small CTC acoustic model the tests build, in the exact directory format of a Røst export.

No Danish CTC weights are on the package registries, so the tests make a model whose "speech" is
tones: every letter (and the word delimiter) has its own frequency between 400 and 3,300 Hz,
inside a phone line's band. The ONNX graph is a real acoustic model of that language — a framed
Fourier transform (one Conv), energy per letter band, log, a linear layer to per-frame logits
with the CTC blank winning in silence — so everything the engine does to audio (μ-law, soxr to
16 kHz, normalisation, chunked encoding, stitching, decoding) is exercised on real signal.
"""

from __future__ import annotations

import io
import json
import wave
from pathlib import Path

import numpy as np

LETTERS = "abcdefghijklmnopqrstuvwxyzæøå"
SPECIAL = ("<pad>", "<s>", "</s>", "<unk>")
TOKENS = (*SPECIAL, "|", *LETTERS)
"""Hugging Face layout: specials first, `<pad>` (id 0) is the blank, `|` the word delimiter."""
TONES = {token: 400 + 100 * i for i, token in enumerate(TOKENS[len(SPECIAL) :])}
"""Token → frequency (Hz): every one a multiple of the 50 Hz bin spacing of a 20 ms frame."""
RATE = 16_000
FRAME = 320
"""20 ms at 16 kHz: the frame stride of wav2vec2 models."""
BLANK_LOGIT = 6.0
"""A frame whose strongest band has less energy than this (log) is silence: blank."""


def build(directory: Path) -> Path:
    """Write `model.onnx` and `vocab.json` (and a preprocessor config) into `directory`."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    directory.mkdir(parents=True, exist_ok=True)
    bands = list(TONES.values())
    t = np.arange(FRAME) / RATE
    basis = np.concatenate(
        [np.cos(2 * np.pi * np.outer(bands, t)), np.sin(2 * np.pi * np.outer(bands, t))]
    )[:, np.newaxis, :].astype(np.float32)  # [2K, 1, 320]
    k = len(bands)
    pair_sum = np.zeros((k, 2 * k, 1), np.float32)
    pair_sum[np.arange(k), np.arange(k), 0] = 1
    pair_sum[np.arange(k), np.arange(k) + k, 0] = 1
    to_logits = np.zeros((len(TOKENS), k, 1), np.float32)
    bias = np.full(len(TOKENS), -100.0, np.float32)
    for band, token in enumerate(TONES):
        to_logits[TOKENS.index(token), band, 0] = 1.0
        bias[TOKENS.index(token)] = 0.0
    bias[0] = BLANK_LOGIT

    init = [
        numpy_helper.from_array(basis, "basis"),
        numpy_helper.from_array(pair_sum, "pair_sum"),
        numpy_helper.from_array(to_logits, "to_logits"),
        numpy_helper.from_array(bias, "bias"),
        numpy_helper.from_array(np.array([1], np.int64), "axis1"),
        numpy_helper.from_array(np.array(1e-3, np.float32), "eps"),
    ]
    nodes = [
        helper.make_node("Unsqueeze", ["input_values", "axis1"], ["x"]),
        helper.make_node("Conv", ["x", "basis"], ["spectrum"], strides=[FRAME]),
        helper.make_node("Mul", ["spectrum", "spectrum"], ["power"]),
        helper.make_node("Conv", ["power", "pair_sum"], ["energy"]),
        helper.make_node("Add", ["energy", "eps"], ["floored"]),
        helper.make_node("Log", ["floored"], ["level"]),
        helper.make_node("Conv", ["level", "to_logits", "bias"], ["scores"]),
        helper.make_node("Transpose", ["scores"], ["logits"], perm=[0, 2, 1]),
    ]
    graph = helper.make_graph(
        nodes,
        "tone_ctc",
        [helper.make_tensor_value_info("input_values", TensorProto.FLOAT, ["batch", "samples"])],
        [
            helper.make_tensor_value_info(
                "logits", TensorProto.FLOAT, ["batch", "frames", len(TOKENS)]
            )
        ],
        init,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, directory / "model.onnx")
    vocab = {token: i for i, token in enumerate(TOKENS)}
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), "utf-8")
    (directory / "preprocessor_config.json").write_text(
        json.dumps({"sampling_rate": RATE, "do_normalize": True}), "utf-8"
    )
    return directory


def speak(
    text: str,
    rate: int = 8_000,
    letter_ms: int = 80,
    gap_ms: int = 40,
    blur: dict[int, str] | None = None,
    tones: dict[str, float] | None = None,
    blur_weight: float = 0.58,
    hiss: float = 0.0,
    space: str = "|",
) -> np.ndarray:
    """Tone "speech" for `text` as float samples at `rate`; a space sounds as `space`'s tone.

    `blur` {position: letter}: at those positions of `text`, the tone of `letter` sounds louder
    than the right one (`blur_weight` of the mix), as a recogniser mishears one sound. `hiss`:
    the level of white noise under it all (seeded, so the same text sounds the same).
    """
    tones = tones or TONES
    blur = blur or {}
    out = []
    n = rate * letter_ms // 1000
    t = np.arange(n) / rate
    ramp = np.minimum(1, np.minimum(np.arange(n), np.arange(n)[::-1]) / (rate * 0.004))
    for position, char in enumerate(text.lower()):
        tone = np.sin(2 * np.pi * tones[space if char == " " else char] * t)
        if position in blur:
            mishear = np.sin(2 * np.pi * tones[blur[position]] * t)
            tone = (1 - blur_weight) * tone + blur_weight * mishear
        out += [0.3 * tone * ramp, np.zeros(rate * gap_ms // 1000)]
    speech = np.concatenate(out)
    return speech + hiss * np.random.default_rng(len(text)).standard_normal(len(speech))


def pcm16(samples: np.ndarray) -> bytes:
    """Float samples as little-endian 16-bit PCM."""
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()


def wav(samples: np.ndarray, rate: int) -> bytes:
    """A mono 16-bit PCM WAV file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm16(samples))
    return buffer.getvalue()
