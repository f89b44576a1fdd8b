"""Business calendar (S2, V1): working hours, holidays, China's adjusted working days."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from itsmctl.core.calendar import BusinessCalendar, parse_hours, zone
from itsmctl.core.policy import Calendar

CST = timezone(timedelta(hours=8))


def cal(**kw) -> BusinessCalendar:
    return BusinessCalendar(Calendar(**kw), zone("Asia/Shanghai"))


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST)


def test_S2_parse_hours_with_lunch_break():
    assert parse_hours("09:00-12:00, 13:30-18:00") == [(540, 720), (810, 1080)]
    assert parse_hours("00:00-24:00") == [(0, 1440)]
    for bad in ("9-18", "18:00-09:00", "09:00-12:00,11:00-13:00", "09:00-25:00"):
        with pytest.raises(ValueError):
            parse_hours(bad)


def test_S2_span_counts_only_working_hours():
    c = cal(hours="09:00-12:00,13:30-18:00")
    # Wednesday 11:00 -> 14:00: 1h before lunch, 30m after
    assert c.span(at(2026, 11, 25, 11), at(2026, 11, 25, 14)) == timedelta(hours=1, minutes=30)
    # Friday 17:00 -> Monday 10:00: 1h Friday, 1h Monday
    assert c.span(at(2026, 11, 27, 17), at(2026, 11, 30, 10)) == timedelta(hours=2)
    assert c.span(at(2026, 11, 30, 10), at(2026, 11, 27, 17)) == timedelta(0)


def test_S2_add_skips_nights_and_weekends():
    c = cal()
    # Friday 17:00 + 2h working time = Monday 10:00
    assert c.add(at(2026, 11, 27, 17), timedelta(hours=2)) == at(2026, 11, 30, 10)
    # a deadline that ends exactly at closing time stays on that day
    assert c.add(at(2026, 11, 25, 9), timedelta(hours=9)) == at(2026, 11, 25, 18)
    # starting at night counts from the next opening
    assert c.add(at(2026, 11, 25, 22), timedelta(minutes=10)) == at(2026, 11, 26, 9, 10)


def test_S2_china_holidays_and_adjusted_working_days_from_the_holidays_package():
    c = cal(country="CN")
    assert not c.is_working_day(date(2026, 10, 1))       # National Day
    assert not c.is_working_day(date(2026, 10, 7))       # day off moved from 10-10
    assert c.is_working_day(date(2026, 10, 10))          # a Saturday worked (调休)
    assert c.is_working_day(date(2026, 9, 20))           # a Sunday worked (调休)
    assert not c.is_working_day(date(2026, 10, 11))      # an ordinary Sunday
    # Wednesday 30 Sept 17:00 + 2h: 1h that day, then the holiday week, then Thu 8 Oct
    assert c.add(at(2026, 9, 30, 17), timedelta(hours=2)) == at(2026, 10, 8, 10)


def test_S2_explicit_holidays_and_workdays_override_the_package():
    c = cal(country="CN", holidays=[date(2026, 11, 26)], workdays=[date(2026, 10, 1)])
    assert not c.is_working_day(date(2026, 11, 26))
    assert c.is_working_day(date(2026, 10, 1))
    plain = cal(holidays=[date(2026, 11, 26)], workdays=[date(2026, 11, 28)])
    assert plain.add(at(2026, 11, 25, 17), timedelta(hours=2)) == at(2026, 11, 27, 10)
    assert plain.span(at(2026, 11, 28, 9), at(2026, 11, 28, 18)) == timedelta(hours=9)


def test_S2_hours_per_weekday_make_the_working_weekdays():
    c = Calendar(hours={"mon": "09:00-18:00", 6: "09:00-12:00"})
    assert c.weekdays == [1, 6]
    bc = BusinessCalendar(c, CST)
    assert bc.span(at(2026, 11, 28, 0), at(2026, 11, 29, 0)) == timedelta(hours=3)   # Sat
    assert bc.span(at(2026, 11, 25, 0), at(2026, 11, 26, 0)) == timedelta(0)         # Wed


@pytest.mark.parametrize("bad", [
    {"hours": "nine to six"},
    {"hours": {"mon": "09:00-18:00"}, "weekdays": [1, 2]},
    {"holidays": [date(2026, 1, 1)], "workdays": [date(2026, 1, 1)]},
    {"weekdays": []},
    {"country": "XX"},
    {"weekdays": [8]},
])
def test_S2_bad_calendar_config_is_refused(bad):
    with pytest.raises(ValidationError):
        Calendar(**bad)


def test_S2_dst_day_counts_real_hours():
    c = BusinessCalendar(Calendar(hours="00:00-24:00", weekdays=[1, 2, 3, 4, 5, 6, 7]),
                         zone("Europe/Berlin"))
    day = datetime(2026, 3, 29, tzinfo=timezone.utc)     # spring forward: a 23h day
    assert c.span(day - timedelta(days=1), day + timedelta(days=2)) == timedelta(hours=72)


def test_V1_add_days_counts_working_days_keeping_the_time_of_day():
    c = cal(country="CN")
    assert c.add_days(at(2026, 11, 25, 10), 5) == at(2026, 12, 2, 10)
    assert c.add_days(at(2026, 9, 30, 10), 5) == at(2026, 10, 13, 10)   # over National Day
    assert c.add_days(at(2026, 11, 28, 15), 1) == at(2026, 11, 30, 15)   # from a Saturday


instants = st.integers(min_value=0, max_value=40 * 24 * 60).map(
    lambda m: at(2026, 9, 15) + timedelta(minutes=m))
durations = st.integers(min_value=0, max_value=10 * 24 * 60).map(lambda m: timedelta(minutes=m))
CALENDARS = [cal(), cal(country="CN", hours="09:00-12:00,13:30-18:00"),
             cal(hours={"mon": "08:00-20:00", "sat": "10:00-14:00"})]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(CALENDARS), instants, durations)
def test_S2_add_is_the_inverse_of_span(c, a, d):
    b = c.add(a, d)
    assert b >= a
    assert c.span(a, b) == d


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(CALENDARS), instants, instants, instants)
def test_S2_span_is_additive_and_never_exceeds_wall_time(c, x, y, z):
    a, m, b = sorted([x, y, z])
    assert c.span(a, m) + c.span(m, b) == c.span(a, b)
    assert timedelta(0) <= c.span(a, b) <= b - a
