"""Authorship claims: a user says which author of a paper they are; a curator approves or denies. A denied
claim can be filed again (it goes back to pending); an approved one gives the user an author badge on the
paper's comments and lists the paper on their page."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.community.models import AuthorClaim, ClaimStatus
from dailypapers.db import utcnow
from dailypapers.errors import Refused
from dailypapers.papers.models import Paper, PaperAuthor


class ClaimRefused(ValueError, Refused):
    """A refusal whose message is safe to show."""


def file_claim(session: Session, user: User, paper: Paper, position: int) -> AuthorClaim:
    """Claim to be the author at ``position`` (0-based) in ``paper``'s author list."""
    slot = session.get(PaperAuthor, (paper.id, position))
    if slot is None:
        raise ClaimRefused("This paper has no author at that place in its list.")
    claim = session.scalar(
        select(AuthorClaim).where(
            AuthorClaim.user_id == user.id, AuthorClaim.paper_id == paper.id, AuthorClaim.author_id == slot.author_id
        )
    )
    if claim is None:
        claim = AuthorClaim(user_id=user.id, paper_id=paper.id, author_id=slot.author_id)
        session.add(claim)
        session.flush()
        return claim
    if claim.status == ClaimStatus.pending.value:
        raise ClaimRefused("You have claimed this author already; a curator will look at it.")
    if claim.status == ClaimStatus.approved.value:
        raise ClaimRefused("You are already confirmed as this author.")
    claim.status, claim.decided_at, claim.decided_by_id = ClaimStatus.pending.value, None, None
    claim.created_at = utcnow()
    return claim


def decide(session: Session, curator: User, claim_id: int, approve: bool) -> AuthorClaim:
    if not curator.is_curator:
        raise PermissionError("Only curators decide authorship claims.")
    claim = session.get(AuthorClaim, claim_id)
    if claim is None:
        raise ClaimRefused("No such claim.")
    claim.status = (ClaimStatus.approved if approve else ClaimStatus.denied).value
    claim.decided_at = utcnow()
    claim.decided_by_id = curator.id
    return claim


def pending_claims(session: Session) -> list[AuthorClaim]:
    query = select(AuthorClaim).where(AuthorClaim.status == ClaimStatus.pending.value).order_by(AuthorClaim.created_at)
    return list(session.scalars(query))


def claims_of(session: Session, user: User, paper: Paper | None = None) -> list[AuthorClaim]:
    query = select(AuthorClaim).where(AuthorClaim.user_id == user.id).order_by(AuthorClaim.created_at.desc())
    if paper is not None:
        query = query.where(AuthorClaim.paper_id == paper.id)
    return list(session.scalars(query))


def claimed_user_ids(session: Session, paper_id: int) -> set[int]:
    """Users confirmed as authors of the paper."""
    query = select(AuthorClaim.user_id).where(
        AuthorClaim.paper_id == paper_id, AuthorClaim.status == ClaimStatus.approved.value
    )
    return set(session.scalars(query))


def approved_claims_for_author(session: Session, author_id: int) -> list[AuthorClaim]:
    query = select(AuthorClaim).where(
        AuthorClaim.author_id == author_id, AuthorClaim.status == ClaimStatus.approved.value
    )
    return list(session.scalars(query))
