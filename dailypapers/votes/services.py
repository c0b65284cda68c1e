"""Casting and withdrawing upvotes. Each change moves the paper's count by exactly one and recomputes its
trending score in the same transaction, so counts stay exact under any concurrency:

- the vote row's primary key (user, paper) makes a second insert do nothing (``ON CONFLICT DO NOTHING``),
  and the count only moves when a row was really inserted or deleted;
- the count moves by ``UPDATE … SET upvotes = upvotes + 1``, which row-locks the paper on PostgreSQL until
  commit (SQLite's ``BEGIN IMMEDIATE`` serialises writers anyway), so the score that ``ranking.score.rescore``
  then computes from the stored row sees exactly that count.

Counts imported from Hugging Face have no vote rows behind them: a paper's upvotes are its imported count
plus the votes cast here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, exists, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from dailypapers.accounts.models import User
from dailypapers.db import insert_ignoring_conflicts, utcnow
from dailypapers.papers.models import DailyEntry, Origin, Paper
from dailypapers.ranking.score import rescore
from dailypapers.votes.models import Vote


@dataclass(frozen=True, slots=True)
class VoteState:
    upvoted: bool
    upvotes: int
    changed: bool = True  # False when the vote already was as asked


def _insert_vote(session: Session, user_id: int, paper_id: int) -> bool:
    statement = insert_ignoring_conflicts(session, Vote).values(user_id=user_id, paper_id=paper_id)
    # RETURNING, not rowcount: with an ON CONFLICT clause psycopg reports rowcount -1.
    return session.execute(statement.returning(Vote.paper_id)).first() is not None


def _move_count(session: Session, paper: Paper, delta: int, feed_threshold: int = 0) -> int:
    upvotes: int = session.execute(
        update(Paper).where(Paper.id == paper.id).values(upvotes=Paper.upvotes + delta).returning(Paper.upvotes)
    ).scalar_one()
    set_committed_value(paper, "upvotes", upvotes)  # the loaded object shows the count without a reload
    source: int = session.scalar(select(Paper.source_upvotes).where(Paper.id == paper.id)) or 0
    if delta > 0 and 0 < feed_threshold <= upvotes - source:
        _put_on_feed(session, paper)
    rescore(session, [paper.id])
    return upvotes


def _put_on_feed(session: Session, paper: Paper) -> None:
    """The community put ``paper`` on today's feed (DAILYPAPERS_FEED_COMMUNITY_UPVOTES local votes). Only
    local votes count: Hugging Face's papers are on the feed already, through the mirror. A paper on the feed,
    or one a curator took off it (its entry stays, hidden), keeps its entry: the insert does nothing."""
    now = utcnow()
    values = {"paper_id": paper.id, "day": now.date(), "submitted_at": now, "origin": Origin.community.value}
    session.execute(insert_ignoring_conflicts(session, DailyEntry, ["paper_id"]).values(featured=False, **values))


def set_vote(session: Session, user: User, paper: Paper, upvoted: bool, *, feed_threshold: int = 0) -> VoteState:
    """Make ``user``'s vote on ``paper`` be ``upvoted``; idempotent. ``feed_threshold``: local upvotes that put
    a paper not yet on the feed onto it (0: never)."""
    _lock_paper(session, paper)
    if upvoted:
        changed = _insert_vote(session, user.id, paper.id)
    else:
        statement = delete(Vote).where(Vote.user_id == user.id, Vote.paper_id == paper.id).returning(Vote.paper_id)
        changed = session.execute(statement).first() is not None
    if changed:
        return VoteState(upvoted, _move_count(session, paper, 1 if upvoted else -1, feed_threshold))
    upvotes = session.scalar(select(Paper.upvotes).where(Paper.id == paper.id)) or 0
    return VoteState(upvoted, upvotes, changed=False)


def _lock_paper(session: Session, paper: Paper) -> None:
    """Serialise vote changes on one paper (PostgreSQL row lock; SQLite's write lock already does this).
    Without it, two racing toggles by one user could both see the vote, and the second DELETE would find
    nothing: two toggles, one change."""
    session.execute(select(Paper.id).where(Paper.id == paper.id).with_for_update())


def toggle_vote(session: Session, user: User, paper: Paper, *, feed_threshold: int = 0) -> VoteState:
    """Upvote when not upvoted, withdraw otherwise. Racing toggles by one user each flip the vote."""
    _lock_paper(session, paper)
    if _insert_vote(session, user.id, paper.id):
        return VoteState(True, _move_count(session, paper, 1, feed_threshold))
    return set_vote(session, user, paper, False)


def voted_clause(user: User, paper_id: int) -> ColumnElement[bool]:
    """Whether ``user`` upvoted the paper, as an EXISTS a page can select beside other marks."""
    return exists().where(Vote.user_id == user.id, Vote.paper_id == paper_id)


def voted_ids(session: Session, user: User | None, paper_ids: list[int]) -> set[int]:
    """Which of ``paper_ids`` ``user`` has upvoted (for marking a listing's vote buttons)."""
    if user is None or not paper_ids:
        return set()
    query = select(Vote.paper_id).where(Vote.user_id == user.id, Vote.paper_id.in_(paper_ids))
    return set(session.scalars(query))
