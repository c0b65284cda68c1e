"""A member's own digest sections (digests.compose.MemberSections): "From authors you follow" and "Saved
searches", the new papers of the digest's period."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from dailypapers.config import Settings
from dailypapers.personal.follows import papers_by_followed
from dailypapers.personal.saved_searches import matches, saved_searches_of

FOLLOWED_HEADING = "From authors you follow"
SAVED_HEADING = "Saved searches"


def _window(first_day: dt.date, last_day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The period's days as instants: papers first published in them are its new papers."""
    start = dt.datetime.combine(first_day, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return start, end


class FollowsAndSearches:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def sections(
        self, session: Session, user_id: int, first_day: dt.date, last_day: dt.date, limit: int
    ) -> list[tuple[str, list[int]]]:
        since, until = _window(first_day, last_day)
        found = []
        followed = papers_by_followed(session, user_id, since=since, until=until, limit=limit)
        if followed:
            found.append((FOLLOWED_HEADING, followed))
        saved: list[int] = []
        for search in saved_searches_of(session, user_id):
            saved += [i for i in matches(session, self.settings, search, since, until, limit) if i not in saved]
        if saved:
            found.append((SAVED_HEADING, saved[:limit]))
        return found
