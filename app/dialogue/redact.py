"""Masks CPR numbers, phone numbers and e-mail addresses in what callers said, digits or words.

A CPR number is a valid date DDMMYY and four digits, with or without a dash or spaces; callers
also say it as Danish number words ("et to nul tre otte fem ..."), which recognisers write out.
Everything stored or shown after a call passes through `redact` first.
"""

from __future__ import annotations

import calendar
import re

CPR_MASK = "[CPR]"
PHONE_MASK = "[telefon]"
EMAIL_MASK = "[e-mail]"

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
NUMBER_WORDS.update(
    {f"{u}og{t}": str(un + tn) for u, un in _UNITS.items() if un for t, tn in _TENS.items()}
)
"""Danish number words as recognisers write them → their digits ("femogtyve" → "25")."""

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_SPOKEN_EMAIL = re.compile(r"\S+\s+(snabel a|snabela|at)\s+\S+(\s+(punktum|dot)\s+\S+)+", re.I)
_DIGIT_RUN = re.compile(r"(?<![\w])\+?\d[\d\s\-.]*\d(?![\w])")
_MIN_SPOKEN_RUN = 4
"""Shorter runs of number words ("et nyt pas", "to børn") are ordinary speech."""


def redact(text: str) -> str:
    """The text with CPR numbers, phone numbers and e-mail addresses masked."""
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _SPOKEN_EMAIL.sub(EMAIL_MASK, text)
    text = _DIGIT_RUN.sub(lambda m: _mask_digits(m.group()), text)
    return _mask_spoken(text)


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


def _mask_digits(run: str) -> str:
    digits = re.sub(r"\D", "", run)
    if is_cpr(digits):
        return CPR_MASK
    if is_phone(digits) and (run.startswith("+") or _grouped_like_phone(run, digits)):
        return PHONE_MASK
    return run


def _grouped_like_phone(run: str, digits: str) -> bool:
    """Eight digits together or in pairs/fours, not a price like "12.500.000"."""
    return "." not in run and len(digits) in (8, 10, 12)


def _mask_spoken(text: str) -> str:
    words = text.split(" ")
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
