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

from .redact import NUMBER_WORDS

_NON_WORD = re.compile(r"[\W_]+")

HESITATIONS = frozenset("øh øhm øhh øhhm eh ehm hm hmm mm mmm".split())
"""Sounds, not words: never what a caller means, even alone."""

FILLER_WORDS = HESITATIONS | frozenset(
    "altså ligesom nå nåh jamen bare lige sådan egentlig faktisk godt vel okay ok tak ellers "
    "tusind pls plz please plis mvh vh evt osv ca".split()
)
"""Words that carry nothing for the matcher wherever they stand ("tak" is politeness)."""

FILLER_PHRASES: tuple[tuple[str, ...], ...] = tuple(
    tuple(p.split())
    for p in sorted(
        [
            "ja hej",
            "ja altså",
            "ja øh",
            "ja øhm",
            "hej med dig",
            "hej",
            "goddag",
            "god dag",
            "godmorgen",
            "god morgen",
            "jeg ringer fordi",
            "jeg ringer angående",
            "jeg ringer for at",
            "jeg ringer om",
            "jeg ringer",
            "jeg ville høre",
            "jeg vil gerne høre",
            "jeg ville gerne høre",
            "jeg ville bare høre",
            "mit navn er",
            "må jeg spørge",
            "et spørgsmål",
            "i forhold til",
            "med hensyn til",
            "angående",
            "vedrørende",
            "jeg har et spørgsmål",
            "jeg har et spørgsmål om",
        ],
        key=len,
        reverse=True,
    )
)
"""Openers callers put before the request; removed only when something is left after them."""

STOPWORDS = frozenset(
    """
    af alle alt at blev blive bliver da de dem den denne der deres det dette dig din dine disse
    du efter eller en end er et for fra fordi ham han hans har havde have hende her hos hun hvad
    hvem hvor hvordan hvis i igen ind jeg jer kan kunne man mange med meget men mig
    min mine mit mod må måske nogen noget nu når og også om op os over på sig sin sine sit skal
    skulle som så til ud under var vi vil ville være været hvilken hvilke gerne the jeres lidt
    selv sine thi vores jeres hen henne ned oppe nede inde ude deri
    hertil herhen herfra dertil derhen derfra halv halvt hel hele hundrede tusinde
    dag morgen går uge uger måned næste sidste stadig snart altid aldrig nogle lige
    januar februar marts april maj juni juli august september oktober november december
    mandag tirsdag onsdag torsdag fredag lørdag søndag weekend
    første anden andet tredje fjerde femte sjette syvende ottende niende tiende
    spørgsmål spørge
    cpr cprnummer cprnummeret personnummer nummer nummeret telefonnummer mobilnummer mail email
    mailadresse
    """.split()
) | frozenset(NUMBER_WORDS)
"""Function, time and number words ("den første december", "en to tre"): a date or a number
the caller adds (and the words that announce a CPR or phone number) says nothing about what they
want, unless it is near (`SOON`: a hurry). The rest is content; "hvornår" is too, since asking
when ("hvornår får jeg min kontanthjælp") is another need than asking how ("hvordan får jeg
kontanthjælp")."""

STORY_WORDS = frozenset(
    """
    mor far mand kone søn datter barn børn baby kæreste svigermor svigerfar svigerinde bror
    søster nabo naboen naboer ven veninde venner familie familien forældre bedstemor bedstefar
    mormor morfar farmor farfar eksmand ekskone papa mama dreng pige
    svært svær nemt let ny nyt nye gammel gamle gammelt stor store større lille små mindre høj
    lav lang langt kort kortere længe rigtig rigtigt virkelig helt heller endnu allerede
    stadigvæk desværre heldigvis pludselig sammen alene normalt straks
    før siden mens imod ifølge foran frem nær hver hvert mest kun nok slet tit ofte egentlig faktisk
    hverken flere andre begge hinanden
    ved vide ved tænker tænkte tror troede synes syntes sagde siger sagt fortalt fortalte hørt
    hørte ringet ringede prøvet prøvede købe køber købt købte kommet kom gået gik ligger lå står
    stod bor boet boede sidder sad laver lavede gjort gjorde gøre gør fik brug ting grund problem
    problemer situation hjem hjemme derhjemme aften aftes formiddag eftermiddag nat år måneder
    dage timer siden længere vejr vejret regn regner sol solen blæser ændre ændrer ændret ændres
    """.split()
)
"""Everyday words of a story ("min svigermor har svært ved …", "vi har lige købt"): said around
a need, never the need. Unknown to the examples, they are left out instead of weighing against
every intent; an example that uses one keeps it."""

