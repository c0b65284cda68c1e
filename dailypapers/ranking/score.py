"""The stored trending score: when a paper entered the feed, and recomputing the score after its inputs change.

``hotness.py`` is the pure formula; this module applies it to stored papers. Votes, imports and submissions
all change a score's inputs (upvotes, stars, the daily entry), and each calls ``rescore`` in its own
transaction, so the indexed ``papers.trending_score`` column is always the trending order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.ranking.hotness import trending_score

# Keeps each IN (...) list well under SQLite's and PostgreSQL's bound-parameter limits.
IN_CHUNK = 500


def entered_feed_at(
    listed_at: dt.datetime | None, published_at: dt.datetime | None, stored_at: dt.datetime
) -> dt.datetime:
    """When a paper entered the feed: its daily entry's submission time. A paper not on the feed yet ranks by
    its first version, and one without a known first version by when we stored it (so it still sorts)."""
    return listed_at or published_at or stored_at


def score_paper(paper: Paper, entered_at: dt.datetime) -> float:
    """``paper``'s trending score if it entered the feed at ``entered_at``."""
    return trending_score(
        paper.upvotes,
        entered_at,
        stars=paper.github_stars,
        published_at=paper.published_at,
        stars_at=paper.github_stars_at,
    )


def rescore(session: Session, paper_ids: Iterable[int]) -> None:
    """Recompute the stored trending score of ``paper_ids`` from what is stored now (in the caller's
    transaction). Papers already loaded in ``session`` get the new score too, without another query."""
    ids = sorted(set(paper_ids))
    if not ids:
        return
    session.flush()  # the score must see the caller's pending changes (a new entry, new upvotes)
    changed: list[dict[str, object]] = []
    for start in range(0, len(ids), IN_CHUNK):
        # Only the score's inputs: a harvest rescoring thousands of papers should not load their abstracts.
        query = (
            select(
                Paper.id,
                Paper.upvotes,
                Paper.github_stars,
                Paper.github_stars_at,
                Paper.published_at,
                Paper.created_at,
                Paper.trending_score,
                DailyEntry.submitted_at,
            )
            .outerjoin(DailyEntry, DailyEntry.paper_id == Paper.id)
            .where(Paper.id.in_(ids[start : start + IN_CHUNK]))
        )
        for pid, upvotes, stars, stars_at, published_at, created_at, stored, listed_at in session.execute(query):
            at = entered_feed_at(listed_at, published_at, created_at)
            score = trending_score(upvotes, at, stars=stars, published_at=published_at, stars_at=stars_at)
            if stored != score:
                changed.append({"pid": pid, "score": score})
    if not changed:
        return
    # Core executemany on the session's connection: one statement, batched; the ORM would flush row by row.
    statement = update(Paper).where(Paper.id == bindparam("pid")).values(trending_score=bindparam("score"))
    session.connection().execute(statement, changed)
    for row in changed:
        paper = session.identity_map.get(session.identity_key(Paper, row["pid"]))
        if paper is not None:
            # The UPDATE bypassed the ORM: tell the loaded object its new value is what the database holds.
            set_committed_value(paper, "trending_score", row["score"])
