"""Contact-centre phone hours: open now?, when next?, and how to say it in Danish."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays

from ..errors import ConfigError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES_DA = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTH_NAMES_DA = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
_SPEC = re.compile(
    r"(?P<days>[a-z]{3}(?:-[a-z]{3})?)\s+(?P<open>\d{1,2}:\d{2})-(?P<close>\d{1,2}:\d{2})"
)

Window = tuple[time, time]


def parse_weekly(spec: str) -> dict[int, tuple[Window, ...]]:
    """`"mon-wed 10:00-14:30; thu 10:00-17:00"` → {weekday: ((open, close), ...)}."""
    week: dict[int, list[Window]] = {d: [] for d in range(7)}
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        m = _SPEC.fullmatch(part.lower())
        if not m:
            raise ConfigError(
                f"OPENING_HOURS: cannot read {part!r} (want e.g. 'mon-wed 10:00-14:30')"
            )
        first, _, last = m["days"].partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ConfigError(f"OPENING_HOURS: unknown day in {part!r} (use {', '.join(DAYS)})")
        try:
            opens = time.fromisoformat(m["open"].zfill(5))
            closes = time.fromisoformat(m["close"].zfill(5))
        except ValueError as exc:
            raise ConfigError(f"OPENING_HOURS: {part!r}: {exc}") from None
        if closes <= opens:
            raise ConfigError(f"OPENING_HOURS: {part!r} closes before it opens")
        for day in range(DAYS.index(first), DAYS.index(last or first) + 1):
            week[day].append((opens, closes))
    return {d: tuple(sorted(w)) for d, w in week.items()}


@dataclass(frozen=True)
class OpeningHours:
    """Weekly windows in local time, closed on Danish public holidays and extra closing days."""

    weekly: dict[int, tuple[Window, ...]]
    timezone: ZoneInfo
    closed_dates: frozenset[date] = frozenset()
    extra_holidays: tuple[str, ...] = ("Grundlovsdag", "Juleaftensdag", "Nytårsaften")
    """Optional holidays (Danish names from `holidays`) on which the centre also closes."""

    @classmethod
    def from_spec(
        cls, spec: str, timezone: str = "Europe/Copenhagen", closed_dates: Iterable[date] = ()
    ) -> OpeningHours:
        """Build from the OPENING_HOURS setting."""
        return cls(parse_weekly(spec), ZoneInfo(timezone), frozenset(closed_dates))

    @cached_property
    def _public(self) -> holidays.HolidayBase:
        return holidays.country_holidays("DK", language="da")

    @cached_property
    def _optional(self) -> holidays.HolidayBase:
        return holidays.country_holidays("DK", categories=("optional",), language="da")

    def is_closed_day(self, day: date) -> bool:
        """True on a public holiday, a listed optional holiday or an admin-set closing day."""
        return (
            day in self.closed_dates
            or day in self._public
            or any(name in self.extra_holidays for name in self._optional.get_list(day))
        )

    def windows_on(self, day: date) -> tuple[Window, ...]:
        """The day's opening windows; none on closing days."""
        return () if self.is_closed_day(day) else self.weekly.get(day.weekday(), ())

    def is_open(self, at: datetime) -> bool:
        """Open at this instant (any time zone; compared in local time)."""
        local = at.astimezone(self.timezone)
        return any(o <= local.time() < c for o, c in self.windows_on(local.date()))

    def next_opening(self, at: datetime, horizon_days: int = 30) -> datetime | None:
        """The next moment the centre opens, strictly after `at`; None if not within the horizon."""
        local = at.astimezone(self.timezone)
        for offset in range(horizon_days + 1):
            day = local.date() + timedelta(days=offset)
            for opens, _ in self.windows_on(day):
                start = datetime.combine(day, opens, tzinfo=self.timezone)
                if start > local:
                    return start
        return None

    def say_next_opening(self, at: datetime, written: bool = False) -> str:
        """Danish for when it opens next: "i morgen, fredag, klokken 10" ("kl. 10" written)."""
        opening = self.next_opening(at)
        if opening is None:
            return "senere"
        today = at.astimezone(self.timezone).date()
        clock = write_clock(opening.time()) if written else say_clock(opening.time())
        days = (opening.date() - today).days
        if days == 0:
            return f"i dag {clock}"
        weekday = DAY_NAMES_DA[opening.weekday()]
        if days == 1:
            return f"i morgen, {weekday}, {clock}"
        if days < 7:
            return f"på {weekday} {clock}"
        return f"{weekday} den {opening.day}. {MONTH_NAMES_DA[opening.month - 1]} {clock}"

    def say_week(self, written: bool = False) -> str:
        """Danish for the weekly hours: "mandag til onsdag fra klokken 10 til halv tre, …".

        `written`: "mandag–onsdag kl. 10–14.30, …" (a chat shows figures, not spoken words).
        """
        groups: list[tuple[int, int, tuple[Window, ...]]] = []
        for day in range(7):
            windows = self.weekly.get(day, ())
            if groups and groups[-1][2] == windows and groups[-1][1] == day - 1:
                groups[-1] = (groups[-1][0], day, windows)
            else:
                groups.append((day, day, windows))
        parts = []
        for first, last, windows in groups:
            if not windows:
                continue
            between = "–" if written else " til "
            days = (
                DAY_NAMES_DA[first]
                if first == last
                else f"{DAY_NAMES_DA[first]}{between}{DAY_NAMES_DA[last]}"
            )
            if written:
                spans = " og ".join(
                    f"{write_clock(o)}–{write_clock(c).removeprefix('kl. ')}" for o, c in windows
                )
            else:
                spans = " og ".join(
                    f"fra {say_clock(o)} til {say_clock(c).removeprefix('klokken ')}"
                    for o, c in windows
                )
            parts.append(f"{days} {spans}")
        if not parts:
            return "ikke på noget tidspunkt"
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " og " + parts[-1]


HOUR_WORDS_DA = (
    "tolv",
    "et",
    "to",
    "tre",
    "fire",
    "fem",
    "seks",
    "syv",
    "otte",
    "ni",
    "ti",
    "elleve",
)
"""Clock hours as words, 12-hour: Danes say "halv tre" for 14:30 (the half before three)."""


def write_clock(t: time) -> str:
    """A time as Danes write it: "kl. 10", "kl. 14.30"."""
    return f"kl. {t.hour}" if t.minute == 0 else f"kl. {t.hour}.{t.minute:02d}"


def say_clock(t: time) -> str:
    """A time as a Dane says it: "klokken 10", "klokken halv tre", "kvart over to".

    Whole hours keep the 24-hour number (unambiguous, and how signs read); halves and quarters
    use the spoken 12-hour form, which is what callers hear every day. No digits with a dot or
    colon: a speech engine reads "14.30" as "fjorten punktum tredive".
    """
    next_hour = HOUR_WORDS_DA[(t.hour + 1) % 12]
    match t.minute:
        case 0:
            return f"klokken {t.hour}"
        case 30:
            return f"klokken halv {next_hour}"
        case 15:
            return f"kvart over {HOUR_WORDS_DA[t.hour % 12]}"
        case 45:
            return f"kvart i {next_hour}"
        case _:
            return f"klokken {t.hour} {t.minute:02d}"
