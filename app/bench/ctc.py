"""What the ctc engine costs, on a model of the Røst-315m shape with random weights.

No model is downloaded: the weights say nothing about cost; the compute is the same.

wav2vec2 "large" as XLS-R 300m and CoRal's Røst-315m use it: a 7-layer convolutional feature
encoder (512 channels, 20 ms stride at 16 kHz), a 1,024-wide projection, a grouped positional
convolution (kernel 128, 16 groups), 24 pre-norm transformer layers (16 heads, feed-forward
4,096) and a linear CTC head. Exported like a real model (`input_values` → `logits`, with a
Hugging Face `vocab.json`), then quantised to int8 as the README recommends for CPUs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

CONV_LAYERS = ((10, 5), (3, 2), (3, 2), (3, 2), (3, 2), (2, 2), (2, 2))
"""(kernel, stride) of the feature encoder: 400 samples wide, 320 apart."""
CONV_CHANNELS = 512
HIDDEN = 1024
HEADS = 16
FEED_FORWARD = 4096
LAYERS = 24
POSITION_KERNEL, POSITION_GROUPS = 128, 16
DANISH_TOKENS = ("<pad>", "<s>", "</s>", "<unk>", "|", *"abcdefghijklmnopqrstuvwxyzæøå", "'")


class Graph:
    """Collects ONNX nodes and random initialisers with unique names."""

    def __init__(self, seed: int = 0) -> None:
        self.nodes: list = []
        self.weights: list = []
        self.rng = np.random.default_rng(seed)
        self.count = 0

    def name(self, stem: str) -> str:
        """A unique name from `stem`."""
        self.count += 1
        return f"{stem}_{self.count}"

    def weight(self, shape: tuple[int, ...], scale: float | None = None) -> str:
        """A random initialiser (scaled by fan-in unless told)."""
        from onnx import numpy_helper

        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
        scale = scale if scale is not None else 1 / np.sqrt(fan_in)
        value = (self.rng.standard_normal(shape, dtype=np.float32) * scale).astype(np.float32)
        name = self.name("w")
        self.weights.append(numpy_helper.from_array(value, name))
        return name

    def const(self, value: np.ndarray) -> str:
        """A constant initialiser."""
        from onnx import numpy_helper

        name = self.name("c")
        self.weights.append(numpy_helper.from_array(value, name))
        return name

    def op(self, kind: str, inputs: list[str], **attributes: object) -> str:
        """An op with a fresh output name."""
        from onnx import helper

        out = self.name(kind.lower())
        self.nodes.append(helper.make_node(kind, inputs, [out], **attributes))
        return out

    def op_named(self, kind: str, inputs: list[str], out: str, **attributes: object) -> str:
        """An op whose output is a graph output (a fixed name)."""
        from onnx import helper

        self.nodes.append(helper.make_node(kind, inputs, [out], **attributes))
        return out

    def linear(self, x: str, n_in: int, n_out: int) -> str:
        """A linear layer over the last axis."""
        y = self.op("MatMul", [x, self.weight((n_in, n_out))])
        return self.op("Add", [y, self.const(np.zeros(n_out, np.float32))])

    def norm(self, x: str, width: int) -> str:
        """Layer normalisation over the last axis."""
        return self.op(
            "LayerNormalization",
            [x, self.const(np.ones(width, np.float32)), self.const(np.zeros(width, np.float32))],
            axis=-1,
        )

    def gelu(self, x: str) -> str:
        """GELU (the erf form)."""
        scaled = self.op("Div", [x, self.const(np.array(np.sqrt(2), np.float32))])
        erf = self.op("Add", [self.op("Erf", [scaled]), self.const(np.array(1, np.float32))])
        return self.op("Mul", [self.op("Mul", [x, erf]), self.const(np.array(0.5, np.float32))])


def attention(g: Graph, x: str, width: int, heads: int) -> str:
    """Multi-head self-attention over [batch, frames, width]."""
    head = width // heads
    split = g.const(np.array([0, -1, heads, head], np.int64))
    q, k, v = (g.op("Reshape", [g.linear(x, width, width), split]) for _ in range(3))
    q = g.op("Transpose", [q], perm=[0, 2, 1, 3])
    k = g.op("Transpose", [k], perm=[0, 2, 3, 1])
    v = g.op("Transpose", [v], perm=[0, 2, 1, 3])
    scores = g.op("Mul", [g.op("MatMul", [q, k]), g.const(np.array(head**-0.5, np.float32))])
    mixed = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
    joined = g.op(
        "Reshape",
        [g.op("Transpose", [mixed], perm=[0, 2, 1, 3]), g.const(np.array([0, -1, width]))],
    )
    return g.linear(joined, width, width)


def build(directory: Path, quantise: bool = True) -> Iterator[str]:
    """Write `model.onnx` (int8 unless told otherwise) and `vocab.json`; yields progress lines."""
    import onnx
    from onnx import TensorProto, helper

    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    g = Graph()
    x = g.op("Unsqueeze", ["input_values", g.const(np.array([1], np.int64))])
    channels = 1
    for i, (kernel, stride) in enumerate(CONV_LAYERS):
        x = g.op("Conv", [x, g.weight((CONV_CHANNELS, channels, kernel))], strides=[stride])
        if i == 0:  # wav2vec2's group norm on the first layer, as an instance norm
            x = g.op(
                "InstanceNormalization",
                [
                    x,
                    g.const(np.ones(CONV_CHANNELS, np.float32)),
                    g.const(np.zeros(CONV_CHANNELS, np.float32)),
                ],
            )
        x = g.gelu(x)
        channels = CONV_CHANNELS
    x = g.op("Transpose", [x], perm=[0, 2, 1])  # [batch, frames, 512]
    x = g.linear(g.norm(x, CONV_CHANNELS), CONV_CHANNELS, HIDDEN)
    positions = g.op("Transpose", [x], perm=[0, 2, 1])
    positions = g.op(
        "Conv",
        [positions, g.weight((HIDDEN, HIDDEN // POSITION_GROUPS, POSITION_KERNEL))],
        group=POSITION_GROUPS,
        pads=[POSITION_KERNEL // 2, POSITION_KERNEL // 2 - 1],
    )
    x = g.op("Add", [x, g.gelu(g.op("Transpose", [positions], perm=[0, 2, 1]))])
    for layer in range(LAYERS):
        x = g.op("Add", [x, attention(g, g.norm(x, HIDDEN), HIDDEN, HEADS)])
        inner = g.gelu(g.linear(g.norm(x, HIDDEN), HIDDEN, FEED_FORWARD))
        x = g.op("Add", [x, g.linear(inner, FEED_FORWARD, HIDDEN)])
        if layer % 6 == 5:
            yield f"  layer {layer + 1} of {LAYERS}"
    x = g.norm(x, HIDDEN)
    logits = g.linear(x, HIDDEN, len(DANISH_TOKENS))
    g.nodes.append(helper.make_node("Identity", [logits], ["logits"]))
    graph = helper.make_graph(
        g.nodes,
        "wav2vec2_large_shape",
        [helper.make_tensor_value_info("input_values", TensorProto.FLOAT, ["batch", "samples"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "frames", None])],
        g.weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    parameters = sum(int(np.prod(w.dims)) for w in g.weights)
    yield f"  {parameters / 1e6:.0f} M parameters"
    target = directory / "model.onnx"
    if quantise:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        fp32 = directory / "model.fp32.onnx"
        onnx.save(model, fp32)
        del model, graph, g
        quantize_dynamic(fp32, target, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"])
        fp32.unlink()
    else:
        onnx.save(model, target)
    vocab = {token: i for i, token in enumerate(DANISH_TOKENS)}
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), "utf-8")
    size = target.stat().st_size / 1e6
    yield f"  {target} ({size:.0f} MB) in {time.perf_counter() - started:.0f} s"


def run_turns(
    model_dir: str,
    chunks_ms: list[int],
    threads: int,
    turn_seconds: float = 3.0,
    repeats: int = 3,
    engine: str = "ctc",
) -> Iterator[str]:
    """End of turn → transcript for a turn fed at real-time pace, for each chunk size.

    The turn is noise shaped like speech's level (random weights make any input cost the same);
    it is fed 100 ms at a time every 100 ms, as a call feeds the recogniser, so the chunks encoded
    while the caller speaks are off the clock, as in a call.
    """
    import resource

    from ..speech.ctc_stt import CtcModel
    from ..speech.transducer_stt import TransducerModel

    kind = TransducerModel if engine == "transducer" else CtcModel

    rate = 8_000
    audio = (np.random.default_rng(1).standard_normal(int(turn_seconds * rate)) * 3000).astype(
        "<i2"
    )
    pcm = audio.tobytes()
    step = rate // 10 * 2
    yield f"model {model_dir}, {threads} threads, a {turn_seconds:.0f} s turn, {repeats} repeats"
    yield f"{'chunk ms':>8} {'p50 ms':>7} {'max ms':>7} {'CPU s/turn':>10} {'encodings':>9}"
    for chunk_ms in chunks_ms:
        started = time.perf_counter()
        model = kind(model_dir, threads=threads, chunk_ms=chunk_ms)
        load = time.perf_counter() - started
        latencies, cpu = [], []
        for _ in range(repeats):
            recognizer = model.recognizer([])
            before_cpu, before_n = time.process_time(), model.encodings
            next_at = time.perf_counter()
            for i in range(0, len(pcm), step):
                recognizer.accept(pcm[i : i + step])
                next_at += 0.1
                time.sleep(max(0.0, next_at - time.perf_counter()))
            ended = time.perf_counter()
            recognizer.finish()
            latencies.append(time.perf_counter() - ended)
            cpu.append(time.process_time() - before_cpu)
            encodings = model.encodings - before_n
        model.close()
        latencies.sort()
        yield (
            f"{chunk_ms or 'whole':>8} {latencies[len(latencies) // 2] * 1000:>7.0f} "
            f"{latencies[-1] * 1000:>7.0f} {sum(cpu) / len(cpu):>10.2f} {encodings:>9}"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    yield f"model load {load:.1f} s; process peak RSS {rss:.0f} MB (model and onnxruntime arenas)"
    if engine == "transducer":
        yield _decoder_call_cost(model_dir, threads)


def _decoder_call_cost(model_dir: str, threads: int) -> str:
    """One prediction + joint step: what each token speech emits adds to a turn's decoding."""
    from ..speech.transducer_stt import TransducerModel

    model = TransducerModel(model_dir, threads=threads, chunk_ms=0)
    frame = np.zeros((1, model.joint.width), np.float32)
    state = model.joint.initial_state()
    started, n = time.perf_counter(), 200
    for _ in range(n):
        model.joint.step(frame, model.tokens.blank, state)
    each = (time.perf_counter() - started) / n
    model.close()
    return (
        f"decoder+joint step {each * 1000:.2f} ms: at ~0.4 tokens per 80 ms frame a second of"
        f" speech adds ~{each * 5 * 1000:.1f} ms of decoding"
    )
