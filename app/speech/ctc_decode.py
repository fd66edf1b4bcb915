"""Turning a CTC model's per-frame scores into words, biased toward the words callers use here.

Greedy decoding (best token per frame, repeats merged, blanks dropped) spells what the model
heard, one letter wrong now and then ("sundhedsgort"). The intent set names the few hundred words
that matter, so each decoded word that is not one of them is rescored: the CTC likelihood of the
nearest lexicon words over the same frames is computed exactly (the forward algorithm), and a
lexicon word wins when the audio supports it nearly as well as the greedy spelling. A word the
audio does not support stays as heard: the matcher, not the decoder, refuses what it does not
know.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

BLANK_TOKENS = ("<pad>", "[PAD]", "<blank>", "<eps>")
"""Names Hugging Face CTC vocabularies give the blank; the first one present is the blank."""
WORD_DELIMITERS = ("|", " ", "▁")
SPECIAL_TOKENS = ("<s>", "</s>", "<unk>", "[UNK]", "<bos>", "<eos>")
"""Tokens that are never letters of a transcript."""

LEXICON_BONUS = 4.0
"""Log-likelihood (nats) a lexicon word may lose against the greedy spelling and still win."""
MAX_CANDIDATES = 4
"""Nearest lexicon words rescored per unknown word."""


@dataclass(frozen=True)
class Vocabulary:
    """A CTC model's output tokens (the Hugging Face `vocab.json`, token → id)."""

    letters: tuple[str, ...]
    """Index → the text the token writes ("" for blank and special tokens, " " for delimiters)."""
    blank: int
    ids: Mapping[str, int]
    """Letter → token id, for spelling lexicon words."""

    @classmethod
    def from_mapping(cls, vocab: Mapping[str, int]) -> Vocabulary:
        """Read a `vocab.json` mapping; raises ValueError when it has no blank token."""
        size = max(vocab.values()) + 1
        letters = [""] * size
        for token, index in vocab.items():
            if token in WORD_DELIMITERS:
                letters[index] = " "
            elif token not in BLANK_TOKENS and token not in SPECIAL_TOKENS:
                letters[index] = token.lower()
        blank = next((vocab[t] for t in BLANK_TOKENS if t in vocab), None)
        if blank is None:
            raise ValueError(f"vocab.json has no blank token (one of {', '.join(BLANK_TOKENS)})")
        ids = {text: i for i, text in enumerate(letters) if text}
        return cls(tuple(letters), blank, ids)

    def spell(self, word: str) -> list[int] | None:
        """Token ids that write `word`, or None when a letter has no token (cannot be heard)."""
        out = [self.ids.get(ch) for ch in word]
        return None if any(i is None for i in out) else out  # type: ignore[return-value]


@dataclass(frozen=True)
class _Word:
    text: str
    start: int
    end: int
    """Frames [start, end) the word may occupy: its letters and the blanks around them."""


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Per-frame log probabilities from raw scores ([frames, vocab])."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def greedy(log_probs: np.ndarray, vocab: Vocabulary) -> str:
    """The best token per frame, repeats merged, blanks and special tokens dropped."""
    return " ".join(w.text for w in _greedy_words(log_probs, vocab))


def _greedy_words(log_probs: np.ndarray, vocab: Vocabulary) -> list[_Word]:
    best = log_probs.argmax(axis=-1)
    words: list[_Word] = []
    letters: list[str] = []
    start = boundary = 0
    previous = -1
    for frame, token in enumerate(best.tolist()):
        if token != previous:
            text = vocab.letters[token] if token != vocab.blank else ""
            if text == " ":
                if letters:
                    words.append(_Word("".join(letters), start, frame))
                letters, boundary = [], frame + 1
            elif text:
                if not letters:
                    start = boundary
                letters.append(text)
        previous = token
    if letters:
        words.append(_Word("".join(letters), start, len(best)))
    return words


def ctc_log_likelihood(log_probs: np.ndarray, labels: list[int], blank: int) -> float:
    """The log-probability of `labels` under CTC: every alignment summed (the forward algorithm)."""
    extended = [blank]
    for label in labels:
        extended += [label, blank]
    states = len(extended)
    frames = len(log_probs)
    if frames == 0 or states // 2 > frames:
        return -np.inf
    ext = np.array(extended)
    # A state may skip the blank before it when its label differs from the one two back.
    skip = np.zeros(states, dtype=bool)
    skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    alpha = np.full(states, -np.inf)
    alpha[0] = log_probs[0, blank]
    if states > 1:
        alpha[1] = log_probs[0, ext[1]]
    for t in range(1, frames):
        stay = alpha
        step = np.concatenate([[-np.inf], alpha[:-1]])
        jump = np.where(skip, np.concatenate([[-np.inf, -np.inf], alpha[:-2]]), -np.inf)
        alpha = np.logaddexp(np.logaddexp(stay, step), jump) + log_probs[t, ext]
    return float(np.logaddexp(alpha[-1], alpha[-2]) if states > 1 else alpha[-1])


class LexiconDecoder:
    """Greedy decoding, then each word outside the lexicon rescored against its nearest words.

    Args:
        vocab: the model's tokens.
        lexicon: the words callers are expected to use (the intent set's vocabulary).
        bonus: how much acoustic likelihood a lexicon word may lose and still be chosen.
    """

    def __init__(
        self, vocab: Vocabulary, lexicon: Iterable[str], bonus: float = LEXICON_BONUS
    ) -> None:
        self.vocab = vocab
        self.bonus = bonus
        self._spellings = {w: s for w in set(lexicon) if (s := vocab.spell(w)) is not None}
        self._words = list(self._spellings)

    def decode(self, log_probs: np.ndarray) -> str:
        """The transcript of one turn's frames ([frames, vocab] log probabilities)."""
        return " ".join(self._best(w, log_probs) for w in _greedy_words(log_probs, self.vocab))

    def _best(self, word: _Word, log_probs: np.ndarray) -> str:
        if word.text in self._spellings or not self._words:
            return word.text
        cutoff = max(1, len(word.text) // 4)
        near = process.extract(
            word.text,
            self._words,
            scorer=Levenshtein.distance,
            score_cutoff=cutoff,
            limit=MAX_CANDIDATES,
        )
        if not near:
            return word.text
        span = log_probs[word.start : word.end]
        heard = self.vocab.spell(word.text)
        floor = ctc_log_likelihood(span, heard, self.vocab.blank) if heard else -np.inf
        scored = [
            (ctc_log_likelihood(span, self._spellings[c], self.vocab.blank), c) for c, _, _ in near
        ]
        score, candidate = max(scored)
        return candidate if score + self.bonus >= floor else word.text
