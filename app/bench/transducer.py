"""What the transducer engine costs, on a model of parakeet-rnnt-110m-da-dk's shape.

The weights are random (no model is downloaded: the weights say nothing about cost; the compute
is the same).

NeMo's FastConformer-Large transducer configuration, which 110M FastConformer RNN-T models use:
80 mel bands; depthwise
striding subsampling to 80 ms frames (3 stride-2 convolutions of 256 channels, then a linear
layer to 512); 17 Conformer layers of width 512 (8 heads, feed-forward 2,048 in two halves,
convolution kernel 9); a one-layer LSTM prediction network of 640 and a joint of 640 over 1,024
tokens and the blank. Attention here is plain multi-head attention (NeMo's relative-position
attention adds one more matmul of the same size per layer). Exported in the layout the engine
reads (onnx-asr's: encoder-model, decoder_joint-model, vocab.txt, config.json), then the
encoder quantised to int8 (matmuls and convolutions) as for CPUs. Random weights would emit the most
tokens a frame allows on every frame; here the joint's blank wins except on about 40 % of the
frames, which emit one token each (`max_tokens_per_step` 1), so decoding costs what speech costs:
one decoder call per frame and one more per token.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .ctc import Graph, attention

MELS = 80
SUB_CHANNELS = 256
WIDTH = 512
HEADS = 8
FEED_FORWARD = 2048
LAYERS = 17
KERNEL = 9
PREDICTION = 640
TOKENS = 1024
BLANK_BIAS = 12.0
"""Added to the blank's logit on silent frames, taken from it on "speaking" ones."""
SPEAKING = 0.4
"""The share of frames that emit one token: about 0.4 tokens per 80 ms frame, as Danish speech
gives with a 1,024-piece vocabulary."""


def _swish(g: Graph, x: str) -> str:
    return g.op("Mul", [x, g.op("Sigmoid", [x])])


def _half_feed_forward(g: Graph, x: str) -> str:
    inner = _swish(g, g.linear(g.norm(x, WIDTH), WIDTH, FEED_FORWARD))
    out = g.linear(inner, FEED_FORWARD, WIDTH)
    return g.op("Add", [x, g.op("Mul", [out, g.const(np.array(0.5, np.float32))])])


