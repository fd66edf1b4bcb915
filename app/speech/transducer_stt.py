"""Transducer recognition with onnxruntime: NeMo FastConformer RNN-T and TDT models.

Such as NVIDIA's parakeet-rnnt-110m-da-dk, its Danish fine-tune svale-110M, parakeet-tdt-0.6b-v3.

A model directory is laid out as onnx-asr writes and reads NeMo exports (docs/speech.md):

- `encoder-model.onnx`: `audio_signal` float [batch, features, T] and `length` int64 [batch] →
  `outputs` [batch, D, T/8] and `encoded_lengths`;
- `decoder_joint-model.onnx`: `encoder_outputs` [batch, D, 1], `targets` [batch, 1],
  `target_length` [batch], `input_states_1`/`_2` [layers, batch, H] → `outputs`
  [batch, 1, 1, vocab (+ durations)] and `output_states_1`/`_2`;
- `vocab.txt` ("token id" per line, `▁` starting a word, `<blk>` the blank);
- `config.json` (optional): `model_type` `nemo-conformer-rnnt` or `nemo-conformer-tdt`,
  `features_size` 80 or 128, `subsampling_factor` 8, `max_tokens_per_step`, TDT `durations`.

`encoder-model.int8.onnx` and `decoder_joint-model.int8.onnx` are used instead when present
(quantising the encoder is what matters on a CPU; the decoder_joint is small).
Features are NeMo's normalised log-mel spectrogram, computed by the graph onnx-asr ships for it
(`nemo80.onnx`/`nemo128.onnx`), so they match what the model was trained on.

Decoding is our own (transducer_decode), not onnx-asr's `recognize`: audio is encoded in
overlapping chunks while the caller speaks and decoded as each chunk arrives, so the end of a
turn leaves only the tail; and the words are rescored toward the intent set's vocabulary.
One encoder thread per process serves every call in order; a turn is queued, never dropped.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from .codecs import TWILIO_SAMPLE_RATE
from .transducer_decode import GreedyDecoder, LexiconRescorer, State, Tokens, normalised
from .turn_audio import Chunk, TurnAudio

log = logging.getLogger(__name__)

MODEL_RATE = 16_000
HOP = 160
"""Samples between feature frames (10 ms at 16 kHz), as NeMo's preprocessor computes them."""
CONTEXT_MS = 400
"""Audio encoded on each side of a chunk and then thrown away: the model sees past the cut."""
MIN_WINDOW_MS = 160
"""A shorter window is padded with silence (the encoder's subsampling needs a few frames)."""
MODEL_TYPES = {"nemo-conformer-rnnt": False, "nemo-conformer-tdt": True}
"""Model types this engine reads, and whether they predict durations."""
TDT_DURATIONS = (0, 1, 2, 3, 4)
"""parakeet-tdt's durations, when config.json does not list them."""


def model_files(directory: Path) -> tuple[Path, Path]:
    """The encoder and decoder_joint graphs, each its int8 file when present, else its float."""
    found = []
    for stem in ("encoder-model", "decoder_joint-model"):
        candidates = [directory / f"{stem}.int8.onnx", directory / f"{stem}.onnx"]
        present = [p for p in candidates if p.is_file()]
        if not present:
            raise ConfigError(
                f"STT_MODEL_PATH={str(directory)!r}: no {stem}.onnx (see docs/speech.md)"
            )
        found.append(present[0])
    return found[0], found[1]


class OnnxJoint:
    """The prediction and joint networks of one `decoder_joint` graph (the Joint protocol)."""

    def __init__(self, session, blank: int, durations: tuple[int, ...]) -> None:
        self._session = session
        self.blank = blank
        self.durations = durations
        inputs = {i.name: i for i in session.get_inputs()}
        self._target_type = np.int32 if inputs["targets"].type == "tensor(int32)" else np.int64
        self._length_type = (
            np.int32 if inputs["target_length"].type == "tensor(int32)" else np.int64
        )
        self.width = inputs["encoder_outputs"].shape[1]
        """The encoder's output width D."""
        self._state_shapes = [
            (inputs[n].shape[0], inputs[n].shape[2]) for n in ("input_states_1", "input_states_2")
        ]

    def initial_state(self) -> State:
        """Zeros, as NeMo starts a turn."""
        return tuple(np.zeros((n, 1, width), np.float32) for n, width in self._state_shapes)

    def step(self, frames: np.ndarray, token: int, state: State) -> tuple[np.ndarray, State]:
        """Log-probabilities of every frame ([B, D]) after `token`, and the state after it."""
        batch = len(frames)
        states = [np.repeat(s, batch, axis=1) if batch > 1 else s for s in state]
        outputs, first, second = self._session.run(
            ["outputs", "output_states_1", "output_states_2"],
            {
                "encoder_outputs": frames[:, :, np.newaxis].astype(np.float32),
                "targets": np.full((batch, 1), token, self._target_type),
                "target_length": np.ones(batch, self._length_type),
                "input_states_1": states[0],
                "input_states_2": states[1],
            },
        )
        scores = outputs.reshape(batch, -1)
        return normalised(scores, len(self.durations)), (first[:, :1], second[:, :1])


