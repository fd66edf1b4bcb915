"""Danish text as a speech recogniser writes it, turned into comparable word stems.

Recognisers write lower case without punctuation, split or join compounds at will ("køre kort",
"kørekortet"), keep fillers ("øh", "altså", "ja hej jeg ringer fordi") and now and then get one
letter wrong. `Lexicon` undoes that against the words the intent examples use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from .danish_words import (
    ENGLISH_TERMS,
    EVERYDAY,
    FILLER_PHRASES,
    FILLER_WORDS,
    FOREIGN,
    HESITATIONS,
    KEPT_STEMS,
    LEADING_ANSWERS,
    PLACE_PHRASES,
    PLACE_PREPOSITIONS,
    SHORTHAND,
    SOON,
    STOPWORDS,
)

_NON_WORD = re.compile(r"[\W_]+")
REPAIRS_KEPT = 50_000
"""Repaired words a lexicon remembers before it starts over (a few MB at most)."""
_VOWELS = frozenset("aeiouyæøå")
_SMALL_WORDS = STOPWORDS | EVERYDAY
"""Words a recogniser runs into the next ("nytpas", "kommetendnu"): one half of such a run is
enough to split it, when the other half is known."""

_stem = snowballstemmer.stemmer("danish").stemWord


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """Snowball stem, cached: the same few thousand words recur in every call."""
    return KEPT_STEMS.get(word) or _stem(word)


def tokens(text: str) -> list[str]:
    """Lower-case words, punctuation dropped, shorthand written out; any script's letters kept."""
    words = _NON_WORD.sub(" ", text.lower().replace("aa", "å")).split()
    return [part for w in words for part in SHORTHAND.get(w, w).split()]


def focus(words: list[str]) -> list[str]:
    """The words that carry the request.

    A leading ja/nej before more words is dropped ("ja jeg vil høre om vejret" is about the
    weather, "nej tak det var alt" is a goodbye), but not before a mere "tak" ("nej tak"); and
    so is what a caller negates before "men" ("ikke et nyt pas men et nyt kørekort").
    """
    if "ikke" in words and "men" in words[words.index("ikke") :]:
        cut = words.index("ikke")
        words = words[:cut] + words[words.index("men", cut) + 1 :]
    rest = words[1:]
    said_more = [w for w in rest if w not in FILLER_WORDS and w not in LEADING_ANSWERS]
    return rest if words and words[0] in LEADING_ANSWERS and said_more else words


def strip_fillers(words: list[str]) -> list[str]:
    """Drop filler words and opener phrases, unless nothing would be left ("hej hej" stays)."""
    paused = [w for w, after in zip(words, [*words[1:], ""], strict=False) if not _pause(w, after)]
    if any(w not in FILLER_WORDS for w in paused):  # "mange ja altså tak": a pause, not a yes
        words = paused
    out: list[str] = []
    i = 0
    while i < len(words):
        phrase = next((p for p in FILLER_PHRASES if tuple(words[i : i + len(p)]) == p), None)
        if phrase:
            i += len(phrase)
        else:
            out.append(words[i])
            i += 1
    out = [w for w in out if w not in FILLER_WORDS]
    if out and all(w in STOPWORDS for w in out):  # "god dag til dig": the opener was all of it
        out = []
    return (
        out
        or [w for w in words if w not in FILLER_WORDS]
        or [w for w in words if w not in HESITATIONS]  # "tak", "okay tak": that is all
    )


def _pause(word: str, after: str) -> bool:
    """A "ja" before a hesitation or "altså" fills a pause; it answers nothing."""
    return word == "ja" and (after in HESITATIONS or after == "altså")


def _with_previous(words: list[str]) -> list[tuple[str, str]]:
    return list(zip(words, ["", *words], strict=False))


