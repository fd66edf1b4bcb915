"""Masks CPR numbers, phone numbers and e-mail addresses in what callers said, digits or words.

A CPR number is a valid date DDMMYY and four digits, with or without a dash or spaces; callers
also say it as Danish number words ("et to nul tre otte fem ..."), which recognisers write out.
Everything stored or shown after a call passes through `redact` first. Text is normalised
before it is searched (compatibility forms, every Unicode dash and space, invisible characters
removed), so a non-breaking hyphen or a zero-width space cannot hide a number; digits glued to
letters ("cpr0102031234") count as well.
"""

from __future__ import annotations

import calendar
import re
import unicodedata

CPR_MASK = "[CPR]"
PHONE_MASK = "[telefon]"
EMAIL_MASK = "[e-mail]"
MASKS = (CPR_MASK, PHONE_MASK, EMAIL_MASK)

_UNITS = {
    "nul": 0,
    "en": 1,
    "et": 1,
    "een": 1,
    "to": 2,
    "tre": 3,
    "fire": 4,
    "fem": 5,
    "seks": 6,
    "syv": 7,
    "otte": 8,
    "ni": 9,
}
_TEENS = {
    "ti": 10,
    "elleve": 11,
    "tolv": 12,
    "tretten": 13,
    "fjorten": 14,
    "femten": 15,
    "seksten": 16,
    "sytten": 17,
    "atten": 18,
    "nitten": 19,
}
_TENS = {
    "tyve": 20,
    "tredive": 30,
    "fyrre": 40,
    "fyrretyve": 40,
    "halvtreds": 50,
    "tres": 60,
    "halvfjerds": 70,
    "firs": 80,
    "halvfems": 90,
}
NUMBER_WORDS: dict[str, str] = {w: str(n) for w, n in {**_UNITS, **_TEENS, **_TENS}.items()}
"""Danish number words as recognisers write them → their digits ("femogtyve" → "25")."""
NUMBER_WORDS.update(
    {f"{u}og{t}": str(un + tn) for u, un in _UNITS.items() if un for t, tn in _TENS.items()}
)

_EMAIL = re.compile(
    r"[\w.+-]+\s*(?:@|\(at\)|\[at\]|\(snabel-?a\))\s*[\w-]+(?:\s*(?:\.|\(dot\)|\(punktum\))\s*[\w-]+)+",
    re.I,
)
"""Written addresses, also with spaces around "@" or the at sign spelt out to dodge filters."""
_SPOKEN_EMAIL = re.compile(r"\S+\s+(snabel-? ?a|at)\s+\S+(\s+(punktum|dot)\s+\S+)+", re.I)
_DIGIT_RUN = re.compile(r"(?<!\d)\+?\d[\d\s\-./]*\d(?!\d)")
_GROUP = re.compile(r"\d+")
_AMOUNT = re.compile(r"\d{1,3}(?:\.\d{3})+")
"""12.500.000, 1.295: thousands separated by dots are amounts, never numbers of a person."""
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
CPR_GROUPS = frozenset(
    {(10,), (6, 4), (2, 2, 2, 4), (2, 2, 2, 2, 2), (3, 3, 4), (4, 2, 4), (2, 4, 4), (6, 2, 2)}
)
"""How a CPR number is written or read out (spaces, dashes, dots or slashes between groups)."""
PHONE_GROUPS = frozenset(
    {(8,), (4, 4), (2, 2, 2, 2), (3, 2, 3), (2, 3, 3), (3, 3, 2), (2, 2, 4), (4, 2, 2), (1,) * 8}
)
"""How a Danish number is written (after an optional 45 / +45 / 0045)."""
_MIN_SPOKEN_RUN = 4
"""Shorter runs of number words ("et nyt pas", "to børn") are ordinary speech."""


def redact(text: str) -> str:
    """The text (normalised) with CPR numbers, phone numbers and e-mail addresses masked."""
    text = normalise(text)
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _SPOKEN_EMAIL.sub(EMAIL_MASK, text)
    text = _DIGIT_RUN.sub(lambda m: _mask_digits(m.group()), text)
    return _mask_spoken(text)


