"""What each word says across one intent set: how specific, how much for each intent, which topic.

Whether a word tells a need, or names a topic, is read from here too. Built once per set from
the analysed examples; the matcher's scores and evidence rules read it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

from ..intents.catalogue import SYSTEM_TOPIC
from .danish_words import CALL_WORDS, STORY_WORDS
from .normalise import stem

NEVER_TELLING = frozenset(map(stem, CALL_WORDS | STORY_WORDS))
"""Words of any call or story ("ringer", "købe", "mor"): an example may use one, but it never
tells one need from another, however few examples use it."""
UNKNOWN_WORD_WEIGHT = 1.0
"""An unknown word weighs this share of the rarest known word: off-topic talk, or a word we miss."""
SUPPORT_DAMPING = 1.0
"""A word one example of an intent uses counts (1/k)^this as much as its most used word."""
TELLING_INTENTS = 3
"""A word of at most this many intents tells which one is meant; "søge", "hjælp" do not."""
TELLING_SHARE = 0.04
"""In a large catalogue a topic's word ("kørekort", five needs of 127) still tells: a word of
at most this share of the intents is telling too."""
OFTEN = 0.3
"""An intent's examples use a word often when at least this share as often as their most used
word. Only such a word speaks against another intent ("fylder" in one of folkepension's many
examples does not make "min søn fylder sytten … køreskole" a pension question), and only such
uses make a word one topic's."""


class WordWeights:
    """The words of one intent set, weighed.

    Args:
        examples: (intent id, its analysed stems) for every example.
        topics: every intent id, in the set's order, with its topic.
    """

    def __init__(
        self, examples: Sequence[tuple[str, frozenset[str]]], topics: Mapping[str, str]
    ) -> None:
        self._examples = examples
        self._topics = topics
        vocab: dict[str, set[str]] = {i: set() for i in topics}
        for intent, stems in examples:
            vocab[intent] |= stems
        df = Counter(s for stems in vocab.values() for s in stems)
        n = len(vocab)
        self.weight = {s: math.log(1 + n / count) for s, count in df.items()}
        """How specific a word is: log(1 + intents / intents using it)."""
        self.unknown_weight = UNKNOWN_WORD_WEIGHT * math.log(1 + n)
        self._telling = math.log(1 + n / max(TELLING_INTENTS, round(TELLING_SHARE * n)))
        self.strength = {intent: self._strengths(intent) for intent in vocab}
        """Intent → word → how much it speaks for it: specificity, damped if few examples use it."""
        self.topic_word = self._words_of_one_topic()

    def telling(self, word: str) -> bool:
        """A word few intents use: it tells which one is meant."""
        return word not in NEVER_TELLING and self.weight.get(word, 0.0) >= self._telling

    def often(self, intent: str, word: str) -> bool:
        """Do the intent's examples use the word often (OFTEN)?"""
        return self.strength[intent].get(word, 0.0) >= OFTEN * self.weight[word]

    def showing(self, intent: str, stems: Sequence[str]) -> set[str]:
        """The words said that show `intent`: its telling words, and its topic's words.

        A topic's word shows only when the turn names no other topic: "vi flytter og min mitid
        virker ikke" names two, and neither is shown by its topic's word alone.
        """
        topic = self._topics[intent]
        named = {self.topic_word.get(s) for s in stems} - {None, SYSTEM_TOPIC}
        alone = named <= {topic}
        return {s for s in stems if self.telling(s) or (alone and self.topic_word.get(s) == topic)}

    def _strengths(self, intent: str) -> dict[str, float]:
        counts = Counter(s for i, stems in self._examples if i == intent for s in stems)
        top = max(counts.values(), default=1)
        return {s: self.weight[s] * (c / top) ** SUPPORT_DAMPING for s, c in counts.items()}

    def _words_of_one_topic(self) -> dict[str, str]:
        """Words that two or more needs of one topic use often, and no other topic does.

        Shared by the topic's needs, such a word ("flytte", "mitid", "skole") is not telling,
        yet it names the topic: "jeg skal flytte fra min kone hvordan melder jeg ny adresse"
        shows a moving need as a telling word would. Which of the topic's needs is meant is
        still told apart (the matcher's `_tells_apart`, the margin and the topic question).
        """
        topics: dict[str, list[str]] = {}
        for intent, strength in self.strength.items():
            for s in strength:
                if s not in NEVER_TELLING and self.often(intent, s):
                    topics.setdefault(s, []).append(self._topics[intent])
        return {s: t[0] for s, t in topics.items() if len(t) > 1 and len(set(t)) == 1}
