"""Which caller numbers take an SMS: Danish mobile numbers, by the national numbering plan.

A link is only offered to a caller whose number the channel knows and that is a mobile: never
to a withheld or foreign number, nor a landline that cannot receive it.
"""

from __future__ import annotations

import re

MOBILE_PREFIXES = frozenset(
    {*range(20, 32), *range(40, 43), *range(50, 54), 60, 61, 71, 81, *range(91, 94)}
)
"""First two digits of Danish mobile series (20-31, 40-42, 50-53, 60-61, 71, 81, 91-93)."""

_DANISH = re.compile(r"(?:\+45|0045)?(\d{8})")


def danish_mobile(number: str | None) -> str | None:
    """The number as +45XXXXXXXX when it is a Danish mobile, else None."""
    if not number:
        return None
    match = _DANISH.fullmatch(re.sub(r"[\s-]", "", number))
    if match is None or int(match.group(1)[:2]) not in MOBILE_PREFIXES:
        return None
    return "+45" + match.group(1)