class TransducerModel:
    """A transducer loaded once; recognisers made from it share its encoder thread.

    Args:
        path: the model directory (STT_MODEL_PATH).
        threads: onnxruntime intra-op threads for one encoding.
        chunk_ms: encode this much audio at a time while the caller speaks (a multiple of the
            encoder's 80 ms frame); 0 encodes the whole turn once it has ended.
        biased: rescore toward the intent set's words (STT_VOCABULARY=restricted).
    """

    sample_rate = TWILIO_SAMPLE_RATE
    streaming = False
    engine = "transducer"

    def __init__(
        self, path: str, threads: int = 2, chunk_ms: int = 1000, biased: bool = True
    ) -> None:
        directory = Path(path)
        vocab_file = directory / "vocab.txt"
        if not vocab_file.is_file():
            raise ConfigError(f"STT_MODEL_PATH={path!r}: no vocab.txt (see docs/speech.md)")
        encoder_file, joint_file = model_files(directory)
        try:
            import onnxruntime
            import soxr  # noqa: F401 - checked here so a missing extra fails at start-up
        except ImportError as exc:
            raise ConfigError(
                "STT_ENGINE=transducer needs the transducer extra:"
                f" pip install 'voicebot[transducer]' ({exc.name})"
            ) from None
        started = time.perf_counter()
        config = _config(directory)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        preprocessor = _preprocessor(config["features_size"])
        try:
            self.tokens = Tokens.from_lines(vocab_file.read_text("utf-8").splitlines())
            self._features = onnxruntime.InferenceSession(preprocessor, options)
            self._encoder = onnxruntime.InferenceSession(str(encoder_file), options)
            self.joint = OnnxJoint(
                onnxruntime.InferenceSession(str(joint_file), options),
                self.tokens.blank,
                config["durations"],
            )
        except Exception as exc:  # onnxruntime raises its own classes for a bad graph
            raise ConfigError(f"STT_MODEL_PATH={path!r}: cannot load model ({exc})") from None
        self.name = directory.name
        self.quantised = ".int8." in encoder_file.name
        self.biased = biased
        self.max_tokens = config["max_tokens_per_step"]
        self.stride = HOP * config["subsampling_factor"]
        """Samples (at 16 kHz) per encoder frame: 1,280 (80 ms) for FastConformer."""
        self.chunk = max(0, chunk_ms * MODEL_RATE // 1000 // self.stride * self.stride)
        self.context = CONTEXT_MS * MODEL_RATE // 1000 // self.stride * self.stride
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="transducer-encoder")
        self._stats_lock = threading.Lock()
        self.encode_seconds = 0.0
        self.encodings = 0
        self.load_seconds = time.perf_counter() - started
        log.info(
            "transducer model %s loaded in %.2fs (%s, chunk %d)",
            self.name,
            self.load_seconds,
            "int8" if self.quantised else "float",
            self.chunk,
        )

    def recognizer(self, vocabulary: list[str] | None = None) -> TransducerRecognizer:
        """A recogniser for one call, rescoring toward `vocabulary`."""
        lexicon = vocabulary if self.biased and vocabulary else []
        return TransducerRecognizer(self, LexiconRescorer(self.tokens, lexicon))

    def submit(self, work, *args) -> Future:
        """Run encoder work on the model's one thread, in order."""
        return self._thread.submit(work, *args)

    def encode(self, samples: np.ndarray, start: int = 0) -> np.ndarray:
        """Encoder frames [T, D] of 16 kHz float samples[start:] (on the caller's thread).

        The log-mel features are normalised over all of `samples` (the turn so far), as NeMo
        normalises over the whole utterance it was trained on; only the window from `start`
        (a multiple of the encoder's stride) is encoded.
        """
        started = time.perf_counter()
        waveform = samples.astype(np.float32)[np.newaxis, :]
        features, lengths = self._features.run(
            ["features", "features_lens"],
            {"waveforms": waveform, "waveforms_lens": np.array([len(samples)], np.int64)},
        )
        first = start // HOP
        window = np.ascontiguousarray(features[:, :, first:])
        outputs, encoded = self._encoder.run(
            ["outputs", "encoded_lengths"],
            {"audio_signal": window, "length": np.maximum(lengths - first, 1)},
        )
        with self._stats_lock:
            self.encode_seconds += time.perf_counter() - started
            self.encodings += 1
        return outputs[0, :, : int(encoded[0])].T

    def close(self) -> None:
        """Stop the encoder thread once queued work is done."""
        self._thread.shutdown(wait=True)


