"""A discriminative model learnt from the intent examples at load, beside the fuzzy matcher.

It weighs every word by what it says across the whole catalogue.
Input is the `Lexicon`'s analysed stems (recogniser errors, compounds and fillers already
handled), so the model and the fuzzy matcher see the same words. Features are word unigrams and
bigrams plus character 3–5-grams of each stem (a compound half, a letter off), tf-idf weighted;
the classifier is a multinomial logistic regression (scikit-learn). Features are made here, not
by scikit-learn's vectorisers, whose per-call checks cost 20 times the arithmetic of one short
utterance.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

REGULARISATION = 8.0
"""Logistic regression's C: high enough to trust a word only one intent uses."""
CHAR_GRAMS = (3, 4, 5)


def features(stems: Sequence[str]) -> Counter[str]:
    """Word unigrams and bigrams, and each stem's character n-grams (with word boundaries)."""
    found: Counter[str] = Counter(f"w:{s}" for s in stems)
    found.update(f"b:{a} {b}" for a, b in zip(stems, stems[1:], strict=False))
    for s in stems:
        padded = f" {s} "
        found.update(
            f"c:{padded[i : i + n]}" for n in CHAR_GRAMS for i in range(len(padded) - n + 1)
        )
    return found


class LearntModel:
    """Intent probabilities for analysed stems; rebuilt whenever a new intent set is loaded.

    Args:
        samples: (analysed stems, intent id) for every example of every intent.
    """

    def __init__(self, samples: Sequence[tuple[Sequence[str], str]]) -> None:
        counted = [features(stems) for stems, _ in samples]
        labels = [intent for _, intent in samples]
        df = Counter(f for c in counted for f in c)
        self._column = {f: j for j, f in enumerate(sorted(df))}
        n = len(samples)
        self._idf = np.array([math.log((1 + n) / (1 + df[f])) + 1 for f in sorted(df)])
        self.intents: list[str] = sorted(set(labels))
        self._coef = np.zeros((len(self._column), 1))
        self._bias = np.zeros(1)
        if len(self.intents) < 2:  # one intent: nothing to tell apart
            return
        from sklearn.linear_model import LogisticRegression  # ~1 s: only where a set is loaded

        model = LogisticRegression(
            C=REGULARISATION, solver="sag", tol=1e-3, max_iter=1000, random_state=0
        )
        model.fit(self._matrix(counted), labels)
        self._coef = np.ascontiguousarray(model.coef_.T)
        self._bias = model.intercept_
        self.intents = [str(c) for c in model.classes_]

    def _vector(self, found: Counter[str]) -> tuple[list[int], np.ndarray]:
        """Column indices and l2-normalised sublinear tf-idf values of the known features."""
        cols = [self._column[f] for f in found if f in self._column]
        tf = np.array([1 + math.log(found[f]) for f in found if f in self._column])
        values = tf * self._idf[cols] if cols else tf
        norm = float(np.linalg.norm(values))
        return cols, values / norm if norm else values

    def _matrix(self, counted: Sequence[Counter[str]]) -> object:
        from scipy.sparse import csr_matrix

        rows, cols, values = [], [], []
        for r, found in enumerate(counted):
            c, v = self._vector(found)
            rows += [r] * len(c)
            cols += c
            values += list(v)
        return csr_matrix((values, (rows, cols)), shape=(len(counted), len(self._column)))

    def probabilities(self, stems: Sequence[str]) -> dict[str, float]:
        """Every intent's probability for what was said; the prior alone when nothing is known."""
        if len(self.intents) < 2:
            return dict.fromkeys(self.intents, 1.0)
        cols, values = self._vector(features(stems))
        logits = values @ self._coef[cols] + self._bias if cols else self._bias.copy()
        exp = np.exp(logits - logits.max())
        return dict(zip(self.intents, (exp / exp.sum()).tolist(), strict=True))

    def weights(self, stems: Sequence[str], intent: str, top: int = 6) -> list[tuple[str, float]]:
        """The features said that pull most for or against `intent` (for `match --explain`)."""
        if intent not in self.intents or len(self.intents) < 2:
            return []
        names = {j: f for f, j in self._column.items()}
        cols, values = self._vector(features(stems))
        row = self.intents.index(intent)
        pulls = [
            (names[j], float(v * self._coef[j, row])) for j, v in zip(cols, values, strict=True)
        ]
        pulls.sort(key=lambda pair: -abs(pair[1]))
        return [(f, round(w, 3)) for f, w in pulls[:top]]
