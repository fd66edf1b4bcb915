"""How well the matcher does on utterances it never learnt from (`voicebot intents eval`).

Three sources, none of them in the examples the matcher learns from: every intent's `tests:`,
a noised copy of them (a filler, a split or joined compound, a dropped or doubled letter), and an
out-of-scope list. Thresholds are chosen on cross-validation over the examples and the odd lines
of the out-of-scope list, then reported on the tests and the even lines, so the figures are not
tuned to the sentences they are measured on.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..intents.catalogue import IntentSet
from .danish_words import FILLER_WORDS, STOPWORDS
from .matcher import MODEL_SHARE, Matcher
from .normalise import Lexicon
from .verdict import Decision, Match, Thresholds

CONFIRM_WORTH = 0.8
"""A need reached by "Handler det om …?" and a "ja" is worth this much of a right answer (a turn
more), in the threshold search."""
MAX_OUT_OF_SCOPE_ASKED = 0.25
"""At most this share of out-of-scope questions may be met with "Handler det om …?" instead of a
refusal: a question back costs the caller a "nej", a wrong answer costs far more."""
MODEL_SHARES = (0.0, 0.25, 0.5, 0.75)
"""The blends of fuzzy matcher and learnt model `intents eval` tries."""
FILLER_INSERTS = ("øh", "altså", "ja hej jeg ringer fordi", "øhm", "ja altså")


def read_utterances(path: Path) -> list[str]:
    """Lines of a text file, without blanks and `#` comments."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def read_labelled(path: Path) -> tuple[list[str], list[str | None]]:
    """`text<TAB>intent` lines (an empty intent: out of scope); `#` comments skipped."""
    texts: list[str] = []
    labels: list[str | None] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        text, _, intent = line.partition("\t")
        texts.append(text.strip())
        labels.append(intent.strip() or None)
    return texts, labels


def noised(text: str, rng: random.Random) -> str:
    """A copy as a worse recogniser writes it: a filler, a compound split or joined, one typo.

    Splits fall after a leading part of at least four letters, joins fuse two content words,
    and the typo (one letter dropped or doubled) hits a content word of five letters or more:
    the mistakes recognisers make, not random byte damage.
    """
    words = text.split()
    content = [i for i, w in enumerate(words) if w not in STOPWORDS and w not in FILLER_WORDS]
    long_words = [i for i in content if len(words[i]) >= 9]
    pairs = [i for i in content if i + 1 in content]
    touched: set[int] = set()
    if long_words and (not pairs or rng.random() < 0.5):
        i = rng.choice(long_words)
        cut = rng.randrange(4, len(words[i]) - 3)
        words[i : i + 1] = [words[i][:cut], words[i][cut:]]
        touched = {i, i + 1}
    elif pairs:
        i = rng.choice(pairs)
        words[i : i + 2] = [words[i] + words[i + 1]]
        touched = {i}
    typo_targets = [
        i for i, w in enumerate(words) if len(w) >= 5 and w not in STOPWORDS and i not in touched
    ]
    if typo_targets:
        i = rng.choice(typo_targets)
        w, pos = words[i], rng.randrange(1, len(words[i]) - 1)
        words[i] = w[:pos] + w[pos + 1 :] if rng.random() < 0.5 else w[:pos] + w[pos] + w[pos:]
    words.insert(rng.randrange(len(words) + 1), rng.choice(FILLER_INSERTS))
    return " ".join(words)


@dataclass(frozen=True)
class Scores:
    """Figures for one labelled set."""

    name: str
    n: int
    top1: float
    answered: float
    wrong_answers: float
    rejected: float

    def line(self) -> str:
        """One row of the printed report."""
        return (
            f"{self.name:<28} n={self.n:<4} top-1 {self.top1:6.1%}   answered {self.answered:6.1%}"
            f"   wrong answers {self.wrong_answers:5.1%}   none {self.rejected:6.1%}"
        )


