"""Turning a transducer's encoder frames into words, biased toward the words callers use here.

A NeMo transducer (RNN-T or TDT) decodes frame by frame: the joint network scores the next token
from one encoder frame and the prediction network's state (what was said so far). Greedy
decoding takes the best token, stays on the frame while it emits (at most `max_tokens` per frame)
and moves on at the blank, or by the predicted duration on a TDT model.

Biasing works as the ctc engine's does: each decoded word outside the intent set's lexicon is
rescored. The exact transducer likelihood of the nearest lexicon words over the word's frames
(the forward algorithm over the token × frame lattice, from the prediction state the word began
in) is compared with the greedy spelling's; a lexicon word wins when the audio supports it nearly
as well. A word the audio does not support stays as heard.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .ctc_decode import LEXICON_BONUS, MAX_CANDIDATES, log_softmax

WORD_START = "▁"
"""SentencePiece's mark for a token that begins a word."""


State = tuple[np.ndarray, ...]
"""The prediction network's recurrent state, as the decoder_joint graph takes it."""


class Joint(Protocol):
    """The prediction and joint networks (NeMo's `decoder_joint` export)."""

    blank: int
    durations: tuple[int, ...]
    """TDT: the frame skips its duration head predicts; () for RNN-T."""

    def initial_state(self) -> State:
        """The state before anything was said."""
        ...

    def step(self, frames: np.ndarray, token: int, state: State) -> tuple[np.ndarray, State]:
        """Score every frame ([B, D]) after `token` in `state`.

        Returns log-probabilities [B, vocab] (and, for TDT, [B, vocab + durations] with the
        duration scores last, each part normalised on its own) and the state after `token`.
        """
        ...


@dataclass(frozen=True)
class Tokens:
    """A transducer's output tokens (onnx-asr's `vocab.txt`: "token id" per line)."""

    pieces: tuple[str, ...]
    """Index → the piece as written, `▁` marking a word's start."""
    blank: int

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> Tokens:
        """Read `vocab.txt`; raises ValueError when it is malformed or has no `<blk>`."""
        entries: dict[int, str] = {}
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            piece, _, index = line.rstrip("\n").rpartition(" ")
            if not piece or not index.isdigit():
                raise ValueError(f"vocab.txt line {number} is not 'token id'")
            entries[int(index)] = piece
        if sorted(entries) != list(range(len(entries))):
            raise ValueError("vocab.txt ids are not 0..n-1")
        pieces = tuple(entries[i] for i in range(len(entries)))
        if "<blk>" not in pieces:
            raise ValueError("vocab.txt has no <blk> token")
        return cls(pieces, pieces.index("<blk>"))

    def text(self, ids: Sequence[int]) -> str:
        """The words the ids write (special tokens such as `<unk>` dropped)."""
        out = "".join(self.pieces[i] for i in ids if not _special(self.pieces[i]))
        return " ".join(out.replace(WORD_START, " ").split()).lower()

    def spell(self, word: str) -> list[int] | None:
        """Token ids that write `word` as one word (longest pieces first), or None."""
        by_piece = {p: i for i, p in enumerate(self.pieces) if not _special(p)}
        longest = max(map(len, by_piece))
        rest, out = WORD_START + word, []
        while rest:
            for size in range(min(longest, len(rest)), 0, -1):
                if rest[:size] in by_piece:
                    out.append(by_piece[rest[:size]])
                    rest = rest[size:]
                    break
            else:
                return None
        return out


def _special(piece: str) -> bool:
    return piece.startswith("<") and piece.endswith(">")


@dataclass
class Emission:
    """One token greedy decoding emitted, and what the decoder knew just before it."""

    token: int
    frame: int
    previous: int
    """The token fed to the prediction network for this step."""
    state: State


@dataclass
class GreedyDecoder:
    """One turn's greedy decoding, fed frames as they are encoded."""

    joint: Joint
    max_tokens: int = 10
    frames: list[np.ndarray] = field(default_factory=list)
    emissions: list[Emission] = field(default_factory=list)
    _state: State | None = None
    _skip: int = 0
    """TDT: frames still to skip from the last step's duration."""

    def feed(self, frames: np.ndarray) -> None:
        """Decode more encoder frames ([T, D]) after those already fed."""
        if self._state is None:
            self._state = self.joint.initial_state()
        offset = sum(len(f) for f in self.frames)
        self.frames.append(frames)
        t = self._skip
        emitted = 0
        blank, durations = self.joint.blank, self.joint.durations
        while t < len(frames):
            previous = self.emissions[-1].token if self.emissions else blank
            scores, state = self.joint.step(frames[t : t + 1], previous, self._state)
            vocab = scores[0, : len(scores[0]) - len(durations)]
            token = int(vocab.argmax())
            if token != blank:
                self.emissions.append(Emission(token, offset + t, previous, self._state))
                self._state = state
                emitted += 1
            step = durations[int(scores[0, len(vocab) :].argmax())] if durations else 0
            if step > 0:
                t, emitted = t + step, 0
            elif token == blank or emitted >= self.max_tokens:
                t, emitted = t + 1, 0
        self._skip = t - len(frames)

    def all_frames(self) -> np.ndarray:
        """Every frame fed so far, [T, D]."""
        return np.concatenate(self.frames) if self.frames else np.zeros((0, 0), np.float32)


