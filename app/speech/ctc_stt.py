"""CTC recognition with onnxruntime: wav2vec2 models such as CoRal's Røst (the only ort import).

A model directory holds `model.onnx` (input `input_values`: float32 [batch, samples] at 16 kHz,
output `logits`: [batch, frames, vocab]) and the Hugging Face `vocab.json`; an optional
`preprocessor_config.json` gives `sampling_rate` and `do_normalize`. Calls deliver 8 kHz, which
soxr band-limits and resamples (naive upsampling would mirror 0–4 kHz into 4–8 kHz, sounds the
model never heard in training).

These models have no partial results: a turn is decoded once it has ended. To keep that short,
audio is encoded in overlapping chunks while the caller is still speaking, and only the tail is
left for the end of the turn. One encoder thread per process serves every call in order, so a
turn that arrives while it is busy waits its turn and is never dropped.
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
from .ctc_decode import LexiconDecoder, Vocabulary, log_softmax
from .turn_audio import Chunk, TurnAudio

log = logging.getLogger(__name__)

CONTEXT_MS = 400
"""Audio encoded on each side of a chunk and then thrown away: the model sees past the cut."""
MIN_TAIL_MS = 200
"""Audio shorter than this after the last chunk is folded into one last, longer chunk."""


class CtcModel:
    """A CTC model loaded once; recognisers made from it share its encoder thread.

    Args:
        path: the model directory (STT_MODEL_PATH).
        threads: onnxruntime intra-op threads for one encoding.
        chunk_ms: encode this much audio at a time while the caller speaks; 0 encodes the whole
            turn once it has ended.
        biased: decode toward the intent set's words (STT_VOCABULARY=restricted); False is plain
            greedy decoding.
    """

    sample_rate = TWILIO_SAMPLE_RATE
    """Recognisers are fed phone audio; the model's own rate is reached inside."""
    streaming = False
    engine = "ctc"

    def __init__(
        self, path: str, threads: int = 2, chunk_ms: int = 1000, biased: bool = True
    ) -> None:
        directory = Path(path)
        model_file, vocab_file = directory / "model.onnx", directory / "vocab.json"
        for needed in (model_file, vocab_file):
            if not needed.is_file():
                raise ConfigError(f"STT_MODEL_PATH={path!r}: no {needed.name} (see README)")
        try:
            import onnxruntime
            import soxr  # noqa: F401 - checked here so a missing extra fails at start-up
        except ImportError as exc:
            raise ConfigError(
                f"STT_ENGINE=ctc needs the ctc extra: pip install 'voicebot[ctc]' ({exc.name})"
            ) from None
        started = time.perf_counter()
        try:
            self.vocab = Vocabulary.from_mapping(json.loads(vocab_file.read_text("utf-8")))
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            providers = [
                p
                for p in ("CUDAExecutionProvider", "CPUExecutionProvider")
                if p in onnxruntime.get_available_providers()
            ]
            self._session = onnxruntime.InferenceSession(
                str(model_file), options, providers=providers
            )
        except (OSError, ValueError, RuntimeError) as exc:
            raise ConfigError(f"STT_MODEL_PATH={path!r}: cannot load model ({exc})") from None
        except Exception as exc:  # onnxruntime raises its own classes for a bad graph
            raise ConfigError(f"STT_MODEL_PATH={path!r}: cannot load model ({exc})") from None
        self.name = directory.name
        self.biased = biased
        self.model_rate, self.normalise = _preprocessing(directory)
        self._encoder = ThreadPoolExecutor(1, thread_name_prefix="ctc-encoder")
        self._stats_lock = threading.Lock()
        self.encode_seconds = 0.0
        self.encodings = 0
        self.stride, self.receptive = self._geometry()
        chunk = _multiple(chunk_ms * self.model_rate // 1000, self.stride)
        self.chunk = chunk
        self.context = _multiple(CONTEXT_MS * self.model_rate // 1000, self.stride)
        self.load_seconds = time.perf_counter() - started
        log.info(
            "ctc model %s loaded in %.2fs (providers %s, stride %d, chunk %d)",
            self.name,
            self.load_seconds,
            ",".join(providers),
            self.stride,
            self.chunk,
        )

    def recognizer(self, vocabulary: list[str] | None = None) -> CtcRecognizer:
        """A recogniser for one call, its decoder biased toward `vocabulary`."""
        lexicon = vocabulary if self.biased and vocabulary else []
        return CtcRecognizer(self, LexiconDecoder(self.vocab, lexicon))

    def encode(self, samples: np.ndarray) -> Future[np.ndarray]:
        """Queue one encoding of model-rate float samples; its future gives [frames, vocab]."""
        return self._encoder.submit(self._run, samples)

    def close(self) -> None:
        """Stop the encoder thread once queued work is done."""
        self._encoder.shutdown(wait=True)

    def _run(self, samples: np.ndarray) -> np.ndarray:
        started = time.perf_counter()
        x = samples.astype(np.float32)
        if self.normalise:
            x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
        (logits,) = self._session.run(["logits"], {"input_values": x[np.newaxis, :]})
        with self._stats_lock:
            self.encode_seconds += time.perf_counter() - started
            self.encodings += 1
        return logits[0]

    def _geometry(self) -> tuple[int, int]:
        """Samples per output frame and the first frame's width, measured on silence.

        frames(n) = (n - width) // stride + 1: two lengths give the stride and a bound on the
        width; the shortest input with two frames (width + stride) pins it down.
        """
        rate = self.model_rate
        first, second = (self._frames(n) for n in (rate, 2 * rate))
        stride = round(rate / max(1, second - first))
        low, high = rate - (first - 1) * stride, rate - (first - 1) * stride + stride
        while low + 1 < high:  # two frames from `high` on, one below `low`
            middle = (low + high) // 2
            low, high = (low, middle) if self._frames(middle) >= 2 else (middle, high)
        return stride, high - stride

    def _frames(self, samples: int) -> int:
        return len(self.encode(np.zeros(samples, np.float32)).result())


class CtcRecognizer:
    """One call's turns: audio resampled as it comes, encoded chunk by chunk, decoded at the end.

    A chunk covers [start, start + chunk) of the turn and is encoded with CONTEXT_MS of audio on
    either side; the frames whose centres fall inside the chunk are kept, so the stitched frames
    are those of one pass over the whole turn, give or take what attention sees past a cut.
    """

    streaming = False
    """No partial transcripts: barge-in goes by how long the caller has spoken."""

    def __init__(self, model: CtcModel, decoder: LexiconDecoder) -> None:
        self.model = model
        self.decoder = decoder
        self._turn = TurnAudio(model.model_rate, model.chunk, model.context)
        self._pending: list[tuple[Future[np.ndarray], int, int | None]] = []
        """Each chunk's encoding, and which of its frames to keep (first, how many or all)."""

    def accept(self, pcm16: bytes) -> str:
        """Feed 8 kHz audio; encodes whole chunks in the background. No partials: returns ""."""
        for chunk in self._turn.feed(pcm16):
            self._submit(chunk)
        return ""

    def settle(self) -> None:
        """Wait for the chunks already queued (evaluation: what a live caller's speech hides)."""
        for future, _, _ in self._pending:
            future.exception()

    def finish(self) -> str:
        """Encode the tail, decode the turn's frames and return the text; ready for the next."""
        if (tail := self._turn.tail()) is not None:
            self._submit(tail)
        try:
            parts = [
                future.result()[first : None if count is None else first + count]
                for future, first, count in self._pending
            ]
        finally:
            self._turn.reset()
            self._pending = []
        if not parts:
            return ""
        return self.decoder.decode(log_softmax(np.concatenate(parts)))

    def _submit(self, chunk: Chunk) -> None:
        start, end, left = chunk.start, chunk.end, chunk.left
        audio = self._turn.samples()
        window = audio[start - left : min(end + chunk.right, len(audio))]
        if len(window) < self.model.receptive:
            window = np.pad(window, (0, self.model.receptive - len(window)))
        first_centre = start - left + self.model.receptive // 2
        stride = self.model.stride
        keep_from = max(0, -(-(start - first_centre) // stride))
        keep = max(1, -(-(end - start) // stride)) if chunk.right else None
        self._pending.append((self.model.encode(window), keep_from, keep))


def _multiple(value: int, of: int) -> int:
    return max(0, value // of * of)


def _preprocessing(directory: Path) -> tuple[int, bool]:
    """The model's sampling rate and whether input is normalised (Hugging Face's config)."""
    config_file = directory / "preprocessor_config.json"
    if not config_file.is_file():
        return 16_000, True
    config = json.loads(config_file.read_text("utf-8"))
    return int(config.get("sampling_rate", 16_000)), bool(config.get("do_normalize", True))
