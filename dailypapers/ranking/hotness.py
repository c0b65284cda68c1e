"""Trending: a pure function of upvotes and the time a paper entered the feed.

    trending_score = log10(max(upvotes, 1)) + (entered_at - EPOCH) / SECONDS_PER_TENFOLD_UPVOTES

Time enters through the timestamp, not through the age (as lobsters and reddit do), so the stored score never
needs a decay job: a newer paper simply starts higher. With ``SECONDS_PER_TENFOLD_UPVOTES`` = one day, a paper
needs ten times the upvotes of a paper posted one day later to rank level with it (100 upvotes yesterday ties
with 10 today). The score is stored in an indexed column and recomputed in the same transaction as any
change to its inputs.
"""

from __future__ import annotations

import datetime as dt
import math

EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
SECONDS_PER_TENFOLD_UPVOTES = 86_400.0


def trending_score(upvotes: int, entered_at: dt.datetime) -> float:
    """Score for a paper with ``upvotes`` that entered the feed at ``entered_at`` (aware datetime)."""
    if entered_at.tzinfo is None:
        raise ValueError("entered_at must be timezone-aware")
    magnitude = math.log10(max(upvotes, 1))
    seconds = (entered_at - EPOCH).total_seconds()
    return round(magnitude + seconds / SECONDS_PER_TENFOLD_UPVOTES, 7)
