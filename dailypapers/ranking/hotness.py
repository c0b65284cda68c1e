"""Trending: a pure function of upvotes, GitHub-star velocity and the time a paper entered the feed.

    points         = upvotes + min(STAR_POINTS_MAX, STARS_PER_DAY_WEIGHT * stars / days_from_v1_to_star_count)
    trending_score = log10(max(points, 1)) + (entered_at - EPOCH) / GRAVITY_SECONDS

This is Hacker News's gravity on age written on a log scale, where (as lobsters and reddit do) time enters
through the timestamp rather than through the age: a newer paper simply starts higher, so the stored score
never needs a decay job and sorting by the stored column is the trending order at any moment. With
``GRAVITY_SECONDS`` = one day, a paper needs ten times the points of a paper posted one day later to rank level
with it (100 upvotes yesterday ties with 10 today).

Star velocity (stars per day between the paper's first version and when the star count was read) counts as
upvotes when known, so code that people adopt fast rises; it is capped so that a famous repository linked from
a minor paper cannot outrank what the community votes for. The score is stored in an indexed column and
recomputed in the same transaction as any change to its inputs (a vote, an import).
"""

from __future__ import annotations

import datetime as dt
import math

EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
GRAVITY_SECONDS = 86_400.0  # seconds of recency worth a tenfold increase in points
STARS_PER_DAY_WEIGHT = 1.0  # points per star gained per day
STAR_POINTS_MAX = 50.0  # most points stars can add
MIN_STAR_WINDOW_DAYS = 1.0  # a count read within a day of v1 is treated as one day's stars


def star_points(stars: int | None, published_at: dt.datetime | None, stars_at: dt.datetime | None) -> float:
    """Points from GitHub-star velocity; 0 when the count, v1 date or reading time is unknown."""
    if not stars or published_at is None or stars_at is None:
        return 0.0
    days = max((stars_at - published_at).total_seconds() / 86_400.0, MIN_STAR_WINDOW_DAYS)
    return min(STAR_POINTS_MAX, STARS_PER_DAY_WEIGHT * stars / days)


def trending_score(
    upvotes: int,
    entered_at: dt.datetime,
    *,
    stars: int | None = None,
    published_at: dt.datetime | None = None,
    stars_at: dt.datetime | None = None,
) -> float:
    """Score for a paper with ``upvotes`` that entered the feed at ``entered_at`` (aware datetime)."""
    if entered_at.tzinfo is None:
        raise ValueError("entered_at must be timezone-aware")
    points = upvotes + star_points(stars, published_at, stars_at)
    magnitude = math.log10(max(points, 1.0))
    seconds = (entered_at - EPOCH).total_seconds()
    return round(magnitude + seconds / GRAVITY_SECONDS, 7)
