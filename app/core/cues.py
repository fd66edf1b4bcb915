"""Turns that are not a request for an answer.

An emergency, "that was not it", a follow-up question, a question about the bot itself, another
language, a filler alone. Phrase rules, not the matcher: these decide what the bot does next
whatever the catalogue holds, so they must neither depend on the examples nor be outvoted by
them. Every rule reads the words as a recogniser writes them (lower case, no punctuation).
"""

from __future__ import annotations

import re
from enum import StrEnum

from .danish_words import HESITATIONS
from .normalise import tokens

FILLERS_ALONE = HESITATIONS | frozenset("altså øhm nå jamen så men og hmm".split())
"""Said alone, these mean the caller is still thinking: wait, and count no try."""

_URGENT = re.compile(
    r"\b("
    r"(er|blevet|han|hun|mor|far|hun er|han er) ?faldet|falder om|faldet om|ligger på gulvet"
    r"|kan ikke komme op|kan ikke rejse sig"
    r"|kan ikke (få|trække) vejret|får ikke vejret|åndenød|vejrtrækning"
    r"|ondt i brystet|smerter i brystet|brystsmerter|hjertestop|hjerteanfald|bevidstløs"
    r"|det brænder|brand i|ild i|står i flammer|røg fra"
    r"|slår (mig|os|hende|ham|børnene)|bliver slået|truer med|vold|overfald\w*"
    r"|selvmord|tage mit eget liv|tage sit eget liv|ikke leve længere|slå mig selv ihjel"
    r"|barn i fare|barnet er i fare|mishandl\w*|forsvundet barn|mit barn er væk"
    r")\b"
)
"""Someone may be in danger now: 112 first, then a person (never an answer)."""

_REJECTION = re.compile(
    r"^(nej )*(nej|næ)( nej)*$"
    r"|\b(det var ikke det|det er ikke det|det spurgte jeg ikke om|ikke det jeg spurgte om"
    r"|ikke det jeg mener|ikke det jeg mente|forkert svar|det er forkert|det passer ikke"
    r"|det hjalp ikke|du har misforstået|det var ikke mit spørgsmål)\b"
)
"""After an answer: it did not help. Never a goodbye."""

_GOODBYE_NO = re.compile(
    r"^(nej|næ) (tak|ellers tak|det var det( hele)?|det var alt|det er fint|det er alt"
    r"|jeg har ikke mere|ikke mere|det var bare det)\b"
)
"""After an answer: no, nothing more. The caller is done."""

_ROBOT = re.compile(
    r"\b(er (du|det) (en|et) (robot|maskine|computer|menneske|rigtig person|rigtigt menneske)"
    r"|taler jeg med (en|et) (robot|maskine|computer|menneske|rigtig person)"
    r"|er du (rigtig|ægte|automatisk)|er det en automat)\b"
)
"""A question about the bot itself: answered, then the caller's question is asked again."""

_CASE = re.compile(
    r"\b(min sag|mine sager|min ansøgning|sagsbehandler\w*|hvor langt er"
    r"|(fået|modtaget) (et|en) (brev|regning|afgørelse|opkrævning)"
    r"|brev fra (kommunen|jer)|regning (fra|til) (kommunen|jer)|opkrævning fra"
    r"|min (udbetaling|ydelse|betaling) er ikke|ikke fået (mine|min|mit) (penge|udbetaling|ydelse)"
    r"|klage over (en|min|kommunens|jeres) afgørelse|klage over afgørelsen|aktindsigt)\b"
)
"""A question about the caller's own case: only a caseworker can see it, so a person at once."""

_ORDINALS = {
    "første": 1,
    "et": 1,
    "en": 1,
    "1": 1,
    "anden": 2,
    "andet": 2,
    "to": 2,
    "2": 2,
    "tredje": 3,
    "tre": 3,
    "3": 3,
    "sidste": -1,
}
_ORDINAL = re.compile(
    r"^(?:(?:det|den|øh|ja) )*(?:nummer )?(?P<which>første|anden|andet|tredje|sidste"
    r"|(?<=nummer )(?:et|en|to|tre)|1|2|3)(?: (?:af dem|en|et|tak|mulighed))*$"
)
"""A choice by its place: "den første", "nummer to", "det sidste"."""
_NO_BUT = re.compile(r"^(nej|næ|nej nej)( tak)? men (?P<rest>.+)$")
""""nej men …" at a yes/no question: a no, and what follows it is the caller's real turn."""

