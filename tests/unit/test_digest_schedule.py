"""When digests are due and which period they cover."""

from __future__ import annotations

import datetime as dt

import pytest

from dailypapers.config import Settings
from dailypapers.digests.models import Frequency
from dailypapers.digests.schedule import latest_due

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-26T07:00", "daily:2026-11-25"),  # Thursday at the hour: Wednesday's digest
        ("2026-11-26T06:59", "daily:2026-11-24"),  # before the hour: still Tuesday's
        ("2026-11-24T08:00", "daily:2026-11-23"),  # Tuesday: Monday's
        ("2026-11-23T08:00", None),  # Monday: Sunday's is skipped
        ("2026-11-22T08:00", None),  # Sunday: Saturday's is skipped
        ("2026-11-21T08:00", "daily:2026-11-20"),  # Saturday: Friday's
    ],
)
def test_daily(now: str, expected: str | None) -> None:
    period = latest_due(Frequency.daily, at(now), Settings(digest_hour=7))
    assert (period.key if period else None) == expected


def test_weekends_can_be_kept() -> None:
    period = latest_due(Frequency.daily, at("2026-11-23T08:00"), Settings(digest_skip_weekends=False))
    assert period is not None and period.key == "daily:2026-11-22"


@pytest.mark.parametrize(
    ("now", "weekday", "expected"),
    [
        ("2026-11-23T07:00", "monday", "weekly:2026-W47"),  # Monday at the hour: the week just ended
        ("2026-11-23T06:00", "monday", "weekly:2026-W46"),  # before it: the week before
        ("2026-11-26T12:00", "monday", "weekly:2026-W47"),
        ("2026-11-26T12:00", "friday", "weekly:2026-W46"),  # this week's Friday has not come yet
        ("2026-11-27T07:00", "friday", "weekly:2026-W47"),
    ],
)
def test_weekly(now: str, weekday: str, expected: str) -> None:
    period = latest_due(Frequency.weekly, at(now), Settings(digest_hour=7, digest_weekday=weekday))  # type: ignore[arg-type]
    assert period is not None and period.key == expected


def test_the_hour_is_local_to_the_digest_time_zone() -> None:
    settings = Settings(digest_hour=7, digest_timezone="America/New_York")
    # 11:30 UTC is 06:30 in New York: Wednesday's digest is not due yet there.
    period = latest_due(Frequency.daily, at("2026-11-26T11:30"), settings)
    assert period is not None and period.key == "daily:2026-11-24"
    with pytest.raises(ValueError, match="unknown time zone"):
        Settings(digest_timezone="Mars/Olympus")