_COUNTRIES = """
    tyskland sverige norge finland island england storbritannien skotland irland frankrig spanien
    portugal italien grækenland holland nederlandene belgien schweiz østrig polen tjekkiet ungarn
    rumænien bulgarien litauen letland estland ukraine rusland tyrkiet syrien irak iran afghanistan
    pakistan indien kina japan thailand vietnam filippinerne usa amerika canada mexico brasilien
    argentina australien marokko egypten somalia eritrea etiopien nigeria kenya bosnien serbien
    kroatien kosovo albanien libanon israel palæstina dubai
"""
_NATIONALITIES = """
    tysk svensk norsk finsk islandsk britisk skotsk irsk fransk spansk portugisisk italiensk græsk
    hollandsk belgisk schweizisk østrigsk polsk tjekkisk ungarsk rumænsk bulgarsk litauisk lettisk
    estisk ukrainsk russisk tyrkisk syrisk irakisk iransk afghansk pakistansk indisk kinesisk
    japansk thailandsk vietnamesisk filippinsk amerikansk canadisk mexicansk brasiliansk
    argentinsk australsk marokkansk egyptisk somalisk eritreisk etiopisk nigeriansk bosnisk serbisk
    kroatisk albansk libanesisk
"""
FOREIGN = {country: "udlandet" for country in _COUNTRIES.split()} | {
    form: "udenlandsk" for n in _NATIONALITIES.split() for form in (n, f"{n}e")
}
"""A country or nationality named ("et polsk kørekort", "flytte til spanien") is abroad: what
matters to a need is that it is not Denmark. Greenland and the Faroes are left out: moving
there is no move abroad."""

HURRY = "straks"
SOON = {
    phrase.strip(): HURRY
    for phrase in """i dag, i morgen, i overmorgen, i aften, i nat, samme dag, på en dag, om en dag,
    om to dage, om tre dage, om et par dage, om få dage""".split(",")
}
"""A near date ("vi flyver i morgen") is a hurry: context for most needs, the need itself for
an urgent passport. "straks" is a story word, so a hurry alone never tells a need."""

DANISH_PLACES = frozenset(
    """
    københavn frederiksberg århus odense ålborg esbjerg randers kolding horsens vejle roskilde
    herning silkeborg næstved fredericia viborg køge holstebro slagelse hillerød svendborg
    hjørring holbæk frederikshavn ringsted haderslev skive helsingør lejre ballerup glostrup
    albertslund ishøj brøndby hvidovre rødovre greve solrød vallensbæk herlev gladsaxe gentofte
    lyngby tårnby dragør amager valby nørrebro vesterbro østerbro hedehusene fløng sengeløse
    bornholm fyn jylland sjælland lolland falster møn
    """.split()
)
"""Danish towns said in a story ("vi flytter fra roskilde"): where, never what. Unknown to the
examples, they are left out like story words instead of weighing against every intent."""
_EVERYDAY = STORY_WORDS | DANISH_PLACES

ANIMALS = frozenset(
    """
    hund hunden hunde hundene hundehvalp hvalp hvalpen kat katten katte kattene killing
    killingen hest hesten heste fugl fuglen fugle undulat undulaten papegøje kanin kaninen
    kaniner marsvin hamster hamsteren skildpadde pindsvin pindsvinet gris grise høns høne hønen
    ged geden
    """.split()
)
"""Pets and animals: said as the subject, the request is about the animal, and a need whose
examples never name one ("min kat er død hvor kan jeg begrave den") is not what is asked."""

CALL_WORDS = frozenset("ring ringe ringer ringet ringede opringning".split())
"""Said on any phone call ("ring på 12 34 56 78", "jeg ringer fordi …"): never the word that tells
one need from another, even where an example uses it ("hvornår kan jeg ringe til jer")."""

TRAILING_WORDS = HESITATIONS | frozenset(
    "og eller men så at til om fordi hvis den det en et min mit mine din dit med for på i af "
    "som der jeg vil skal kan har nummer gerne".split()
)
"""Words a sentence does not end on: a caller who stops after one is still talking."""

LEADING_ANSWERS = frozenset({"ja", "nej", "jo", "jamen"})
"""A yes or no that opens a longer request ("ja jeg skal forny …") is not the request."""
PLACE_PREPOSITIONS = frozenset({"til"})
"""An unknown word right after "til" is most often where to ("flytte til roskilde"); after "i"
or "fra" it is as often the thing asked about ("rotter i kælderen", "støj fra byggepladsen")."""

_stem = snowballstemmer.stemmer("danish").stemWord