def _convolution(g: Graph, x: str) -> str:
    y = g.op("Transpose", [g.norm(x, WIDTH)], perm=[0, 2, 1])  # [batch, width, frames]
    y = g.op("Conv", [y, g.weight((2 * WIDTH, WIDTH, 1))])
    y = g.op(
        "Mul",
        [g.op("Slice", [y, *_halves(g, 0)]), g.op("Sigmoid", [g.op("Slice", [y, *_halves(g, 1)])])],
    )
    y = g.op("Conv", [y, g.weight((WIDTH, 1, KERNEL))], group=WIDTH, pads=[KERNEL // 2] * 2)
    y = g.op("Conv", [_swish(g, y), g.weight((WIDTH, WIDTH, 1))])
    return g.op("Add", [x, g.op("Transpose", [y], perm=[0, 2, 1])])


def _halves(g: Graph, which: int) -> list[str]:
    """Slice arguments for one half of the channels (GLU)."""
    start, end = (0, WIDTH) if which == 0 else (WIDTH, 2 * WIDTH)
    return [
        g.const(np.array([start], np.int64)),
        g.const(np.array([end], np.int64)),
        g.const(np.array([1], np.int64)),
    ]


def _encoder(g: Graph) -> None:
    x = g.op("Unsqueeze", ["audio_signal", g.const(np.array([1], np.int64))])  # [B, 1, F, T]
    x = g.op("Transpose", [x], perm=[0, 1, 3, 2])  # [B, 1, T, F]
    x = g.op(
        "Relu",
        [g.op("Conv", [x, g.weight((SUB_CHANNELS, 1, 3, 3))], strides=[2, 2], pads=[1, 1, 1, 1])],
    )
    for _ in range(2):
        x = g.op(
            "Conv",
            [x, g.weight((SUB_CHANNELS, 1, 3, 3))],
            strides=[2, 2],
            pads=[1, 1, 1, 1],
            group=SUB_CHANNELS,
        )
        x = g.op("Relu", [g.op("Conv", [x, g.weight((SUB_CHANNELS, SUB_CHANNELS, 1, 1))])])
    x = g.op("Transpose", [x], perm=[0, 2, 1, 3])  # [B, T/8, C, F/8]
    x = g.op("Reshape", [x, g.const(np.array([0, 0, SUB_CHANNELS * MELS // 8], np.int64))])
    x = g.linear(x, SUB_CHANNELS * MELS // 8, WIDTH)
    for _ in range(LAYERS):
        x = _half_feed_forward(g, x)
        x = g.op("Add", [x, attention(g, g.norm(x, WIDTH), WIDTH, HEADS)])
        x = _convolution(g, x)
        x = g.norm(_half_feed_forward(g, x), WIDTH)
    g.op_named("Transpose", [x], "outputs", perm=[0, 2, 1])
    rounded = g.op("Add", ["length", g.const(np.array(7, np.int64))])
    g.op_named("Div", [rounded, g.const(np.array(8, np.int64))], "encoded_lengths")


def _decoder_joint(g: Graph) -> None:
    from onnx import helper

    table = g.weight((TOKENS + 1, PREDICTION), scale=1.0)
    embedded = g.op("Gather", [table, "targets"])  # [B, 1, P]
    sequence = g.op("Transpose", [embedded], perm=[1, 0, 2])  # [1, B, P]
    g.nodes.append(
        helper.make_node(
            "LSTM",
            [
                sequence,
                g.weight((1, 4 * PREDICTION, PREDICTION)),
                g.weight((1, 4 * PREDICTION, PREDICTION)),
                g.const(np.zeros((1, 8 * PREDICTION), np.float32)),
                "",
                "input_states_1",
                "input_states_2",
            ],
            ["lstm_y", "output_states_1", "output_states_2"],
            hidden_size=PREDICTION,
        )
    )
    predicted = g.op("Squeeze", ["lstm_y", g.const(np.array([0, 1], np.int64))])  # [B, P]
    frame = g.op("Squeeze", ["encoder_outputs", g.const(np.array([2], np.int64))])  # [B, W]
    hidden = g.op(
        "Relu",
        [
            g.op(
                "Add",
                [g.linear(frame, WIDTH, PREDICTION), g.linear(predicted, PREDICTION, PREDICTION)],
            )
        ],
    )
    logits = g.linear(hidden, PREDICTION, TOKENS + 1)
    # The blank wins by BLANK_BIAS, except on frames a fixed pseudo-random function of the frame
    # picks (the fractional part of a projection, scaled up): as many on silence as on speech.
    projected = g.op(
        "Mul", [g.op("MatMul", [frame, g.weight((WIDTH, 1))]), g.const(np.array(997.0, np.float32))]
    )
    fraction = g.op("Sub", [projected, g.op("Floor", [projected])])
    speaking = g.op(
        "Cast", [g.op("Less", [fraction, g.const(np.array(SPEAKING, np.float32))])], to=1
    )
    blank = g.op(
        "Add",
        [
            g.op("Mul", [speaking, g.const(np.array(-2 * BLANK_BIAS, np.float32))]),
            g.const(np.array(BLANK_BIAS, np.float32)),
        ],
    )
    others = g.op(
        "Mul",
        [
            g.op("Slice", [logits, *(g.const(np.array([v], np.int64)) for v in (0, TOKENS, 1))]),
            g.const(np.array(0.0, np.float32)),
        ],
    )
    logits = g.op("Add", [logits, g.op("Concat", [others, blank], axis=1)])
    g.op_named("Reshape", [logits, g.const(np.array([0, 1, 1, TOKENS + 1], np.int64))], "outputs")
    g.op_named("Identity", ["target_length"], "prednet_lengths")


def build(directory: Path, quantise: bool = True) -> Iterator[str]:
    """Write the model directory (the encoder int8 unless told otherwise); yields progress."""
    import onnx
    from onnx import TensorProto, helper

    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    parameters = 0
    graphs = {
        "encoder-model": (
            _encoder,
            [
                helper.make_tensor_value_info("audio_signal", TensorProto.FLOAT, ["B", MELS, "T"]),
                helper.make_tensor_value_info("length", TensorProto.INT64, ["B"]),
            ],
            [
                helper.make_tensor_value_info("outputs", TensorProto.FLOAT, ["B", WIDTH, "F"]),
                helper.make_tensor_value_info("encoded_lengths", TensorProto.INT64, ["B"]),
            ],
        ),
        "decoder_joint-model": (
            _decoder_joint,
            [
                helper.make_tensor_value_info(
                    "encoder_outputs", TensorProto.FLOAT, ["B", WIDTH, 1]
                ),
                helper.make_tensor_value_info("targets", TensorProto.INT32, ["B", 1]),
                helper.make_tensor_value_info("target_length", TensorProto.INT32, ["B"]),
                helper.make_tensor_value_info(
                    "input_states_1", TensorProto.FLOAT, [1, "B", PREDICTION]
                ),
                helper.make_tensor_value_info(
                    "input_states_2", TensorProto.FLOAT, [1, "B", PREDICTION]
                ),
            ],
            [
                helper.make_tensor_value_info(
                    "outputs", TensorProto.FLOAT, ["B", 1, 1, TOKENS + 1]
                ),
                helper.make_tensor_value_info("prednet_lengths", TensorProto.INT32, ["B"]),
                helper.make_tensor_value_info(
                    "output_states_1", TensorProto.FLOAT, [1, "B", PREDICTION]
                ),
                helper.make_tensor_value_info(
                    "output_states_2", TensorProto.FLOAT, [1, "B", PREDICTION]
                ),
            ],
        ),
    }
    for stem, (make, inputs, outputs) in graphs.items():
        g = Graph()
        make(g)
        graph = helper.make_graph(g.nodes, stem, inputs, outputs, g.weights)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        parameters += sum(int(np.prod(w.dims)) for w in g.weights)
        target = directory / f"{stem}.onnx"
        if quantise and stem == "encoder-model":
            from onnxruntime.quantization import QuantType, quantize_dynamic

            fp32 = directory / f"{stem}.fp32.onnx"
            onnx.save(model, fp32)
            del model, graph, g
            quantize_dynamic(
                fp32, target, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Conv"]
            )
            fp32.unlink()
        else:
            onnx.save(model, target)
        yield f"  {target.name} ({target.stat().st_size / 1e6:.0f} MB)"
    letters = "abcdefghijklmnopqrstuvwxyzæøå"
    pieces = ["▁" + a for a in letters] + list(letters)
    pieces += [a + b for a in letters for b in letters]
    pieces += ["▁" + a + b for a in letters for b in letters][: TOKENS - len(pieces)]
    lines = [f"{p} {i}" for i, p in enumerate(pieces)] + [f"<blk> {TOKENS}"]
    (directory / "vocab.txt").write_text("\n".join(lines) + "\n", "utf-8")
    config = {
        "model_type": "nemo-conformer-rnnt",
        "features_size": MELS,
        "subsampling_factor": 8,
        "max_tokens_per_step": 1,
    }
    (directory / "config.json").write_text(json.dumps(config), "utf-8")
    yield f"  {parameters / 1e6:.0f} M parameters, written in {time.perf_counter() - started:.0f} s"
