"""Transducer decoding pinned on small joints whose scores are tables: greedy steps, the forward
algorithm against every alignment enumerated, and the vocabulary file."""

import functools

import numpy as np
import pytest

from app.speech.ctc_decode import log_softmax
from app.speech.transducer_decode import GreedyDecoder, Tokens, log_likelihood

PIECES = ("▁", "a", "b", "▁ab", "<unk>", "<blk>")
TOKENS = Tokens(PIECES, blank=5)


class TableJoint:
    """Scores that depend on the frame (its first column is the frame's index) and the token
    fed last; the "state" counts the tokens fed, so a test can see it carried."""

    def __init__(self, table, durations=()):
        self.table = np.asarray(table, float)  # [frames, previous token, vocab (+durations)]
        self.blank = 5
        self.durations = durations

    def initial_state(self):
        return (np.zeros((1, 1, 1)),)

    def step(self, frames, token, state):
        rows = self.table[frames[:, 0].astype(int), token]
        if self.durations:
            n = len(self.durations)
            rows = np.concatenate([log_softmax(rows[:, :-n]), log_softmax(rows[:, -n:])], axis=1)
        else:
            rows = log_softmax(rows)
        return rows, (state[0] + 1,)


def frames(n):
    return np.arange(n, dtype=float)[:, None]


def random_joint(n_frames, durations=(), seed=0):
    rng = np.random.default_rng(seed)
    return TableJoint(rng.normal(size=(n_frames, 6, 6 + len(durations))), durations)


def every_alignment(joint, n_frames, ids):
    """log P(ids) by recursion over every path (independent of the dynamic programme)."""
    ids = tuple(ids)

    @functools.cache
    def rest(t, u, previous):
        if t == n_frames:
            return 0.0 if u == len(ids) else -np.inf
        row, _ = joint.step(frames(n_frames)[t : t + 1], previous, (np.zeros(1),))
        row = row[0]
        total = -np.inf
        vocab = len(row) - len(joint.durations)
        moves = zip(joint.durations, row[vocab:], strict=True) if joint.durations else [(None, 0)]
        for d, d_score in moves:
            token_step, blank_step = (0, 1) if d is None else (d, d)
            if u < len(ids) and t + token_step <= n_frames:
                total = np.logaddexp(
                    total, row[ids[u]] + d_score + rest(t + token_step, u + 1, ids[u])
                )
            if blank_step > 0 and t + blank_step <= n_frames:
                total = np.logaddexp(total, row[5] + d_score + rest(t + blank_step, u, previous))
        return total

    return rest(0, 0, 5)


@pytest.mark.parametrize("n_frames, ids", [(1, [1]), (3, [1, 2]), (4, [0, 1, 1]), (5, [])])
def test_rnnt_forward_algorithm_sums_every_alignment(n_frames, ids):
    joint = random_joint(n_frames)
    got = log_likelihood(joint, frames(n_frames), ids, 5, joint.initial_state())
    assert got == pytest.approx(every_alignment(joint, n_frames, ids))


@pytest.mark.parametrize("n_frames, ids", [(2, [1]), (4, [1, 2]), (5, [0, 1, 1])])
def test_tdt_forward_algorithm_sums_every_alignment_with_durations(n_frames, ids):
    joint = random_joint(n_frames, durations=(0, 1, 2), seed=n_frames)
    got = log_likelihood(joint, frames(n_frames), ids, 5, joint.initial_state())
    assert got == pytest.approx(every_alignment(joint, n_frames, ids))


def test_greedy_decoding_stays_on_a_frame_while_it_emits_and_carries_state_across_chunks():
    table = np.full((4, 6, 6), -10.0)
    table[:, :, 5] = 0.0  # the blank, unless a frame says otherwise
    table[0, 5, 1] = 5.0  # frame 0 after nothing: "a", then "b" after "a"
    table[0, 1, 2] = 5.0
    table[2, 2, 0] = 5.0  # frame 2 after "b": a new word
    decoder = GreedyDecoder(TableJoint(table), max_tokens=10)
    decoder.feed(frames(2))
    decoder.feed(frames(4)[2:])
    assert [(e.token, e.frame) for e in decoder.emissions] == [(1, 0), (2, 0), (0, 2)]
    assert [int(e.state[0].sum()) for e in decoder.emissions] == [0, 1, 2]


def test_greedy_decoding_emits_at_most_max_tokens_on_one_frame():
    table = np.full((2, 6, 6), -10.0)
    table[:, :, 5] = 0.0
    table[0, :, 1] = 5.0  # frame 0 would write "a" for ever
    decoder = GreedyDecoder(TableJoint(table), max_tokens=3)
    decoder.feed(frames(2))
    assert [e.token for e in decoder.emissions] == [1, 1, 1]


def test_tdt_greedy_decoding_skips_the_predicted_duration_even_across_chunks():
    table = np.full((5, 6, 9), -10.0)
    table[:, :, 5] = 0.0
    table[:, :, 6 + 1] = 0.0  # duration 1 by default
    table[0, 5, 1] = 5.0  # frame 0: "a", and skip 3 frames
    table[0, 5, 6 + 1], table[0, 5, 6 + 2] = -10.0, 5.0
    table[3, :, 2] = 5.0  # frame 3: "b" (frames 1 and 2 would say "a" too)
    table[1, :, 1] = table[2, :, 1] = 5.0
    decoder = GreedyDecoder(TableJoint(table, durations=(0, 1, 3)), max_tokens=1)
    decoder.feed(frames(2))
    decoder.feed(frames(5)[2:])
    assert [(e.token, e.frame) for e in decoder.emissions] == [(1, 0), (2, 3)]


def test_the_vocabulary_file_its_words_and_spellings():
    tokens = Tokens.from_lines(["▁ 0", "a 1", "b 2", "▁ab 3", "<unk> 4", "<blk> 5", ""])
    assert tokens == TOKENS
    assert tokens.text([3, 1, 4, 0, 2, 1]) == "aba ba"
    assert tokens.spell("ab") == [3] and tokens.spell("ba") == [0, 2, 1]
    assert tokens.spell("abc") is None
    for lines, message in [
        (["a 0", "b 1"], "no <blk>"),
        (["a 0", "<blk> 2"], "not 0..n-1"),
        (["a"], "not 'token id'"),
    ]:
        with pytest.raises(ValueError, match=message):
            Tokens.from_lines(lines)