def score(name: str, expected: Sequence[str | None], matches: Sequence[Match]) -> Scores:
    """Top-1 (best intent right, whatever the decision), answer and wrong-answer rates."""
    n = len(matches)
    best = [m.nearest for m in matches]
    top1 = sum(b == e for b, e in zip(best, expected, strict=True))
    answered = [m for m in matches if m.decision is Decision.ANSWER]
    wrong = sum(
        m.intent != e
        for m, e in zip(matches, expected, strict=True)
        if m.decision is Decision.ANSWER
    )
    rejected = sum(m.decision is Decision.NONE for m in matches)
    return Scores(name, n, top1 / n, len(answered) / n, wrong / n, rejected / n)


def labelled_tests(intents: IntentSet) -> tuple[list[str], list[str]]:
    """(utterance, intent) pairs from every intent's `tests:`."""
    pairs = [(t, i.id) for i in intents.intents.values() for t in i.tests]
    return [t for t, _ in pairs], [i for _, i in pairs]


def folds(intents: IntentSet, k: int = 5) -> Iterable[tuple[IntentSet, list[str], list[str]]]:
    """k-fold cross-validation over examples: (training set, held-out texts, their intents)."""
    for fold in range(k):
        train, texts, labels = {}, [], []
        for intent in intents.intents.values():
            kept = tuple(e for j, e in enumerate(intent.examples) if j % k != fold)
            held = [e for j, e in enumerate(intent.examples) if j % k == fold]
            train[intent.id] = replace(intent, examples=kept or intent.examples[:1])
            texts += held if kept else []
            labels += [intent.id] * (len(held) if kept else 0)
        yield replace(intents, intents=train), texts, labels


def choose_thresholds(
    ranked: Sequence[tuple[str | None, float, float, str | None]],
    fallback: Thresholds,
    max_wrong: float = 0.04,
) -> Thresholds:
    """The cut-offs that answer most often while wrong answers stay under `max_wrong`.

    `ranked` holds (expected intent or None, best score, runner-up score, best intent);
    `fallback` is kept when no cut-offs meet the limits.
    """
    return _best_thresholds(ranked, fallback, max_wrong)[1]


def _best_thresholds(
    ranked: Sequence[tuple[str | None, float, float, str | None]],
    fallback: Thresholds,
    max_wrong: float = 0.04,
) -> tuple[float, Thresholds]:
    """`choose_thresholds`, with the value it reached (right answers, CONFIRM_WORTH a confirm).

    The grid is searched on arrays: the same decisions as `Thresholds.decide`, ~1,000× faster.
    """
    if not ranked:
        return 0.0, fallback
    s1 = np.array([r[1] for r in ranked], dtype=float)
    s2 = np.array([r[2] for r in ranked], dtype=float)
    right = np.array([b == e for e, _, _, b in ranked])
    oos = np.array([e is None for e, _, _, _ in ranked])
    n_oos = max(1, int(oos.sum()))
    best: tuple[float, Thresholds] | None = None
    for answer in [x / 100 for x in range(40, 96, 2)]:
        for margin in [x / 100 for x in range(0, 32, 2)]:
            answered = (s1 >= answer) & (s1 - s2 >= margin)
            wrong = int((answered & ~right).sum())
            if wrong / len(ranked) > max_wrong:
                continue
            good = int((answered & right).sum())
            for confirm in [x / 100 for x in range(24, int(answer * 100) + 1, 2)]:
                confirmed = ~answered & (s1 >= confirm)
                if int((confirmed & oos).sum()) / n_oos > MAX_OUT_OF_SCOPE_ASKED:
                    continue
                value = good + CONFIRM_WORTH * int((confirmed & right).sum())
                if best is None or value > best[0]:
                    best = (value, Thresholds(answer, confirm, margin))
    return best if best else (0.0, fallback)


