"""Listing periods in the Hugging Face URL scheme: a day (``2025-10-29``), an ISO week (``2025-W44``), a month
(``2025-10``). Pure date arithmetic; parsing errors carry a message fit for a 400 page.

The calendar ends: ``datetime.date`` runs from 0001-01-01 to 9999-12-31, and any day a user types can be one of
its edges. Arithmetic here never steps past them: the last ISO week (9999-W52, Monday 9999-12-27) ends on
9999-12-31, and the neighbour of the first or last representable period is None, not an OverflowError.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from dailypapers.errors import Refused

# ASCII digits only: ``\d`` also matches fullwidth and Arabic-Indic digits, which int() accepts.
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


class InvalidPeriod(ValueError, Refused):
    """A malformed date, week or month; the message says what was expected."""


class PeriodKind(StrEnum):
    date = "date"
    week = "week"
    month = "month"


@dataclass(frozen=True, slots=True)
class Period:
    kind: PeriodKind
    start: dt.date
    end: dt.date  # inclusive

    @property
    def slug(self) -> str:
        if self.kind is PeriodKind.date:
            return self.start.isoformat()
        if self.kind is PeriodKind.week:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def path(self) -> str:
        return f"/papers/{self.kind.value}/{self.slug}"

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.date:
            return f"{self.start:%A, %B} {self.start.day}, {self.start.year}"
        if self.kind is PeriodKind.week:
            year, week, _ = self.start.isocalendar()
            return f"Week {week}, {year} ({self.start:%b} {self.start.day} – {self.end:%b} {self.end.day})"
        return f"{self.start:%B %Y}"

    def previous_start(self) -> dt.date | None:
        """The last day before this period; None for a period that starts on 0001-01-01."""
        return shifted(self.start, -1)

    def next_start(self) -> dt.date | None:
        """The first day after this period; None for a period that ends on 9999-12-31."""
        return shifted(self.end, 1)


def shifted(day: dt.date, days: int) -> dt.date | None:
    """``day`` moved by ``days``, or None where that leaves the calendar ``datetime.date`` can represent."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return None


def day_period(day: dt.date) -> Period:
    return Period(PeriodKind.date, day, day)


def week_period(day: dt.date) -> Period:
    # 0001-01-01 is a Monday, so the start never underflows; only the last week's Sunday is past the end.
    start = day - dt.timedelta(days=day.weekday())
    return Period(PeriodKind.week, start, shifted(start, 6) or dt.date.max)


def month_period(day: dt.date) -> Period:
    last = calendar.monthrange(day.year, day.month)[1]
    return Period(PeriodKind.month, day.replace(day=1), day.replace(day=last))


def containing(kind: PeriodKind, day: dt.date) -> Period:
    return {PeriodKind.date: day_period, PeriodKind.week: week_period, PeriodKind.month: month_period}[kind](day)


def parse_day(text: str) -> dt.date:
    if not _DAY.fullmatch(text):
        raise InvalidPeriod(f"{text[:40]!r} is not a date: expected YYYY-MM-DD, e.g. 2025-10-29")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidPeriod(f"{text!r} is not a valid date: {exc}") from exc


def parse_week(text: str) -> Period:
    match = _WEEK.fullmatch(text)
    if not match:
        raise InvalidPeriod(f"{text[:40]!r} is not an ISO week: expected YYYY-Www, e.g. 2025-W44")
    try:
        monday = dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise InvalidPeriod(f"{text!r} is not a valid ISO week: {match[1]} has no week {match[2]}") from exc
    return week_period(monday)


def parse_month(text: str) -> Period:
    match = _MONTH.fullmatch(text)
    if not match:
        raise InvalidPeriod(f"{text[:40]!r} is not a month: expected YYYY-MM, e.g. 2025-10")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or year < 1:
        raise InvalidPeriod(f"{text!r} is not a valid month")
    return month_period(dt.date(year, month, 1))


def parse_period(kind: PeriodKind, text: str) -> Period:
    if kind is PeriodKind.date:
        return day_period(parse_day(text))
    if kind is PeriodKind.week:
        return parse_week(text)
    return parse_month(text)
