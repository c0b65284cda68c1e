"""What user pages and author pages show (the queries behind community/profile_views.py and claim_views.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.accounts.services import user_by_username
from dailypapers.community import claims
from dailypapers.community.models import AuthorClaim, ClaimStatus
from dailypapers.papers.models import Author, DailyEntry, Paper, PaperAuthor
from dailypapers.votes.models import Vote

SHOWN_PER_LIST = 100
AUTHOR_PAGE_SIZE = 50


@dataclass
class UserProfile:
    person: User
    submitted: list[Paper]
    authored: list[Paper]
    upvoted: list[Paper]
    pending_claims: list[AuthorClaim] = field(default_factory=list)  # only for the person themself


def user_profile(session: Session, username: str, viewer: User | None) -> UserProfile | None:
    person = user_by_username(session, username)
    if person is None:
        return None
    submitted = session.scalars(
        select(Paper)
        .join(DailyEntry, DailyEntry.paper_id == Paper.id)
        .where(DailyEntry.submitted_by_id == person.id, DailyEntry.hidden_at.is_(None))
        .order_by(DailyEntry.submitted_at.desc())
        .limit(SHOWN_PER_LIST)
    )
    authored = session.scalars(
        select(Paper)
        .join(AuthorClaim, AuthorClaim.paper_id == Paper.id)
        .where(AuthorClaim.user_id == person.id, AuthorClaim.status == ClaimStatus.approved.value)
        .order_by(Paper.published_at.desc())
        .limit(SHOWN_PER_LIST)
    )
    upvoted = session.scalars(
        select(Paper)
        .join(Vote, Vote.paper_id == Paper.id)
        .where(Vote.user_id == person.id)
        .order_by(Vote.created_at.desc())
        .limit(SHOWN_PER_LIST)
    )
    profile = UserProfile(person, list(submitted), list(authored), list(upvoted))
    if viewer is not None and viewer.id == person.id:
        profile.pending_claims = [
            c for c in claims.claims_of(session, person) if c.status != ClaimStatus.approved.value
        ]
    return profile


@dataclass
class AuthorProfile:
    author: Author
    papers: list[Paper]
    total: int
    claimed_by: list[User]


def author_profile(session: Session, author_id: int, page: int) -> AuthorProfile | None:
    author = session.get(Author, author_id)
    if author is None:
        return None
    papers = session.scalars(
        select(Paper)
        .join(PaperAuthor, PaperAuthor.paper_id == Paper.id)
        .where(PaperAuthor.author_id == author_id)
        .order_by(Paper.published_at.desc().nulls_last(), Paper.id.desc())
        .offset((page - 1) * AUTHOR_PAGE_SIZE)
        .limit(AUTHOR_PAGE_SIZE)
    )
    total = session.scalar(select(func.count()).select_from(PaperAuthor).where(PaperAuthor.author_id == author_id))
    users = {c.user.id: c.user for c in claims.approved_claims_for_author(session, author_id)}
    return AuthorProfile(author, list(papers), total or 0, list(users.values()))