def unmasked(redacted: str) -> str:
    """Redacted text with its masks taken out: what the matcher reads ("[CPR]" is no word)."""
    for mask in MASKS:
        redacted = redacted.replace(mask, " ")
    return redacted


def is_cpr(digits: str) -> bool:
    """Ten digits whose first six are a real date DDMMYY (any century)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    day, month, year = int(digits[:2]), int(digits[2:4]), int(digits[4:6])
    if not 1 <= month <= 12:
        return False
    leap_possible = any(calendar.isleap(century + year) for century in (1900, 2000))
    days = 29 if month == 2 and leap_possible else calendar.monthrange(1901, month)[1]
    return 1 <= day <= days


def is_phone(digits: str) -> bool:
    """A Danish number: eight digits, or 45/0045 and eight digits."""
    for prefix in ("0045", "45"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 8:
            return True
    return len(digits) == 8


def normalise(text: str) -> str:
    """Compatibility forms folded, dashes made "-", spaces " ", invisible characters dropped."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", _DASHES.sub("-", text))
    return "".join(" " if c.isspace() else c for c in text)


def _mask_digits(run: str) -> str:
    """Mask the CPR and phone numbers in a run of digit groups; prices and dates are left.

    A run may hold several numbers ("010203-1234 20 12 34 56"): each window of whole groups is
    tried, longest first, so a number is found wherever it stands in the run.
    """
    if _AMOUNT.fullmatch(run):
        return run
    groups = list(_GROUP.finditer(run))
    out, i, last = [], 0, 0
    while i < len(groups):
        end, mask = _number_at(groups, i)
        if mask:
            start = 0 if i == 0 else groups[i].start()  # a leading "+" goes with the number
            out += [run[last:start], mask]
            last = groups[end - 1].end()
            i = end
        else:
            i += 1
    return "".join(out) + run[last:] if out else run


def _number_at(groups: list[re.Match[str]], i: int) -> tuple[int, str | None]:
    """The end (exclusive) and mask of a CPR or phone number starting at group i."""
    texts = [g.group() for g in groups]
    for end in range(min(len(texts), i + 9), i, -1):
        window = texts[i:end]
        shape, digits = tuple(len(t) for t in window), "".join(window)
        if shape in CPR_GROUPS and is_cpr(digits):
            return end, CPR_MASK
        if window[0] in ("45", "0045") and len(window) > 1:
            shape = shape[1:]  # "+45 12 34 56 78"
        elif len(window) == 1 and len(digits) in (10, 12):
            shape = (8,)  # "+4512345678", "004512345678"
        if shape in PHONE_GROUPS and is_phone(digits) and not _is_date(window):
            return end, PHONE_MASK
    return i + 1, None


def _is_date(groups: list[str]) -> bool:
    """2026-11-26 or 26.11.2026: a date, not a phone number in 4-2-2 or 2-2-4 groups."""
    if [len(g) for g in groups] == [4, 2, 2]:
        year, month, day = groups
    elif [len(g) for g in groups] == [2, 2, 4]:
        day, month, year = groups
    else:
        return False
    return year[:2] in ("19", "20") and 1 <= int(month) <= 12 and 1 <= int(day) <= 31


def _mask_spoken(text: str) -> str:
    words = text.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and (_word_digits(words[j]) is not None):
            j += 1
        if j - i >= _MIN_SPOKEN_RUN:
            out.append(_mask_spoken_run(words[i:j]))
            i = j
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


def _word_digits(word: str) -> str | None:
    bare = word.lower().strip(",.;:")
    if bare.isdigit():
        return bare
    return NUMBER_WORDS.get(bare)


def _mask_spoken_run(run: list[str]) -> str:
    """Mask a run of number words if its digits hold a CPR or phone number anywhere."""
    digits = "".join(_word_digits(w) or "" for w in run)
    for width, check, mask in ((10, is_cpr, CPR_MASK), (8, is_phone, PHONE_MASK)):
        if any(check(digits[k : k + width]) for k in range(len(digits) - width + 1)):
            return mask
    return " ".join(run)
