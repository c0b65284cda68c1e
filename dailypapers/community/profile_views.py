"""User pages: what someone submitted, the papers they are a confirmed author of, and what they upvoted."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select

from dailypapers.accounts.services import user_by_username
from dailypapers.community.models import AuthorClaim, ClaimStatus
from dailypapers.deps import SessionDep
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.votes.models import Vote
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)
SHOWN_PER_LIST = 100


@router.get("/users/{username}")
def user_page(request: Request, username: str, session: SessionDep) -> Response:
    person = user_by_username(session, username)
    if person is None:
        raise HTTPException(404, f"No user {username}.")
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
    me = request.state.user
    pending = []
    if me is not None and me.id == person.id:
        pending = list(
            session.scalars(
                select(AuthorClaim)
                .where(AuthorClaim.user_id == person.id, AuthorClaim.status != ClaimStatus.approved.value)
                .order_by(AuthorClaim.created_at.desc())
            )
        )
    context = {
        "person": person,
        "submitted": list(submitted),
        "authored": list(authored),
        "upvoted": list(upvoted),
        "pending_claims": pending,
    }
    return render(request, "community/user.html", context)  # type: ignore[no-any-return]