class TransducerRecognizer:
    """One call's turns: audio resampled as it comes, encoded and decoded chunk by chunk.

    A chunk covers [start, start + chunk) of the turn and is encoded with CONTEXT_MS of audio on
    either side, its features normalised over the turn so far; the encoder frames that fall
    inside the chunk are decoded, so the decoder sees one pass over the turn, give or take what
    attention sees past a cut.
    """

    streaming = False
    """Partials come a chunk late: barge-in goes by how long the caller has spoken."""

    def __init__(self, model: TransducerModel, rescorer: LexiconRescorer) -> None:
        self.model = model
        self.rescorer = rescorer
        self._turn = TurnAudio(MODEL_RATE, model.chunk, model.context)
        self._reset()

    def accept(self, pcm16: bytes) -> str:
        """Feed 8 kHz audio; whole chunks are encoded and decoded in the background.

        Returns what the chunks decoded so far say (a chunk or more behind the caller).
        """
        for chunk in self._turn.feed(pcm16):
            self._submit(chunk)
        emitted = list(self._decoder.emissions)
        return self.model.tokens.text([e.token for e in emitted])

    def settle(self) -> None:
        """Wait for the chunks already queued (evaluation: what a live caller's speech hides)."""
        for future in self._pending:
            future.exception()

    def finish(self) -> str:
        """Encode and decode the tail, rescore the words and return the text."""
        if (tail := self._turn.tail()) is not None:
            self._submit(tail)
        try:
            for future in self._pending:
                future.result()
            return self.rescorer.transcript(self._decoder)
        finally:
            self._reset()

    def _submit(self, chunk: Chunk) -> None:
        upto = self._turn.samples()[: chunk.end + chunk.right]
        shortest = chunk.start - chunk.left + MIN_WINDOW_MS * MODEL_RATE // 1000
        if len(upto) < shortest:
            upto = np.pad(upto, (0, shortest - len(upto)))
        first = chunk.left // self.model.stride
        count = (chunk.end - chunk.start) // self.model.stride if chunk.right else None
        window_start = chunk.start - chunk.left
        self._pending.append(self.model.submit(self._decode, upto, window_start, first, count))

    def _decode(self, audio: np.ndarray, start: int, first: int, count: int | None) -> None:
        frames = self.model.encode(audio, start)
        self._decoder.feed(frames[first : None if count is None else first + count])

    def _reset(self) -> None:
        self._turn.reset()
        self._pending: list[Future[None]] = []
        self._decoder = GreedyDecoder(self.model.joint, self.model.max_tokens)


def _config(directory: Path) -> dict:
    """config.json with onnx-asr's defaults; raises ConfigError for a type we cannot decode."""
    path = directory / "config.json"
    try:
        raw = json.loads(path.read_text("utf-8")) if path.is_file() else {}
    except ValueError as exc:
        raise ConfigError(f"STT_MODEL_PATH: config.json is not JSON ({exc})") from None
    kind = raw.get("model_type", "nemo-conformer-rnnt")
    if kind not in MODEL_TYPES:
        raise ConfigError(
            f"STT_MODEL_PATH: model_type {kind!r} is not one of {', '.join(MODEL_TYPES)}"
        )
    durations = tuple(raw.get("durations", TDT_DURATIONS)) if MODEL_TYPES[kind] else ()
    return {
        "features_size": int(raw.get("features_size", 80)),
        "subsampling_factor": int(raw.get("subsampling_factor", 8)),
        "max_tokens_per_step": int(raw.get("max_tokens_per_step", 10)),
        "durations": durations,
    }


def _preprocessor(features: int) -> bytes:
    """NeMo's log-mel graph from the onnx-asr wheel (80 or 128 mel bands)."""
    from importlib.resources import files

    if features not in (80, 128):
        raise ConfigError(f"STT_MODEL_PATH: features_size {features} is not 80 or 128")
    try:
        return files("onnx_asr.preprocessors").joinpath(f"data/nemo{features}.onnx").read_bytes()
    except ModuleNotFoundError:
        raise ConfigError(
            "STT_ENGINE=transducer needs onnx-asr: pip install 'voicebot[transducer]'"
        ) from None
