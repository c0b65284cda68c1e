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
