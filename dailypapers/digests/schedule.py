"""Which period a digest covers, and when it is due. Pure functions of the clock and the settings.

A daily digest covers one feed day D and is due at DAILYPAPERS_DIGEST_HOUR on D + 1 (local to
DAILYPAPERS_DIGEST_TIMEZONE), when the day's listing is complete. A weekly digest covers an ISO week and is
due at that hour on DAILYPAPERS_DIGEST_WEEKDAY of the following week. The scheduler composes only the most
recent due period: after an outage it does not flood inboxes with old days (`dailypapers digest send --date`
recovers a missed one on purpose).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dailypapers.config import Settings
from dailypapers.digests.models import Frequency
from dailypapers.papers.periods import Period, day_period, week_period

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class DigestPeriod:
    frequency: Frequency
    period: Period

    @property
    def key(self) -> str:
        """The outbox's period column: one digest per subscription and key."""
        return f"{self.frequency.value}:{self.period.slug}"

    @property
    def label(self) -> str:
        return self.period.label


def covering(frequency: Frequency, day: dt.date) -> DigestPeriod:
    """The period of ``frequency`` that contains ``day``."""
    return DigestPeriod(frequency, day_period(day) if frequency is Frequency.daily else week_period(day))


def latest_due(frequency: Frequency, now: dt.datetime, settings: Settings) -> DigestPeriod | None:
    """The most recent period whose digest is due at ``now`` (aware); None for a skipped weekend day."""
    local = now.astimezone(ZoneInfo(settings.digest_timezone))
    # Shift the clock back by the send hour: before it, "today's" digest (of yesterday) is not due yet.
    shifted = (local - dt.timedelta(hours=settings.digest_hour)).date()
    if frequency is Frequency.daily:
        day = shifted - dt.timedelta(days=1)
        if settings.digest_skip_weekends and day.weekday() >= 5:
            return None
        return covering(frequency, day)
    send_weekday = WEEKDAYS.index(settings.digest_weekday)
    # The latest send day on or before ``shifted``; it sends the ISO week before its own week.
    send_day = shifted - dt.timedelta(days=(shifted.weekday() - send_weekday) % 7)
    previous_week_day = send_day - dt.timedelta(days=send_day.weekday() + 1)
    return covering(frequency, previous_week_day)
