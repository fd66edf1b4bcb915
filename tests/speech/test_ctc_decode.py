import itertools

import numpy as np
import pytest

from app.speech.ctc_decode import (
    LexiconDecoder,
    Vocabulary,
    ctc_log_likelihood,
    greedy,
    log_softmax,
)

VOCAB = Vocabulary.from_mapping({"<pad>": 0, "<unk>": 1, "|": 2, "a": 3, "b": 4, "k": 5, "g": 6})


def frames(*rows):
    """Log probabilities from per-frame probability rows over VOCAB's 7 tokens."""
    p = np.array(rows, dtype=np.float64) + 1e-6
    return np.log(p / p.sum(axis=1, keepdims=True))


def one_hot(*tokens, weight=0.9):
    rows = []
    for t in tokens:
        row = [(1 - weight) / 6] * 7
        row[t] = weight
        rows.append(row)
    return frames(*rows)


def test_hugging_face_vocabulary_blank_delimiter_and_specials():
    assert VOCAB.blank == 0
    assert VOCAB.letters[2] == " " and VOCAB.letters[1] == "" and VOCAB.letters[3] == "a"
    assert VOCAB.spell("bag") == [4, 3, 6] and VOCAB.spell("bæ") is None
    with pytest.raises(ValueError, match="blank"):
        Vocabulary.from_mapping({"a": 0, "b": 1})


def test_greedy_merges_repeats_drops_blanks_and_splits_words():
    # a a _ a | b _ k  →  "aa bk"
    lp = one_hot(3, 3, 0, 3, 2, 4, 0, 5)
    assert greedy(lp, VOCAB) == "aa bk"
    assert greedy(one_hot(0, 0, 1, 0), VOCAB) == ""


def test_forward_algorithm_sums_every_alignment():
    rng = np.random.default_rng(3)
    lp = log_softmax(rng.normal(size=(4, 7)))
    labels = [3, 3]  # "aa" needs a blank between the two a's

    def collapse(path):
        out = [k for k, _ in itertools.groupby(path)]
        return [t for t in out if t != 0]

    brute = np.logaddexp.reduce(
        [
            sum(lp[t, s] for t, s in enumerate(path))
            for path in itertools.product(range(7), repeat=4)
            if collapse(path) == labels
        ]
    )
    assert ctc_log_likelihood(lp, labels, 0) == pytest.approx(brute)
    assert ctc_log_likelihood(lp[:2], [3, 3, 3], 0) == -np.inf  # too few frames


def test_a_near_miss_is_recovered_when_the_audio_supports_the_lexicon_word():
    # "bak" heard as "bag": the g frame is 0.5 g / 0.4 k
    row = [0.02] * 7
    row[6], row[5] = 0.5, 0.4
    lp = np.concatenate([one_hot(4, 0, 3, 0), frames(row), one_hot(0)])
    assert greedy(lp, VOCAB) == "bag"
    assert LexiconDecoder(VOCAB, ["bak"]).decode(lp) == "bak"


def test_a_word_the_audio_does_not_support_stays_as_heard():
    lp = np.concatenate([one_hot(4, 0, 3, 0, 6, weight=0.99), one_hot(0)])
    assert LexiconDecoder(VOCAB, ["bak"]).decode(lp) == "bag"
    assert LexiconDecoder(VOCAB, ["kaka"]).decode(lp) == "bag"  # nothing near enough
    assert LexiconDecoder(VOCAB, []).decode(lp) == "bag"
