"""Recognising recorded files, and scoring a recogniser on a municipality's own recordings.

`voicebot transcribe` and `voicebot eval audio` use this: before going live, a municipality
records (or exports) calls, writes what was said, and measures word and character error, whether
the matcher then finds the right intent, how often the bot would answer wrongly, and how long a
turn takes — for each engine and model it considers, on the audio a phone line delivers.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from ..core.evaluation import Scores, score
from ..core.matcher import Matcher
from ..core.normalise import tokens
from .audio_files import phone_line, read_wav, resample
from .codecs import FRAME_BYTES_PCM
from .stt import LEAD_IN, SpeechModel

FEED_BYTES = FRAME_BYTES_PCM * 5
"""Audio is fed as a call feeds it: 100 ms at a time."""
TRANSCRIPTS = "transcripts.tsv"


@dataclass(frozen=True)
class Transcript:
    """One file recognised."""

    file: str
    text: str
    seconds: float
    """Length of the audio."""
    latency: float
    """From the end of the audio to the transcript (what a caller waits after speaking)."""
    processing: float
    """All recogniser time for the file."""

    @property
    def rtf(self) -> float:
        """Real-time factor: recogniser time per second of audio."""
        return self.processing / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, object]:
        """The `voicebot transcribe` JSON line."""
        return {
            "file": self.file,
            "text": self.text,
            "seconds": round(self.seconds, 3),
            "rtf": round(self.rtf, 4),
        }


def transcribe(
    model: SpeechModel, vocabulary: list[str], path: Path, phone: bool = False
) -> Transcript:
    """Recognise one WAV file as one turn; `phone` first passes it through a phone line."""
    pcm, rate = read_wav(path)
    pcm = phone_line(pcm, rate) if phone else resample(pcm, rate, model.sample_rate)
    pcm = LEAD_IN + pcm  # as a call's turn starts
    recognizer = model.recognizer(vocabulary)
    processing = 0.0
    for i in range(0, len(pcm), FEED_BYTES):
        started = time.perf_counter()
        recognizer.accept(pcm[i : i + FEED_BYTES])
        processing += time.perf_counter() - started
    started = time.perf_counter()
    getattr(recognizer, "settle", lambda: None)()  # what a live caller's speaking time hides
    settled = time.perf_counter()
    text = recognizer.finish()
    done = time.perf_counter()
    seconds = (len(pcm) - len(LEAD_IN)) / 2 / model.sample_rate
    return Transcript(path.name, text, seconds, done - settled, processing + done - started)


@dataclass(frozen=True)
class Expected:
    """One line of `transcripts.tsv`: file, what was said, and optionally the intent meant."""

    file: str
    text: str
    intent: str | None


def read_expected(directory: Path) -> list[Expected]:
    """The directory's `transcripts.tsv` (`file<TAB>text[<TAB>intent]`; # starts a comment)."""
    path = directory / TRANSCRIPTS
    if not path.is_file():
        raise ValueError(f"{path}: missing (file<TAB>text[<TAB>intent] per line)")
    rows = []
    with path.open(encoding="utf-8", newline="") as lines:
        for number, row in enumerate(csv.reader(lines, delimiter="\t"), 1):
            if not row or row[0].startswith("#"):
                continue
            if len(row) < 2:
                raise ValueError(f"{path}:{number}: expected file<TAB>text[<TAB>intent]")
            if not (directory / row[0]).is_file():
                raise ValueError(f"{path}:{number}: no such file {row[0]!r}")
            intent = row[2].strip() if len(row) > 2 and row[2].strip() else None
            rows.append(Expected(row[0], row[1], intent))
    if not rows:
        raise ValueError(f"{path}: no recordings listed")
    return rows


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edits, reference words) between two texts as a recogniser writes them."""
    ref, hyp = tokens(reference), tokens(hypothesis)
    return Levenshtein.distance(ref, hyp), len(ref)


def char_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edits, reference characters), spaces between words counted."""
    ref, hyp = " ".join(tokens(reference)), " ".join(tokens(hypothesis))
    return Levenshtein.distance(ref, hyp), len(ref)


@dataclass(frozen=True)
class AudioReport:
    """Figures for one directory of recordings."""

    n: int
    wer: float
    cer: float
    intents: Scores | None
    """Top-1, answered and wrong-answer rates over the lines that name an intent."""
    latency_p50: float
    latency_p95: float
    rtf: float
    transcripts: tuple[Transcript, ...]

    def lines(self) -> list[str]:
        """The printed report."""
        out = [
            f"files {self.n}   WER {self.wer:.1%}   CER {self.cer:.1%}",
            f"turn latency p50 {self.latency_p50 * 1000:.0f} ms   p95 "
            f"{self.latency_p95 * 1000:.0f} ms   RTF {self.rtf:.3f}",
        ]
        if self.intents is not None:
            out.append(self.intents.line())
        return out


def evaluate(
    model: SpeechModel,
    vocabulary: list[str],
    directory: Path,
    matcher: Matcher,
    phone: bool = False,
) -> AudioReport:
    """Recognise every listed file and score text, intent and time."""
    expected = read_expected(directory)
    heard = [transcribe(model, vocabulary, directory / e.file, phone) for e in expected]
    words = [word_errors(e.text, t.text) for e, t in zip(expected, heard, strict=True)]
    chars = [char_errors(e.text, t.text) for e, t in zip(expected, heard, strict=True)]
    labelled = [(e, t) for e, t in zip(expected, heard, strict=True) if e.intent]
    intents = None
    if labelled:
        matches = matcher.match_all([t.text for _, t in labelled])
        intents = score("intent (through the matcher)", [e.intent for e, _ in labelled], matches)
    latencies = sorted(t.latency for t in heard)
    audio = sum(t.seconds for t in heard)
    return AudioReport(
        n=len(heard),
        wer=_rate(words),
        cer=_rate(chars),
        intents=intents,
        latency_p50=_percentile(latencies, 0.50),
        latency_p95=_percentile(latencies, 0.95),
        rtf=sum(t.processing for t in heard) / audio if audio else 0.0,
        transcripts=tuple(heard),
    )


def _rate(pairs: Sequence[tuple[int, int]]) -> float:
    total = sum(n for _, n in pairs)
    return sum(e for e, _ in pairs) / total if total else 0.0


def _percentile(ordered: Sequence[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0