class Lexicon:
    """The vocabulary of an intent set, used to repair what the recogniser wrote.

    Args:
        phrases: every example the matcher learns from.
        synonyms: variant phrase → canonical word, applied before anything else (with the
            built-in ones: a country is abroad, a near date a hurry, a two-word town one).
    """

    def __init__(self, phrases: Iterable[str], synonyms: Mapping[str, str] | None = None) -> None:
        named = {**FOREIGN, **SOON, **PLACE_PHRASES, **ENGLISH_TERMS, **(synonyms or {})}
        joined = {"".join(tokens(v)): c for v, c in named.items() if len(tokens(v)) > 1}
        named = {**joined, **named}  # "gule kort" run together is "gulekort", "i dag" "idag"
        self._synonyms = sorted(
            ((tuple(tokens(v)), tokens(c)) for v, c in named.items()),
            key=lambda pair: len(pair[0]),
            reverse=True,
        )
        self._by_first: dict[str, list[tuple[tuple[str, ...], list[str]]]] = {}
        for variant, canonical in self._synonyms:  # longest first within each first word
            if variant:
                self._by_first.setdefault(variant[0], []).append((variant, canonical))
        self._variants = {v[0] for v, _ in self._synonyms if len(v) == 1}
        self.words: set[str] = set(self._variants)
        for phrase in phrases:
            self.words.update(self._apply_synonyms(tokens(phrase)))
        self.stems = {stem(w) for w in self.words}
        function_words = STOPWORDS | FILLER_WORDS | {w for p in FILLER_PHRASES for w in p}
        self._spellings = sorted(w for w in self.words | function_words if len(w) >= 4)
        self._stem_list = sorted(self.stems)
        self._repairs: dict[str, list[str]] = {}

    def knows(self, word: str) -> bool:
        """True when the word or its stem occurs in some example."""
        return word in self.words or stem(word) in self.stems

    def analyse(self, text: str) -> list[str]:
        """Content stems of an utterance: synonyms, compounds and typos repaired, fillers gone."""
        stems, _ = self.analyse_marked(text)
        return stems

    def analyse_marked(self, text: str) -> tuple[list[str], frozenset[str]]:
        """`analyse`, and which stems are only guesses.

        A guess is a short unknown word taken for the nearest known spelling: it may repair a
        recogniser's slip ("åbnt"), or turn "rotter" into "retter", so it is never, alone,
        evidence enough to answer. A long word a letter or two off ("kørekrot") is taken for
        what it nearly spells.
        """
        words = self._apply_synonyms(strip_fillers(focus(tokens(text))))
        repaired: list[str] = []
        guessed: set[str] = set()
        for word in self._join_compounds(words):
            # An everyday word is not a slip for a near spelling: "vejret" is not "vejen".
            everyday = word in EVERYDAY and not self.knows(word)
            parts = [word] if everyday else self._repaired(word)
            if len(parts) == 1 and parts[0] != word and not self.knows(word) and len(word) < 8:
                # a long word one slip away is that word; a short one not ("sulten" is no
                # "salt", nor the "salte" a synonym makes of it)
                guessed.update(self._apply_synonyms(parts))
            repaired.extend(parts)
        # Numbers (a CPR or case number read out) say nothing about what the caller wants, nor
        # does an unknown word after "til" (a place: "til roskilde") or a story word.
        said = [
            w
            for w, before in _with_previous(strip_fillers(self._apply_synonyms(repaired)))
            if not w.isdigit()
            and (self.knows(w) or (before not in PLACE_PREPOSITIONS and w not in EVERYDAY))
        ]
        # "det var det" is all function words, and still means goodbye: keep them then.
        content = [w for w in said if w not in STOPWORDS] or said
        stems = [self._known_stem(stem(w)) for w in content]
        sure = {s for s, w in zip(stems, content, strict=True) if w not in guessed}
        return stems, frozenset(s for s in stems if s not in sure)

    def _apply_synonyms(self, words: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(words):
            for variant, canonical in self._by_first.get(words[i], ()):
                if tuple(words[i : i + len(variant)]) == variant:
                    out.extend(canonical)
                    i += len(variant)
                    break
            else:
                out.append(words[i])
                i += 1
        return out

    def _join_compounds(self, words: list[str]) -> list[str]:
        """Join neighbours that make a known word ("køre kort" → "kørekort", "skralde spnd")."""
        out: list[str] = []
        i = 0
        while i < len(words):
            pair = words[i : i + 2]
            joined = "".join(pair)
            if len(pair) == 2 and self._joins(pair, joined):
                out.append(joined)
                i += 2
            else:
                out.append(words[i])
                i += 1
        return out

    def _joins(self, pair: list[str], joined: str) -> bool:
        """Are two neighbours one word the recogniser split?

        Known joined, or a slip from a known word, or known parts cut in the wrong place
        ("affaldsbe holder"); a small word first only when the rest means nothing alone ("under
        retning"), since "for ældre" is two words.
        """
        if pair[0] in STOPWORDS:
            return pair[1] not in STOPWORDS and not self.knows(pair[1]) and self.knows(joined)
        if pair[1] in STOPWORDS:
            return False
        if self.knows(joined):
            return True
        if all(map(self.knows, pair)):
            return False
        parts = self._split(joined) or []  # "affaldsbe holder" is "affald(s)|beholder"
        moved = bool(parts) and parts[0] != pair[0] and all(map(self.knows, parts))
        return moved or self._joins_nearly(pair, joined)

    def _joins_nearly(self, pair: list[str], joined: str) -> bool:
        """Is `joined` a slip from a known word that keeps one of the two parts whole?

        "skralde spnd" is "skraldespand"; "kører toget" is two words, however near "kørestolen"
        their join comes.
        """
        near = self._nearest(joined)
        return bool(near) and (near.startswith(pair[0]) or near.endswith(pair[1]))

    def _repaired(self, word: str) -> list[str]:
        """`_repair`, remembered: the same few thousand words recur in every call."""
        if word not in self._repairs:
            if len(self._repairs) >= REPAIRS_KEPT:
                self._repairs.clear()
            self._repairs[word] = self._repair(word)
        return self._repairs[word]

    def _repair(self, word: str) -> list[str]:
        """A known word as is, else the likeliest repair of what the recogniser wrote.

        One slip from a long known word; else its known parts ("storskraldet"); else the
        nearest spelling; else a small word run into a known one ("nytpas").
        """
        if word in self.words or word in STOPWORDS or word in FILLER_WORDS:
            return [word]
        if self.knows(word):  # by its stem only: "norgge" is the variant "norge", not "norg"
            near = self._nearest(word)
            if near is not None and near in self._variants and OSA.distance(near, word) == 1:
                return [near]
            return [word]
        danish = word.replace("ae", "æ").replace("oe", "ø")  # typed without æ, ø: "hjaelp"
        if danish != word and self.knows(danish):
            return [danish]
        doubled = word.replace("å", "a")  # "asfaalten": a doubled "a", not the typed "aa" of å
        if doubled != word and self.knows(doubled):
            return [doubled]
        near = self._nearest(word)
        if near and len(word) >= 8 and OSA.distance(near, word) == 1:
            return [near]  # "hussleje" is "husleje", not "hus|leje"
        return self._split(word) or ([near] if near else self._run_together(word)) or [word]

    def _nearest(self, word: str) -> str | None:
        """The known spelling one edit away (two for long words).

        Words under six letters only get a dropped or doubled letter back ("åbnt" → "åbent"):
        a changed letter there makes another word too often ("skilt" is not "skift").
        """
        if len(word) < 4:
            return None
        if len(word) < 6:
            found = process.extractOne(word, self._spellings, scorer=Indel.distance, score_cutoff=1)
            return found[0] if found else None
        limit = 1 if len(word) < 10 else 2
        for form, candidates in ((word, self._spellings), (stem(word), self._stem_list)):
            found = process.extract(form, candidates, scorer=OSA.distance, score_cutoff=limit)
            if found:  # of equals, a letter dropped or doubled before one changed: "fisske"
                return min(found, key=lambda f: (f[1], Indel.distance(form, f[0]), f[0]))[0]
        return None

    def _split(self, word: str) -> list[str] | None:
        """Known parts of an unknown compound; Danish puts the head last ("polske|kørekort").

        Two short parts are no compound: "vejret" (the weather) is not "vej|ret".
        """
        for cut in range(2, len(word) - 2):
            left, right = word[:cut], word[cut:]
            if not self.knows(right) or (len(left) < 4 and len(right) < 4):
                continue
            for head in (left, left[:-1] if left[-1] in "se" else None):
                if head and head in self.words and head not in STOPWORDS:
                    return [head, right]
            if len(right) >= 6 and len(stem(right)) >= 4:  # not "ins|tallere" for "tal"
                return [left, right]
        return None

    def _run_together(self, word: str) -> list[str] | None:
        """A small word run into a known one ("nytpas", "spisernok"), when nothing else fits."""
        for cut in range(2, len(word) - 1):
            left, right = word[:cut], word[cut:]
            small_left = left in _SMALL_WORDS
            if small_left != (right in _SMALL_WORDS) and self.knows(right if small_left else left):
                return [left, right]
        return None

    def _known_stem(self, s: str) -> str:
        """An unknown stem that is a prefix of a known one, or extends it, counts as that one.

        Snowball stems verbs and nouns apart ("træn" from "trænes", "træning"); this joins them.
        A stem that drops the "e" of "-el", "-en", "-er" ("barsl" from "barslen") is the full one.
        """
        full = f"{s[:-1]}e{s[-1]}"
        if len(s) >= 4 and s[-1] in "lnr" and s[-2] not in _VOWELS and full in self.stems:
            return full
        if s in self.stems or len(s) < 4:
            return s
        related = [
            k
            for k in self._stem_list
            if len(k) >= 4 and abs(len(k) - len(s)) <= 4 and (k.startswith(s) or s.startswith(k))
        ]
        return min(related, key=lambda k: (abs(len(k) - len(s)), k)) if related else s