def choose_blend(
    intents: IntentSet, fallback: Thresholds, out_of_scope: Sequence[str], k: int = 5
) -> tuple[float, Thresholds]:
    """The model share and cut-offs that do best on cross-validation (never on an eval set).

    Each share in MODEL_SHARES is tried over `k` folds of the examples plus `out_of_scope`.
    """
    best: tuple[float, float, Thresholds] | None = None
    for share in MODEL_SHARES:
        rows = []
        for train, texts, labels in folds(intents, k):
            rows += ranked_rows(Matcher(train, fallback, share), texts, labels)
        oos = Matcher(intents, fallback, share)
        rows += ranked_rows(oos, out_of_scope, [None] * len(out_of_scope))
        value, thresholds = _best_thresholds(rows, fallback)
        if best is None or value > best[0]:
            best = (value, share, thresholds)
    assert best is not None
    return best[1], best[2]


def ranked_rows(matcher: Matcher, texts: Sequence[str], labels: Sequence[str | None]) -> list:
    """(expected, best score, runner-up score, best intent) per utterance, for threshold search."""
    rows = []
    for text, label in zip(texts, labels, strict=True):
        scores = matcher.scores(text)
        s1 = scores[0][1] if scores else 0.0
        s2 = scores[1][1] if len(scores) > 1 else 0.0
        rows.append((label, s1, s2, scores[0][0] if scores else None))
    return rows


def report(
    intents: IntentSet,
    thresholds: Thresholds,
    out_of_scope: list[str],
    seed: int = 7,
    heldout: tuple[list[str], list[str | None]] | None = None,
    k: int = 5,
) -> str:
    """The full evaluation as printable text, with the thresholds the data suggests.

    `heldout` is a labelled set written apart from the intent files (`--heldout FILE`): the
    figures a municipality should trust, since nothing was tuned on it. Cross-validation uses
    `k` folds (each fold and model share is a fit of a few seconds).
    """
    texts, labels = labelled_tests(intents)
    rng = random.Random(seed)
    noisy = [noised(t, rng) for t in texts]
    tune_oos, held_oos = out_of_scope[::2], out_of_scope[1::2]

    cv_rows = []
    for train, held_texts, held_labels in folds(intents, k):
        cv_rows += ranked_rows(Matcher(train, thresholds), held_texts, held_labels)
    share, suggested = choose_blend(intents, thresholds, tune_oos, k)

    lines = [
        f"intent set {intents.version}: {len(intents.intents)} intents, "
        f"{sum(len(i.examples) for i in intents.intents.values())} examples",
        f"thresholds in use: answer {thresholds.answer:.2f}  confirm {thresholds.confirm:.2f}"
        f"  margin {thresholds.margin:.2f}  model share {MODEL_SHARE:.2f}",
    ]
    for name, t, blend in (
        ("in use", thresholds, MODEL_SHARE),
        ("suggested by cross-validation", suggested, share),
    ):
        m = Matcher(intents, t, blend)
        lines.append(
            f"\n== {name}: answer {t.answer:.2f} confirm {t.confirm:.2f} margin {t.margin:.2f}"
            f" model share {blend:.2f}"
        )
        lines.append(score("tests (clean)", labels, m.match_all(texts)).line())
        lines.append(score("tests (noised)", labels, m.match_all(noisy)).line())
        oos = score("out of scope (held out)", [None] * len(held_oos), m.match_all(held_oos))
        lines.append(oos.line())
        lines.append(
            score(
                "out of scope (all)", [None] * len(out_of_scope), m.match_all(out_of_scope)
            ).line()
        )
        everything = [*labels, *[None] * len(out_of_scope)]
        lines.append(
            score("tests + out of scope", everything, m.match_all([*texts, *out_of_scope])).line()
        )
        if heldout:
            lines += heldout_lines(m, heldout, seed)
        cv_texts = [r for r in cv_rows if r[0] is not None]
        cv_top1 = sum(r[3] == r[0] for r in cv_texts) / max(1, len(cv_texts))
        name = f"examples ({k}-fold CV)"
        lines.append(f"{name:<28} n={len(cv_texts):<4} top-1 {cv_top1:6.1%}")
    return "\n".join(lines)


