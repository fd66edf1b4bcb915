"""Which intent a transcript means, how sure we are, and whether to answer, confirm or ask again.

Scoring works on the content stems `Lexicon.analyse` returns. Three views are blended:
coverage (how much of what the caller said an intent's vocabulary explains, words weighted by
how specific they are to one intent), closeness to the single nearest example, and a model
learnt from all examples (`model.py`). Words no example uses weigh against every intent, which
is what sends "hvad bliver vejret i morgen" to `none`. The decision then asks for evidence (a
telling word said), judges a story clause by clause, and, when near needs of one topic cannot
be told apart, leaves it to the flow's topic question (`choices`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ..intents.catalogue import SYSTEM_TOPIC, IntentSet
from .danish_words import ANIMALS, HURRY
from .model import LearntModel
from .normalise import Lexicon, stem
from .verdict import Decision, Match, Thresholds
from .word_weights import NEVER_TELLING, WordWeights

_ANIMAL_STEMS = frozenset(map(stem, ANIMALS))
_HURRY = stem(HURRY)

_CONJUNCTIONS = re.compile(r"\b(?:og så|og|samt|plus)\b", re.IGNORECASE)
"""Where one turn may hold two requests."""
_CLAUSE_START = re.compile(
    r"[.,;:!?]+|\s+(?=(?:og|men|fordi|så|hvor|hvordan|hvem|hvad|hvornår|hvis|når|eller|derfor"
    r"|nu|kan|skal|må)\b)",
    re.IGNORECASE,
)
"""Where a clause of a long turn may begin: a question word, a conjunction, a modal verb."""
_QUESTION = re.compile(
    r"(?:hvordan|hvor|hvem|hvad|hvornår|hvilken|hvilke"
    r"|(?:kan|skal|må) (?:jeg|man|vi|i|du|han|hun|de|min|mit|mine)\b)\b",
    re.IGNORECASE,
)
"""A clause that asks: in a story, what the caller wants to know. A modal asks only before its
subject ("kan jeg …"); "… jeg | kan ikke logge på" is a statement, split where "kan" begins."""
STORY_LENGTH = 6
"""A turn of more content words than this is a story: its best clause may carry the need."""
MAX_CHOICES = 3
"""Needs one topic question may name: more, and a caller forgets the first."""
CHOICE_FLOOR = 0.2
"""A topic question is asked only when the best intent scores at least this."""
CHOICE_SHARE = 0.5
"""…and only of intents scoring at least this share of the best (the topic's near needs)."""
SURE_WITHOUT_TELLING = 0.75
"""Without a telling word, answer only at this confidence ("jeg er lige flyttet"), since
"hjælp" alone fits home care, benefits and a goodbye alike."""
COVERAGE_SHARE = 0.4
"""Blend of coverage and nearest-example closeness; chosen with `voicebot intents eval`."""
MODEL_SHARE = 0.5
"""Share of the learnt model's probability in the score; the rest is the fuzzy matcher's.
Chosen by `voicebot intents eval` on cross-validation, never on the eval set."""


Verdict = tuple[str, float, Decision, str]
"""An intent, its score, the decision and the rule that made it."""


def _surest(verdicts: list[Verdict]) -> Verdict | None:
    """An answer before a confirm, then the higher score."""
    rank = {Decision.ANSWER: 2, Decision.CONFIRM: 1}
    return max(verdicts, key=lambda v: (rank[v[2]], v[1]), default=None)


def _asks_otherwise(
    clauses: list[tuple[bool, Verdict | None]], asked: Verdict | None, intent: str
) -> bool:
    """Does the story ask a question that is not about `intent`?

    "min far er på plejehjem … hvordan kan vi hjælpe ham med hans post": the nursing home is
    context; what is asked is about his post.
    """
    if asked is not None:
        return asked[0] != intent
    return any(asks for asks, _ in clauses)


class Matcher:
    """Scores every intent of one `IntentSet`; built once per set, then read-only."""

    def __init__(
        self,
        intents: IntentSet,
        thresholds: Thresholds,
        model_share: float = MODEL_SHARE,
        model_cache: Path | None = None,
    ) -> None:
        self.intents = intents
        self.thresholds = thresholds
        self.model_share = model_share
        examples = [(i.id, e) for i in intents.intents.values() for e in i.examples]
        self.lexicon = Lexicon([e for _, e in examples], intents.synonyms())
        self._examples: list[tuple[str, frozenset[str]]] = []
        samples: list[tuple[list[str], str]] = []
        for intent_id, example in examples:
            analysed = self.lexicon.analyse(example)
            if analysed:
                samples.append((analysed, intent_id))
                self._examples.append((intent_id, frozenset(analysed)))
        self.words = WordWeights(self._examples, {i.id: i.topic for i in intents.intents.values()})
        self._using: dict[str, list[int]] = {}
        """Stem → the examples (by index) that use it."""
        for j, (_, example) in enumerate(self._examples):
            for s in example:
                self._using.setdefault(s, []).append(j)
        self._example_weight = [sum(self.words.weight[s] for s in e) for _, e in self._examples]
        self._written: dict[frozenset[str], set[str]] = {}
        """An example's words → the intents an editor wrote exactly those words for."""
        for intent_id, example in self._examples:
            self._written.setdefault(example, set()).add(intent_id)
        self.model = LearntModel(samples, model_cache)

    def scores(self, text: str) -> list[tuple[str, float]]:
        """Every intent with its score in 0–1, best first; empty when nothing is said."""
        return self._ranked(self.lexicon.analyse(text))

    def _ranked(self, analysed: list[str]) -> list[tuple[str, float]]:
        stems = list(dict.fromkeys(analysed))
        if not stems:
            return []
        coverage, nearest, learnt = self._views(stems)
        share = self.model_share
        ranked = [
            (
                i,
                (1 - share) * (COVERAGE_SHARE * coverage[i] + (1 - COVERAGE_SHARE) * nearest[i])
                + share * learnt.get(i, 0.0),
            )
            for i in self.words.strength
        ]
        return sorted(ranked, key=lambda pair: pair[1], reverse=True)

    def _views(
        self, stems: list[str]
    ) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
        """Coverage, nearest-example closeness and the model's probability, by intent."""
        total = sum(self.words.weight.get(s, self.words.unknown_weight) for s in stems)
        coverage = {
            intent: sum(strength.get(s, 0.0) for s in stems) / total
            for intent, strength in self.words.strength.items()
        }
        said = frozenset(stems)
        nearest = dict.fromkeys(self.words.strength, 0.0)
        sharing = {j for s in said for j in self._using.get(s, ())}  # others score 0
        for j in sharing:
            intent = self._examples[j][0]
            nearest[intent] = max(nearest[intent], self._closeness(said, j, total))
        return coverage, nearest, self.model.probabilities(stems)

    def explain(self, text: str) -> dict[str, object]:
        """The evidence behind `match(text)`: words, their weights, each view's score.

        For admins reading a miss (`voicebot match --explain`): which words were heard, which
        no example knows, what speaks for the nearest intents, and the decision's rule.
        """
        found = self.match(text)
        analysed, guesses = self.lexicon.analyse_marked(text)
        stems = list(dict.fromkeys(analysed))
        coverage, nearest, learnt = self._views(stems) if stems else ({}, {}, {})
        ranked = [(found.nearest, found.confidence)] if found.intent else []
        candidates = []
        for intent, score in [*ranked, *found.alternatives][:3]:
            strength = self.words.strength[intent]
            candidates.append(
                {
                    "intent": intent,
                    "score": round(score, 3),
                    "coverage": round(coverage.get(intent, 0.0), 3),
                    "nearest_example": round(nearest.get(intent, 0.0), 3),
                    "model": round(learnt.get(intent, 0.0), 3),
                    "words": {s: round(strength[s], 2) for s in stems if s in strength},
                    "telling": sorted(self.words.showing(intent, stems) & strength.keys()),
                    "model_features": self.model.weights(stems, intent),
                }
            )
        return {
            **found.as_dict(),
            "why": found.why,
            "heard": stems,
            "guessed": sorted(guesses),
            "unknown": [s for s in stems if s not in self.words.weight],
            "candidates": candidates,
        }

    def match(self, text: str) -> Match:
        """The best intent for a transcript, with a decision the flow can act on.

        A story ("min mor er lige kommet hjem … hvem kan hjælpe hende") is judged on the whole
        and on each clause: a clause that clearly asks for one of the whole turn's three best
        intents answers for the turn, since the rest of a story is context, not the request.
        """
        stems, guesses = self.lexicon.analyse_marked(text)
        ranked = self._ranked(stems)
        if not ranked or ranked[0][1] <= 0:
            return Match(text, None, 0.0, Decision.NONE, (), "nothing any example says")
        best, confidence, decision, why = self._decide(ranked, stems, guesses)
        if len(set(stems)) > STORY_LENGTH:
            clauses = self._clauses(text, {i for i, _ in ranked[:3]})
            asked = _surest([v for asks, v in clauses if asks and v])
            clause = _surest([v for _, v in clauses if v])
            if asked and asked[2] is Decision.ANSWER and asked[0] != best:
                clause = asked  # "vi er flyttet … hvordan finder jeg en ny læge": the question
            elif decision is Decision.ANSWER or not clause:
                clause = None
            elif clause[2] is not Decision.ANSWER and decision is not Decision.NONE:
                clause = None
            elif clause[0] != best or _asks_otherwise(clauses, asked, clause[0]):
                # context wants what the whole, or the story's own question, does not: ask
                clause = (*clause[:2], Decision.CONFIRM, clause[3])
            if clause:
                best, confidence, decision, why = clause
                why = f"a clause of the story: {why}"
                ranked = [(best, confidence), *((i, c) for i, c in ranked if i != best)]
        alternatives = tuple((i, c) for i, c in ranked[1:4] if c > 0)
        if decision is Decision.NONE:
            near = ((best, confidence), *alternatives)
            return Match(text, None, confidence, decision, near, why)
        return Match(text, best, confidence, decision, alternatives, why)

    def _decide(
        self, ranked: list[tuple[str, float]], stems: list[str], guesses: frozenset[str]
    ) -> Verdict:
        """The decision on one ranking, and the rule that made it (for `--explain`)."""
        (best, confidence), runner_up = ranked[0], ranked[1][1] if len(ranked) > 1 else 0.0
        decision = self.thresholds.decide(confidence, runner_up)
        t = self.thresholds
        why = {
            Decision.ANSWER: f"score ≥ {t.answer:.2f} and ≥ {t.margin:.2f} above the runner-up",
            Decision.CONFIRM: f"score ≥ {t.confirm:.2f} but not sure or not clear enough",
            Decision.NONE: f"score under {t.confirm:.2f}",
        }[decision]
        if decision is not Decision.NONE and _HURRY in stems and NEVER_TELLING.issuperset(stems):
            # "hvad bliver vejret i morgen": when, but not what
            return best, confidence, Decision.NONE, "a date, and no word of a need"
        evidence, telling, unknown = self._evidence(best, stems, guesses)
        animals = _ANIMAL_STEMS.intersection(stems)
        own = self.words.strength[best]
        if decision is not Decision.NONE and animals and animals.isdisjoint(own):
            return best, confidence, Decision.NONE, "about an animal, which its examples never are"
        if decision is not Decision.NONE and unknown and not telling:
            return best, confidence, Decision.NONE, "only shared words, beside words none knows"
        if decision is Decision.CONFIRM and confidence < t.answer and not telling:
            # "hvor lang tid tager det": ask about a need only when a word said names it
            return best, confidence, Decision.NONE, "unsure, and no word said tells it"
        written = set() if guesses & set(stems) else self._written.get(frozenset(stems), set())
        if decision is Decision.ANSWER and written == {best}:
            return best, confidence, decision, "said as one of its own examples"
        shown = self._evident(evidence, telling, unknown, confidence)
        if decision is Decision.ANSWER and not shown:
            decision = Decision.CONFIRM  # near, but not shown to be it: ask, never assume
            why = "near, but no telling word outweighs the unknown words"
        if decision is Decision.ANSWER and sum(map(self.words.telling, evidence)) == 1:
            other = self._contrary(best, stems, guesses)
            if other:  # "et sommerjob på genbrugspladsen": one word for it, one for a job
                decision = Decision.CONFIRM
                why = f"its one word said stands beside a telling word of {other}"
        if decision is Decision.ANSWER and runner_up >= CHOICE_SHARE * confidence:
            if not self._tells_apart(best, ranked[1][0], stems):
                decision = Decision.CONFIRM  # "hjemmeplejen": applying, or a visit? ask
                why = f"no word said tells it from {ranked[1][0]}"
        return best, confidence, decision, why

    def _contrary(self, best: str, stems: list[str], guesses: frozenset[str]) -> str | None:
        """An intent of another topic that a telling word said speaks for, not `best`'s own.

        The word must be one its examples use often (`WordWeights.often`), not one a single
        example of many happens to hold.
        """
        topic = self.intents.intents[best].topic
        own = self.words.strength[best]
        for s in stems:
            if s in own or s in guesses or not self.words.telling(s):
                continue
            for other in self.words.strength:
                theirs = self.intents.intents[other].topic
                if self.words.often(other, s) and theirs not in (topic, SYSTEM_TOPIC):
                    return other
        return None

    def _tells_apart(self, best: str, other: str, stems: list[str]) -> bool:
        """Is a telling word said that `best`'s examples use and a near `other`'s do not?"""
        own, theirs = self.words.strength[best], self.words.strength[other]
        return any(s in own and s not in theirs and self.words.telling(s) for s in stems)

    def _clauses(self, text: str, near: set[str]) -> list[tuple[bool, Verdict | None]]:
        """Each clause of two or more content words, judged once.

        Whether it asks ("hvordan …", "kan jeg …"), and its verdict when it names one of the
        `near` intents and decides something.
        """
        found: list[tuple[bool, Verdict | None]] = []
        for part in _CLAUSE_START.split(text):
            stems, guesses = self.lexicon.analyse_marked(part)
            if len(set(stems)) < 2:
                continue
            ranked = self._ranked(stems)
            verdict = self._decide(ranked, stems, guesses) if ranked[0][0] in near else None
            if verdict and (
                verdict[2] is Decision.NONE
                # "… og virker sulten": only a guess ("salte") speaks for it, so nothing does
                or not self._evidence(verdict[0], stems, guesses)[0]
            ):
                verdict = None
            found.append((bool(_QUESTION.match(part.strip())), verdict))
        return found

    def choices(self, match: Match) -> tuple[str, ...]:
        """The near needs of one topic to ask between, when a match is not an answer.

        "hjemmeplejen" said alone may mean applying for help, a visit or a complaint: if the
        nearest intents (up to three) that score at least CHOICE_SHARE of the best share its
        topic, the caller is asked which ("Handler det om …, … eller …?"). Empty otherwise.
        """
        if match.decision is Decision.ANSWER or not match.nearest:
            return ()
        ranked = [(match.nearest, match.confidence)] if match.intent else []
        ranked += list(match.alternatives)
        best, top = ranked[0]
        topic = self.intents.intents[best].topic
        if top < CHOICE_FLOOR or topic == SYSTEM_TOPIC:
            return ()
        near = [i for i, c in ranked if c >= CHOICE_SHARE * top]
        same = [i for i in near if self.intents.intents[i].topic == topic]
        if len(same) < 2 or len(same) < len(near):  # another topic is as near: no one topic
            return ()
        order = list(self.intents.intents)  # the same order every time a topic is asked
        return tuple(sorted(same[:MAX_CHOICES], key=order.index))

    def is_story(self, text: str) -> bool:
        """A turn long enough to tell a story around its request (STORY_LENGTH content words)."""
        return len(set(self.lexicon.analyse(text))) > STORY_LENGTH

    def requests(self, text: str) -> list[str]:
        """The topical intents a turn asks for, in the order said ("… flytte og … sundhedskort").

        Each part between "og", "samt" … must be clear on its own; one request, or none, gives
        a list of at most one.
        """
        parts = [p for p in _CONJUNCTIONS.split(text) if p.strip()]
        found: list[str] = []
        for part in parts if len(parts) > 1 else ():
            match = self.match(part)
            intent = self.intents.intents.get(match.intent or "")
            clear = match.decision is Decision.ANSWER and intent and intent.topic != SYSTEM_TOPIC
            if clear and intent.id not in found:  # type: ignore[union-attr]
                found.append(intent.id)  # type: ignore[union-attr]
        return found

    @staticmethod
    def _evident(evidence: list[str], telling: float, unknown: float, confidence: float) -> bool:
        """Does what was said (as `_evidence` counts it) show the intent, not merely come near?

        It must name at least one of the intent's telling words as said (of at most
        TELLING_INTENTS intents: "tilskud", not "søge" or "hjælp"; a spelling guess is no
        evidence), and those must outweigh the words no intent knows. In "hvornår har
        biblioteket åbent" the library is what is asked about, and no answer knows it; a tie
        is asked back too.
        """
        if not telling:  # only words many intents share ("flyttet", "hjælp"): sure, or ask
            return not unknown and bool(evidence) and confidence >= SURE_WITHOUT_TELLING
        return telling > unknown

    def _evidence(
        self, intent: str, stems: list[str], guesses: frozenset[str]
    ) -> tuple[list[str], float, float]:
        """The intent's words said (not guessed), their telling weight, the unknown words'."""
        said = set(stems)
        strength = self.words.strength[intent]
        evidence = [s for s in said if s in strength and s not in guesses]
        showing = self.words.showing(intent, stems)
        telling = sum(self.words.weight[s] for s in evidence if s in showing)
        unknown = sum(self.words.unknown_weight for s in said if s not in self.words.weight)
        return evidence, telling, unknown

    def match_all(self, texts: Sequence[str]) -> list[Match]:
        """`match` over many lines (the CLI and the eval)."""
        return [self.match(t) for t in texts]

    def _closeness(self, said: frozenset[str], j: int, said_weight: float) -> float:
        """Weighted F1 of the words said and example `j`'s words."""
        shared = sum(self.words.weight[s] for s in said & self._examples[j][1])
        if not shared:
            return 0.0
        precision = shared / said_weight
        recall = shared / self._example_weight[j]
        return 2 * precision * recall / (precision + recall)
