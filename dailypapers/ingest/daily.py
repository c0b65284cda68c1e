"""Syncing Hugging Face daily listings from the live site, day by day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from dailypapers.db import Database
from dailypapers.ingest.files import import_daily_items
from dailypapers.ingest.outcomes import ImportSummary
from dailypapers.sources.huggingface import HuggingFaceDaily


def sync_hf_days(
    db: Database,
    hf: HuggingFaceDaily,
    days: Iterable[dt.date],
    on_day: Callable[[dt.date, int], None] | None = None,
) -> ImportSummary:
    """Fetch each day's Hugging Face listing and store it exactly as the file import does."""
    summary = ImportSummary()
    for day in days:
        items = hf.fetch_day(day)
        if items:
            summary.count(import_daily_items(db, items))
        if on_day is not None:
            on_day(day, len(items))
    return summary


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    if last < first:
        raise ValueError(f"--until {last} is before --from {first}")
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