def heldout_lines(
    matcher: Matcher, heldout: tuple[list[str], list[str | None]], seed: int
) -> list[str]:
    """Clean and noised figures on a held-out labelled set, and its out-of-scope rejection."""
    texts, labels = heldout
    labels = [lab if lab in matcher.intents.intents else None for lab in labels]  # no answer yet
    scope = [(t, lab) for t, lab in zip(texts, labels, strict=True) if lab]
    outside = [t for t, lab in zip(texts, labels, strict=True) if not lab]
    rng = random.Random(seed)
    in_texts, in_labels = [t for t, _ in scope], [lab for _, lab in scope]
    noisy = [noised(t, rng) for t in in_texts]
    return [
        score("held out (clean)", in_labels, matcher.match_all(in_texts)).line(),
        score("held out (noised)", in_labels, matcher.match_all(noisy)).line(),
        score("held out, out of scope", [None] * len(outside), matcher.match_all(outside)).line(),
    ]


@dataclass(frozen=True)
class Miss:
    """A regression failure: a `tests:` utterance taken for another intent, or a `not:` hit."""

    intent: str
    text: str
    found: str | None
    line: str
    """As printed: `koerekort: 'kørekortet skal fornyes' → pas (answer 0.61)`."""


def misses(intents: IntentSet, thresholds: Thresholds) -> list[Miss]:
    """Each `tests:` utterance whose best intent is not its own, and each `not:` that matches."""
    matcher = Matcher(intents, thresholds)
    out = []
    for intent in intents.intents.values():
        for text in intent.tests:
            m = matcher.match(text)
            if m.nearest != intent.id:
                line = (
                    f"{intent.id}: '{text}' → {m.nearest} ({m.decision.value} {m.confidence:.2f})"
                )
                out.append(Miss(intent.id, text, m.nearest, line))
        for text in intent.near_misses:
            m = matcher.match(text)
            if m.intent == intent.id:
                line = f"{intent.id}: near miss '{text}' matched ({m.decision.value})"
                out.append(Miss(intent.id, text, m.intent, line))
    return out


def said_alike(intents: IntentSet) -> list[list[tuple[str, str]]]:
    """Examples of different intents that the matcher reads as the same words.

    Once synonyms, stems and dropped words are applied, "jeg flytter til sverige" (flytning) and
    "jeg flytter til udlandet" (udrejse) are one utterance: whichever wins, the other intent's
    callers are asked back or answered wrongly. Each group is (intent, example) pairs.
    """
    every = [e for intent in intents.intents.values() for e in intent.examples]
    lexicon = Lexicon(every, intents.synonyms())  # as the matcher reads them
    groups: dict[frozenset[str], list[tuple[str, str]]] = {}
    for intent in intents.intents.values():
        for example in intent.examples:
            words = frozenset(lexicon.analyse(example))
            if words:
                groups.setdefault(words, []).append((intent.id, example))
    return [g for g in groups.values() if len({i for i, _ in g}) > 1]


def confusable_pairs(intents: IntentSet, thresholds: Thresholds) -> list[tuple[str, str, int]]:
    """(intent, taken for, how many) over examples held out by cross-validation, worst first.

    An example that, left out of training, scores highest for another intent marks two intents
    an editor should tell apart better.
    """
    counts: dict[tuple[str, str], int] = {}
    for train, texts, labels in folds(intents):
        for own, _, _, best in ranked_rows(Matcher(train, thresholds), texts, labels):
            if best and best != own:
                counts[(str(own), best)] = counts.get((str(own), best), 0) + 1
    return sorted(((a, b, n) for (a, b), n in counts.items()), key=lambda t: (-t[2], t[0]))
