"""Numbers, times and phone numbers as Danish staff read them (filters for the staff pages)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from ..core.callback import NUMBER
from ..core.texts import say_number

MONTHS = (
    "januar februar marts april maj juni juli august september oktober november december".split()
)


def number(value: float | int, decimals: int = 0) -> str:
    """1234567.5 → "1.234.567,5": a point between thousands, a comma before decimals."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def percent(share: float | None, decimals: int = 1) -> str:
    """0.345 → "34,5 %" (a share of one); None → "–"."""
    return "–" if share is None else f"{number(share * 100, decimals)} %"


def when(iso: str | datetime | None, timezone: str = "Europe/Copenhagen") -> str:
    """An ISO time → "26. november 2026 kl. 11.05" in local time; "" for nothing."""
    if not iso:
        return ""
    moment = iso if isinstance(iso, datetime) else datetime.fromisoformat(str(iso))
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(timezone))
    return f"{moment.day}. {MONTHS[moment.month - 1]} {moment.year} kl. {moment:%H.%M}"


def day(value: str | date | None) -> str:
    """An ISO date (or date) → "26. november 2026"; "" for nothing."""
    if not value:
        return ""
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{d.day}. {MONTHS[d.month - 1]} {d.year}"


def phone(number_text: str | None) -> str:
    """A Danish number as "+45 20 12 34 56" whichever way it was stored; others as given."""
    if not number_text:
        return "ukendt nummer"
    danish = NUMBER.fullmatch("".join(ch for ch in number_text if ch.isdigit()))
    return f"+45 {say_number(danish[1])}" if danish else number_text
