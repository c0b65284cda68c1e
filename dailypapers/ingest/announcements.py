"""Which arXiv announcement a harvested record belongs to, and as what: a new paper or a replacement.

An OAI-PMH record's datestamp is the day arXiv last changed it, which for a daily harvest is the day it was
announced. But a datestamp also moves for a metadata fix or a cross-list added years later, so a record counts
as announced on its datestamp only when that day follows its submission closely: a first version submitted at
most ``MAX_ANNOUNCE_LAG`` before is new on that day; a later version submitted that close is a replacement.
Anything else is an old paper whose record changed, and appears on no "new" listing.
"""

from __future__ import annotations

import datetime as dt

from dailypapers.papers.records import PaperRecord

# Submission to announcement takes 1-4 days (weekends, holidays); a week leaves room and excludes metadata edits.
MAX_ANNOUNCE_LAG = dt.timedelta(days=7)


def announcement_days(record: PaperRecord) -> tuple[dt.date | None, dt.date | None]:
    """(the day ``record`` was announced as new, the day it was announced as a replacement); None when not."""
    listed = record.listed_on
    if listed is None or record.published_at is None:
        return None, None
    created = record.published_at.date()
    updated = record.updated_at.date() if record.updated_at is not None else created
    first_version = record.version == 1 if record.version is not None else updated == created
    if first_version and dt.timedelta(0) <= listed - created <= MAX_ANNOUNCE_LAG:
        return listed, None
    if not first_version and dt.timedelta(0) <= listed - updated <= MAX_ANNOUNCE_LAG:
        return None, listed
    return None, None
