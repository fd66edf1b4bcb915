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

import hashlib
import json
import logging
import math
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

REGULARISATION = 8.0
"""Logistic regression's C: high enough to trust a word only one intent uses."""
CHAR_GRAMS = (3, 4, 5)
MODEL_VERSION = "1"
"""Part of every cache key: change it when features or training change."""
MEMO_SIZE = 8
"""Fitted models kept in this process (tests and reloads build the same set again and again)."""
Params = tuple[list[str], np.ndarray, np.ndarray, np.ndarray, list[str]]
"""Feature columns, their idf, coefficients (feature × intent), biases, intent ids."""
_FITTED: dict[str, Params] = {}


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

    A fit is kept in this process and, with `cache_dir`, on disk under a key of its samples, so
    a restart, a second worker or a test's fresh server loads it in milliseconds instead of
    importing scikit-learn and training again.

    Args:
        samples: (analysed stems, intent id) for every example of every intent.
        cache_dir: where fitted models are kept (`DATA_DIR/models`), or None.
    """

    def __init__(
        self, samples: Sequence[tuple[Sequence[str], str]], cache_dir: Path | None = None
    ) -> None:
        key = _key(samples)
        found = _FITTED.get(key) or (_load(cache_dir / f"{key}.npz") if cache_dir else None)
        if found is None:
            found = _fit(samples)
            if cache_dir is not None:
                _save(cache_dir / f"{key}.npz", found)
        _FITTED[key] = found
        while len(_FITTED) > MEMO_SIZE:
            _FITTED.pop(next(iter(_FITTED)))
        columns, self._idf, self._coef, self._bias, intents = found
        self._column = {f: j for j, f in enumerate(columns)}
        self.intents: list[str] = list(intents)

    def _vector(self, found: Counter[str]) -> tuple[list[int], np.ndarray]:
        return _vector(found, self._column, self._idf)

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


def _vector(
    found: Counter[str], column: dict[str, int], idf: np.ndarray
) -> tuple[list[int], np.ndarray]:
    """Column indices and l2-normalised sublinear tf-idf values of the known features."""
    cols = [column[f] for f in found if f in column]
    tf = np.array([1 + math.log(found[f]) for f in found if f in column])
    values = tf * idf[cols] if cols else tf
    norm = float(np.linalg.norm(values))
    return cols, values / norm if norm else values


def _key(samples: Sequence[tuple[Sequence[str], str]]) -> str:
    """What a fitted model depends on: its samples, features and training settings."""
    data = json.dumps(
        [MODEL_VERSION, REGULARISATION, CHAR_GRAMS, [[list(s), i] for s, i in samples]]
    )
    return hashlib.sha256(data.encode()).hexdigest()[:24]


def _fit(samples: Sequence[tuple[Sequence[str], str]]) -> Params:
    """Train on the samples (scikit-learn, imported here: ~1 s, only when no cache has it)."""
    counted = [features(stems) for stems, _ in samples]
    labels = [intent for _, intent in samples]
    df = Counter(f for c in counted for f in c)
    columns = sorted(df)
    n = len(samples)
    idf = np.array([math.log((1 + n) / (1 + df[f])) + 1 for f in columns])
    intents = sorted(set(labels))
    if len(intents) < 2:  # one intent: nothing to tell apart
        return columns, idf, np.zeros((len(columns), 1)), np.zeros(1), intents
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    column = {f: j for j, f in enumerate(columns)}
    rows, cols, values = [], [], []
    for r, found in enumerate(counted):
        c, v = _vector(found, column, idf)
        rows += [r] * len(c)
        cols += c
        values += list(v)
    x = csr_matrix((values, (rows, cols)), shape=(len(counted), len(columns)))
    model = LogisticRegression(
        C=REGULARISATION, solver="sag", tol=1e-3, max_iter=1000, random_state=0
    )
    model.fit(x, labels)
    coef, bias = model.coef_.T, model.intercept_
    if coef.shape[1] == 1:  # two intents: one column is the second against the first
        coef, bias = np.hstack([np.zeros_like(coef), coef]), np.array([0.0, bias[0]])
    return columns, idf, np.ascontiguousarray(coef), bias, [str(c) for c in model.classes_]


def _load(path: Path) -> Params | None:
    """A model saved by `_save`, or None when there is none (or it cannot be read)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return (
                [str(c) for c in data["columns"]],
                data["idf"],
                data["coef"],
                data["bias"],
                [str(i) for i in data["intents"]],
            )
    except (OSError, KeyError, ValueError):
        return None


def _save(path: Path, params: Params) -> None:
    """Write atomically beside the others; a failure only costs the next process a fit."""
    columns, idf, coef, bias, intents = params
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        staged = path.with_name(f".{path.stem}.{os.getpid()}.npz")
        np.savez(
            staged,
            columns=np.array(columns),
            idf=idf,
            coef=coef,
            bias=bias,
            intents=np.array(intents),
        )
        os.replace(staged, path)
    except OSError as exc:
        log.warning("model cache not written: %s", exc)