KEPT_STEMS = {
    word: kept
    for kept, words in {
        "ledig": "ledig ledige ledigt lediges ledighed ledigheden",
        "læge": "læge lægen lægens læger lægerne",
        "passe": "passe passer passes",
        "gælde": "gælde gælder gældende",
        "tidlig": "tidlig tidligt tidlige tidligere",
        "farlig": "farlig farligt farlige",
        "billig": "billig billigt billige billigere",
        "venlig": "venlig venligt venligst",
        "personlig": "personlig personligt personlige",
    }.items()
    for word in words.split()
}
"""Everyday words Snowball stems onto a need's word, given their own stem: "leder" (looks for)
and "ledig" both became "led", "lægge" and "læge" "læg", "passer" and "pas" "pas", "gælder" and
"gæld" "gæld", "tidligere" and "tid" "tid", "personlig" and "person" "person"."""


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """Snowball stem, cached: the same few thousand words recur in every call."""
    return KEPT_STEMS.get(word) or _stem(word)


SHORTHAND = {
    "ikk": "ikke",
    "ik": "ikke",
    "hva": "hvad",
    "ha": "have",
    "ka": "kan",
    "ku": "kunne",
    "sku": "skulle",
    "bli": "blive",
    "gi": "give",
    "ifht": "i forhold til",
    "iht": "i henhold til",
    "mht": "med hensyn til",
    "pga": "på grund af",
    "vedr": "vedrørende",
    "ang": "angående",
    "tlf": "telefon",
    "nr": "nummer",
    "info": "information",
}
"""Chat shorthand and spoken contractions, written out: "ikk", "ifht", "skal ha"."""


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


def _with_previous(words: list[str]) -> list[tuple[str, str]]:
    return list(zip(words, ["", *words], strict=False))


class Lexicon:
    """The vocabulary of an intent set, used to repair what the recogniser wrote.

    Args:
        phrases: every example the matcher learns from.
        synonyms: variant phrase → canonical word, applied before anything else (with the
            built-in ones: a country is abroad, a near date a hurry).
    """

    def __init__(self, phrases: Iterable[str], synonyms: Mapping[str, str] | None = None) -> None:
        named = {**FOREIGN, **SOON, **(synonyms or {})}
        self._synonyms = sorted(
            ((tuple(tokens(v)), tokens(c)) for v, c in named.items()),
            key=lambda pair: len(pair[0]),
            reverse=True,
        )
        self._by_first: dict[str, list[tuple[tuple[str, ...], list[str]]]] = {}
        for variant, canonical in self._synonyms:  # longest first within each first word
            if variant:
                self._by_first.setdefault(variant[0], []).append((variant, canonical))
        self.words: set[str] = {v[0] for v, _ in self._synonyms if len(v) == 1}
        for phrase in phrases:
            self.words.update(self._apply_synonyms(tokens(phrase)))
        self.stems = {stem(w) for w in self.words}
        function_words = STOPWORDS | FILLER_WORDS | {w for p in FILLER_PHRASES for w in p}
        self._spellings = sorted(w for w in self.words | function_words if len(w) >= 4)
        self._stem_list = sorted(self.stems)

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
            everyday = word in _EVERYDAY and not self.knows(word)
            parts = [word] if everyday else self._repair(word)
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
            and (self.knows(w) or (before not in PLACE_PREPOSITIONS and w not in _EVERYDAY))
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
            if (
                len(pair) == 2
                and not (set(pair) & STOPWORDS)
                and (
                    self.knows(joined)
                    or (not all(map(self.knows, pair)) and self._joins_nearly(pair, joined))
                )
            ):
                out.append(joined)
                i += 2
            else:
                out.append(words[i])
                i += 1
        return out

    def _joins_nearly(self, pair: list[str], joined: str) -> bool:
        """Is `joined` a slip from a known word that keeps one of the two parts whole?

        "skralde spnd" is "skraldespand"; "kører toget" is two words, however near "kørestolen"
        their join comes.
        """
        near = self._nearest(joined)
        return bool(near) and (near.startswith(pair[0]) or near.endswith(pair[1]))

    def _repair(self, word: str) -> list[str]:
        """A known word as is; else its known parts ("storskraldet"); else the nearest spelling."""
        if self.knows(word) or word in STOPWORDS or word in FILLER_WORDS:
            return [word]
        danish = word.replace("ae", "æ").replace("oe", "ø")  # typed without æ, ø: "hjaelp"
        if danish != word and self.knows(danish):
            return [danish]
        return self._split(word) or [self._nearest(word) or word]

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
            found = process.extractOne(form, candidates, scorer=OSA.distance, score_cutoff=limit)
            if found:
                return found[0]
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
            if len(right) >= 6:
                return [left, right]
        return None

    def _known_stem(self, s: str) -> str:
        """An unknown stem that is a prefix of a known one, or extends it, counts as that one.

        Snowball stems verbs and nouns apart ("træn" from "trænes", "træning"); this joins them.
        """
        if s in self.stems or len(s) < 4:
            return s
        related = [
            k
            for k in self._stem_list
            if len(k) >= 4 and abs(len(k) - len(s)) <= 4 and (k.startswith(s) or s.startswith(k))
        ]
        return min(related, key=lambda k: (abs(len(k) - len(s)), k)) if related else s