@dataclass(frozen=True)
class _Word:
    ids: tuple[int, ...]
    start: int
    end: int
    """Frames [start, end) the word may occupy."""
    previous: int
    state: State


def words(decoder: GreedyDecoder, tokens: Tokens) -> list[_Word]:
    """The emitted tokens grouped into words, each with its frames and starting state."""
    groups: list[list[Emission]] = []
    for emission in decoder.emissions:
        piece = tokens.pieces[emission.token]
        if not groups or piece.startswith(WORD_START):
            groups.append([])
        groups[-1].append(emission)
    total = sum(len(f) for f in decoder.frames)
    out = []
    for i, group in enumerate(groups):
        following = groups[i + 1][0].frame if i + 1 < len(groups) else total
        end = max(following, group[-1].frame + 1)
        first = group[0]
        ids = tuple(e.token for e in group)
        out.append(_Word(ids, first.frame, end, first.previous, first.state))
    return out


def log_likelihood(
    joint: Joint, frames: np.ndarray, ids: Sequence[int], previous: int, state: State
) -> float:
    """The log-probability of `ids` over `frames`: every alignment summed (forward algorithm).

    RNN-T: a token keeps the frame, the blank moves to the next. TDT: both move by a predicted
    duration (a token may stay with duration 0, the blank may not).
    """
    durations = joint.durations or ()
    n_frames, n_ids = len(frames), len(ids)
    if n_frames == 0:
        return -np.inf
    rows = []  # rows[u]: [T, vocab (+durations)] scores after the first u tokens
    token = previous
    for u in range(n_ids + 1):
        scores, next_state = joint.step(frames, token, state)
        rows.append(scores)
        if u < n_ids:
            token, state = ids[u], next_state
    vocab = rows[0].shape[1] - len(durations)
    alpha = np.full((n_frames + 1, n_ids + 1), -np.inf)
    alpha[0, 0] = 0.0
    for t in range(n_frames):
        for u in range(n_ids + 1):
            here = alpha[t, u]
            if here == -np.inf:
                continue
            row = rows[u][t]
            if not durations:
                if u < n_ids:
                    alpha[t, u + 1] = np.logaddexp(alpha[t, u + 1], here + row[ids[u]])
                alpha[t + 1, u] = np.logaddexp(alpha[t + 1, u], here + row[joint.blank])
                continue
            for d, duration in zip(durations, row[vocab:], strict=True):
                if t + d > n_frames:
                    continue
                if u < n_ids:
                    alpha[t + d, u + 1] = np.logaddexp(
                        alpha[t + d, u + 1], here + row[ids[u]] + duration
                    )
                if d > 0:
                    alpha[t + d, u] = np.logaddexp(
                        alpha[t + d, u], here + row[joint.blank] + duration
                    )
    return float(alpha[n_frames, n_ids])


class LexiconRescorer:
    """Each greedy word outside the lexicon rescored against its nearest lexicon words.

    Args:
        tokens: the model's vocabulary.
        lexicon: the words callers are expected to use (the intent set's vocabulary).
        bonus: how much likelihood a lexicon word may lose and still be chosen.
    """

    def __init__(self, tokens: Tokens, lexicon: Iterable[str], bonus: float = LEXICON_BONUS):
        self.tokens = tokens
        self.bonus = bonus
        self._spellings = {w: s for w in set(lexicon) if (s := tokens.spell(w)) is not None}
        self._words = list(self._spellings)

    def transcript(self, decoder: GreedyDecoder) -> str:
        """The turn's words, near misses of lexicon words replaced where the audio agrees."""
        frames = decoder.all_frames()
        return " ".join(
            w for word in words(decoder, self.tokens) if (w := self._best(word, decoder, frames))
        )

    def _best(self, word: _Word, decoder: GreedyDecoder, frames: np.ndarray) -> str:
        heard = self.tokens.text(word.ids)
        if not heard or heard in self._spellings or not self._words or " " in heard:
            return heard
        near = process.extract(
            heard,
            self._words,
            scorer=Levenshtein.distance,
            score_cutoff=max(1, len(heard) // 4),
            limit=MAX_CANDIDATES,
        )
        if not near:
            return heard
        span = frames[word.start : word.end]
        joint = decoder.joint

        def score(ids: Sequence[int]) -> float:
            return log_likelihood(joint, span, ids, word.previous, word.state)

        floor = score(word.ids)
        best, candidate = max((score(self._spellings[c]), c) for c, _, _ in near)
        return candidate if best + self.bonus >= floor else heard


def normalised(scores: np.ndarray, durations: int) -> np.ndarray:
    """Log-probabilities from a joint's raw output [B, vocab (+durations)], each part apart."""
    if not durations:
        return log_softmax(scores)
    return np.concatenate(
        [log_softmax(scores[:, :-durations]), log_softmax(scores[:, -durations:])], axis=1
    )
