"""What the HF-shaped API adds to a page of papers beyond the papers themselves: the authors, comment counts, who
commented and approved authorship claims, read for the whole page in three queries (never one query per paper)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.community.models import AuthorClaim, ClaimStatus, Comment
from dailypapers.papers.lookup import Byline, bylines


@dataclass(frozen=True, slots=True)
class Claim:
    user: User
    decided_at: dt.datetime | None


@dataclass(frozen=True)
class PaperExtras:
    comments: dict[int, int] = field(default_factory=dict)  # paper id -> visible comments
    claims: dict[tuple[int, int], Claim] = field(default_factory=dict)  # (paper id, author id) -> approved claim
    commenters: dict[int, set[int]] = field(default_factory=dict)  # paper id -> users with a visible comment
    authors: dict[int, list[Byline]] = field(default_factory=dict)  # paper id -> its authors in order

    def claimed_users(self, paper_id: int) -> set[int]:
        return {claim.user.id for (pid, _), claim in self.claims.items() if pid == paper_id}


def load_extras(session: Session, paper_ids: Iterable[int]) -> PaperExtras:
    ids = sorted(set(paper_ids))
    if not ids:
        return PaperExtras()
    query = (
        select(AuthorClaim.paper_id, AuthorClaim.author_id, AuthorClaim.decided_at, User)
        .join(User, User.id == AuthorClaim.user_id)
        .where(AuthorClaim.paper_id.in_(ids), AuthorClaim.status == ClaimStatus.approved.value)
        .order_by(AuthorClaim.decided_at, AuthorClaim.id)
    )
    # Two members approved for one author (a curator's mistake): the first approved keeps the byline.
    claims: dict[tuple[int, int], Claim] = {}
    for paper_id, author_id, decided_at, user in session.execute(query):
        claims.setdefault((paper_id, author_id), Claim(user, decided_at))
    # Grouped by paper and writer (ix_comments_paper_created serves the paper filter): counts and writers at once.
    comments = (
        select(Comment.paper_id, Comment.user_id, func.count())
        .where(Comment.paper_id.in_(ids), Comment.deleted_at.is_(None), Comment.hidden_at.is_(None))
        .group_by(Comment.paper_id, Comment.user_id)
    )
    counts: dict[int, int] = {}
    commenters: dict[int, set[int]] = {}
    for paper_id, user_id, count in session.execute(comments):
        counts[paper_id] = counts.get(paper_id, 0) + count
        commenters.setdefault(paper_id, set()).add(user_id)
    return PaperExtras(counts, claims, commenters, bylines(session, ids))