ENGLISH_WORDS = frozenset(
    "the a an is are do does you your i my me can could would please speak english hello hi "
    "what where how when why who need help want to with of for in on it this that talk someone "
    "person does anybody yes no thanks thank".split()
)
"""Common English words: a turn made mostly of them is English, not Danish the bot missed."""


class FollowUp(StrEnum):
    """What a follow-up asks about the answer just given (an intent's `follow_ups` keys)."""

    PRICE = "price"
    TIME = "time"
    WHERE = "where"
    WITHOUT_MITID = "without_mitid"


_FOLLOW_UPS: tuple[tuple[FollowUp, re.Pattern[str]], ...] = (
    (FollowUp.WITHOUT_MITID, re.compile(r"\b(uden mitid|ikke (har|noget) mitid|har ikke mitid)")),
    (FollowUp.PRICE, re.compile(r"\b(hvad koster|koster det|hvad er prisen|pris(en)?|gebyr\w*)\b")),
    (
        FollowUp.TIME,
        re.compile(r"\b(hvor lang tid|hvor længe|hvornår får jeg|ventetid\w*|tager det)\b"),
    ),
    (
        FollowUp.WHERE,
        re.compile(r"\b(hvor skal jeg (gå|henvende|møde)|hvor (ligger|er) (det|i|jer)|hvor hen)\b"),
    ),
)


def said(text: str) -> str:
    """The turn as one lower-case line of words."""
    return " ".join(tokens(text))


def is_urgent(text: str) -> bool:
    """Does the caller describe someone in danger now (a fall, breathing, fire, violence …)?"""
    return _URGENT.search(said(text)) is not None


def is_case_question(text: str) -> bool:
    """About the caller's own case: "min sag", a letter or a bill from us, a missing payment."""
    return _CASE.search(said(text)) is not None


def is_rejection(text: str) -> bool:
    """Right after an answer, it was not it: "nej", "det var ikke det"."""
    line = said(text)
    return _GOODBYE_NO.search(line) is None and _REJECTION.search(line) is not None


def is_goodbye_no(text: str) -> bool:
    """No, nothing more: "nej tak", "nej det var det hele"."""
    return _GOODBYE_NO.search(said(text)) is not None


def asks_about_the_bot(text: str) -> bool:
    """A question about the bot itself: "er du en robot", "taler jeg med et menneske"."""
    return _ROBOT.search(said(text)) is not None


def after_no_but(text: str) -> str | None:
    """What follows "nej men …", or None when the turn is not of that form."""
    found = _NO_BUT.match(said(text))
    return found["rest"] if found else None


def ordinal(text: str) -> int | None:
    """The place named in "den første", "nummer to", "det sidste" (-1), if that is all said."""
    found = _ORDINAL.match(said(text))
    return _ORDINALS[found["which"]] if found else None


def is_filler_alone(text: str) -> bool:
    """Only hesitation ("øh", "altså", "hmm"): the caller has not said their errand yet."""
    words = tokens(text)
    return bool(words) and all(w in FILLERS_ALONE for w in words)


def is_english(text: str) -> bool:
    """Mostly common English words, at least two, and no æ, ø or å: the caller speaks English."""
    words = tokens(text)
    if len(words) < 2 or any(c in "æøå" for c in text.lower()):
        return False
    return sum(w in ENGLISH_WORDS for w in words) / len(words) >= 0.6


def follow_up(text: str) -> tuple[FollowUp | None, str]:
    """A question about the answer just given, and what else the turn says.

    "hvor lang tid tager det" is (TIME, ""); "hvad koster et kørekort" is (PRICE, "et kørekort").
    """
    line = said(text)
    for kind, pattern in _FOLLOW_UPS:
        found = pattern.search(line)
        if found:
            return kind, (line[: found.start()] + line[found.end() :]).strip()
    return None, line
