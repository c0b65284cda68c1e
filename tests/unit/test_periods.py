import datetime as dt

import pytest

from dailypapers.papers.periods import (
    InvalidPeriod,
    PeriodKind,
    containing,
    parse_day,
    parse_month,
    parse_period,
    parse_week,
)


def test_week_is_iso_monday_to_sunday() -> None:
    week = parse_week("2025-W44")
    assert (week.start, week.end) == (dt.date(2025, 10, 27), dt.date(2025, 11, 2))
    assert week.slug == "2025-W44"
    assert week.path == "/papers/week/2025-W44"


def test_iso_week_one_can_start_in_the_previous_year() -> None:
    week = parse_week("2025-W01")
    assert week.start == dt.date(2024, 12, 30)
    assert containing(PeriodKind.week, dt.date(2024, 12, 31)).slug == "2025-W01"


def test_month_bounds_include_leap_day() -> None:
    month = parse_month("2024-02")
    assert (month.start, month.end) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert parse_month("2025-12").end == dt.date(2025, 12, 31)
    assert month.label == "February 2024"


def test_day_label_and_neighbours() -> None:
    day = parse_period(PeriodKind.date, "2025-10-29")
    assert day.label == "Wednesday, October 29, 2025"
    assert day.previous_start() == dt.date(2025, 10, 28)
    assert day.next_start() == dt.date(2025, 10, 30)


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        (PeriodKind.date, "2025-13-01", "not a valid date"),
        (PeriodKind.date, "2025-02-30", "not a valid date"),
        (PeriodKind.date, "yesterday", "expected YYYY-MM-DD"),
        (PeriodKind.date, "2025-1-1", "expected YYYY-MM-DD"),
        (PeriodKind.week, "2025-W54", "no week 54"),
        (PeriodKind.week, "2025-W00", "no week 00"),
        (PeriodKind.week, "2025-44", "expected YYYY-Www"),
        (PeriodKind.week, "2025-W53", "no week 53"),  # 2025 has 52 ISO weeks
        (PeriodKind.month, "2025-00", "not a valid month"),
        (PeriodKind.month, "2025-13", "not a valid month"),
        (PeriodKind.month, "October", "expected YYYY-MM"),
    ],
)
def test_malformed_periods_say_what_is_expected(kind: PeriodKind, text: str, message: str) -> None:
    with pytest.raises(InvalidPeriod, match=message):
        parse_period(kind, text)


def test_week_53_exists_in_long_years() -> None:
    assert parse_week("2026-W53").start == dt.date(2026, 12, 28)


def test_parse_day() -> None:
    assert parse_day("2024-02-29") == dt.date(2024, 2, 29)


def test_the_last_iso_week_ends_on_the_last_representable_day() -> None:
    # 9999-W52 starts on Monday 9999-12-27; its Sunday would be 10000-01-02, which datetime.date cannot hold.
    week = parse_week("9999-W52")
    assert (week.start, week.end) == (dt.date(9999, 12, 27), dt.date.max)
    assert week.slug == "9999-W52" and week.label == "Week 52, 9999 (Dec 27 – Dec 31)"
    assert containing(PeriodKind.week, dt.date.max) == week
    assert week.next_start() is None and week.previous_start() == dt.date(9999, 12, 26)


def test_months_and_days_at_the_calendar_edges() -> None:
    december = parse_month("9999-12")
    assert (december.start, december.end) == (dt.date(9999, 12, 1), dt.date.max)
    assert december.next_start() is None
    january = parse_month("0001-01")
    assert (january.start, january.end) == (dt.date.min, dt.date(1, 1, 31))
    assert january.previous_start() is None
    first_week = parse_week("0001-W01")  # 0001-01-01 is a Monday
    assert (first_week.start, first_week.end) == (dt.date.min, dt.date(1, 1, 7))
    assert first_week.previous_start() is None
    for kind in PeriodKind:
        assert containing(kind, dt.date.max).end == dt.date.max
        assert containing(kind, dt.date.min).start == dt.date.min
    assert parse_period(PeriodKind.date, "9999-12-31").next_start() is None


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        (PeriodKind.week, "\uff12\uff10\uff12\uff15-W44"),  # fullwidth digits: int() takes them
        (PeriodKind.month, "\u0662\u0660\u0662\u0665-10"),  # Arabic-Indic digits
        (PeriodKind.date, "\uff12\uff10\uff12\uff15-10-29"),
        (PeriodKind.week, "0000-W01"),
        (PeriodKind.month, "0000-12"),
        (PeriodKind.date, "0000-12-31"),
    ],
)
def test_only_ascii_digits_and_representable_years_parse(kind: PeriodKind, text: str) -> None:
    with pytest.raises(InvalidPeriod):
        parse_period(kind, text)
