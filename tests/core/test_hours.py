from datetime import UTC, date, datetime

import pytest

from app.core.hours import OpeningHours, parse_weekly, say_clock
from app.errors import ConfigError
from tests.conftest import CPH

HOURS = OpeningHours.from_spec("mon-wed 10:00-14:30; thu 10:00-17:00; fri 10:00-13:30")


def local(*args):
    return datetime(*args, tzinfo=CPH)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (local(2026, 11, 23, 9, 59), False),  # Monday, a minute early
        (local(2026, 11, 23, 10, 0), True),
        (local(2026, 11, 24, 14, 29), True),  # Tuesday
        (local(2026, 11, 25, 14, 30), False),  # Wednesday at closing time
        (local(2026, 11, 26, 16, 59), True),  # Thursday, the long day
        (local(2026, 11, 27, 13, 30), False),  # Friday closes 13:30
        (local(2026, 11, 28, 11, 0), False),  # Saturday
        (local(2026, 11, 29, 11, 0), False),  # Sunday
    ],
)
def test_weekly_hours(moment, is_open):
    assert HOURS.is_open(moment) is is_open


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 4, 2),  # Skærtorsdag
        date(2026, 4, 6),  # Anden påskedag
        date(2026, 5, 14),  # Kristi himmelfartsdag
        date(2026, 6, 5),  # Grundlovsdag (not a public holiday, but the centre closes)
        date(2026, 12, 24),  # Juleaftensdag
        date(2026, 12, 25),
    ],
)
def test_closed_on_danish_holidays(day):
    assert not HOURS.is_open(datetime(day.year, day.month, day.day, 11, 0, tzinfo=CPH))


def test_may_day_is_an_ordinary_day():
    assert HOURS.is_open(local(2026, 5, 1, 11, 0))  # a Friday


def test_admin_closing_day():
    hours = OpeningHours.from_spec("mon-fri 10:00-14:00", closed_dates=[date(2026, 11, 27)])
    assert not hours.is_open(local(2026, 11, 27, 11, 0))
    assert hours.is_open(local(2026, 11, 26, 11, 0))


def test_spring_dst_switch():
    # Clocks go forward on Sunday 29 March 2026: 10:00 is 09:00 UTC before, 08:00 UTC after.
    assert not HOURS.is_open(datetime(2026, 3, 27, 8, 30, tzinfo=UTC))  # Fri 09:30 CET
    assert HOURS.is_open(datetime(2026, 3, 30, 8, 30, tzinfo=UTC))  # Mon 10:30 CEST
    opening = HOURS.next_opening(local(2026, 3, 27, 14, 0))
    assert opening.astimezone(UTC) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_autumn_dst_switch():
    # Clocks go back on Sunday 25 October 2026.
    assert HOURS.is_open(datetime(2026, 10, 23, 8, 30, tzinfo=UTC))  # Fri 10:30 CEST
    assert not HOURS.is_open(datetime(2026, 10, 26, 8, 30, tzinfo=UTC))  # Mon 09:30 CET
    opening = HOURS.next_opening(local(2026, 10, 23, 14, 0))
    assert opening.astimezone(UTC) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "said"),
    [
        (local(2026, 11, 27, 8, 0), "i dag klokken 10"),
        (local(2026, 11, 26, 18, 0), "i morgen, fredag, klokken 10"),
        (local(2026, 11, 27, 15, 0), "på mandag klokken 10"),
        (local(2026, 12, 23, 15, 0), "på mandag klokken 10"),  # past Christmas
        (local(2026, 12, 30, 15, 0), "på mandag klokken 10"),  # past New Year
        (local(2026, 4, 1, 15, 0), "på tirsdag klokken 10"),  # past Easter
    ],
)
def test_next_opening_in_danish(moment, said):
    assert HOURS.say_next_opening(moment) == said


def test_a_long_closure_names_the_date():
    hours = OpeningHours.from_spec(
        "mon-fri 10:00-14:00", closed_dates=[date(2026, 7, d) for d in range(6, 18)]
    )
    assert hours.say_next_opening(local(2026, 7, 3, 15, 0)) == "mandag den 20. juli klokken 10"


def test_week_in_danish():
    assert HOURS.say_week() == (
        "mandag til onsdag fra klokken 10 til halv tre, torsdag fra klokken 10 til 17 "
        "og fredag fra klokken 10 til halv to"
    )


def test_clock_reading():
    said = {
        (14, 30): "klokken halv tre",
        (0, 30): "klokken halv et",
        (12, 30): "klokken halv et",
        (10, 0): "klokken 10",
        (8, 15): "kvart over otte",
        (16, 45): "kvart i fem",
        (9, 10): "klokken 9 10",
    }
    for (hour, minute), words in said.items():
        assert say_clock(datetime(2026, 1, 1, hour, minute).time()) == words


@pytest.mark.parametrize(
    "spec", ["mon 10-14", "xyz 10:00-11:00", "mon 14:00-10:00", "mon 25:00-26:00"]
)
def test_malformed_hours_fail_at_start_up(spec):
    with pytest.raises(ConfigError, match="OPENING_HOURS"):
        parse_weekly(spec)


def test_every_prompt_with_a_time_or_date_is_written_for_the_ear(flow_at):
    import re
    from datetime import timedelta

    from app.core.call import Keypad
    from app.core.texts import PROMPTS

    written_for_the_eye = re.compile(r"\d[.:]\d|\d{2}:\d{2}")
    start = local(2026, 12, 21, 0, 0)  # a week with Christmas in it
    for step in range(7 * 24 * 2):
        moment = start + timedelta(minutes=30 * step)
        flow = flow_at(moment)
        texts = [s.text for s in flow.fixed_prompts()]
        texts += [flow._fill(i.answer) for i in flow.intents.intents.values() if i.answer]
        texts += [
            a.text
            for a in flow.step(flow.start("CA").call, Keypad("0")).actions
            if hasattr(a, "text")
        ]
        for text in texts:
            assert not written_for_the_eye.search(text), (moment, text)
    assert "{next_opening}" in PROMPTS["closed"]


def test_written_hours_are_figures_and_spoken_hours_are_words():
    from app.core.hours import OpeningHours

    hours = OpeningHours.from_spec("mon-wed 10:00-14:30; thu 10:00-17:00; fri 10:00-13:30")
    assert hours.say_week(written=True) == (
        "mandag–onsdag kl. 10–14.30, torsdag kl. 10–17 og fredag kl. 10–13.30"
    )
    assert hours.say_week().startswith("mandag til onsdag fra klokken 10 til halv tre")
