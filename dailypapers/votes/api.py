"""Votes over the JSON API: ``PUT`` upvotes, ``DELETE`` withdraws (both idempotent), ``POST`` toggles."""

from __future__ import annotations

from fastapi import APIRouter

from dailypapers.accounts.auth import CurrentUser
from dailypapers.papers.lookup import PaperIdPath, paper_or_404
from dailypapers.votes import services
from dailypapers.votes.schemas import VoteOut
from dailypapers.web.api_model import ErrorOut
from dailypapers.web.deps import TOKEN_REQUIRED, DatabaseDep, SettingsDep

router = APIRouter(prefix="/api", tags=["votes"])
ERRORS: dict[int | str, dict[str, object]] = {**TOKEN_REQUIRED, 404: {"model": ErrorOut}}


def _vote(db: DatabaseDep, user: CurrentUser, paper_id: str, upvoted: bool | None, threshold: int) -> VoteOut:
    with db.write() as session:
        paper = paper_or_404(session, paper_id)
        if upvoted is None:
            state = services.toggle_vote(session, user, paper, feed_threshold=threshold)
        else:
            state = services.set_vote(session, user, paper, upvoted, feed_threshold=threshold)
    return VoteOut(paper_id=paper.arxiv_id, upvoted=state.upvoted, upvotes=state.upvotes)


@router.put("/papers/{paper_id:path}/vote", response_model_by_alias=True, responses=ERRORS)
def upvote(paper_id: PaperIdPath, db: DatabaseDep, user: CurrentUser, settings: SettingsDep) -> VoteOut:
    """Upvote the paper (no change when already upvoted)."""
    return _vote(db, user, paper_id, True, settings.feed_community_upvotes)


@router.delete("/papers/{paper_id:path}/vote", response_model_by_alias=True, responses=ERRORS)
def withdraw(paper_id: PaperIdPath, db: DatabaseDep, user: CurrentUser, settings: SettingsDep) -> VoteOut:
    """Withdraw the upvote (no change when there is none)."""
    return _vote(db, user, paper_id, False, settings.feed_community_upvotes)


@router.post("/papers/{paper_id:path}/vote", response_model_by_alias=True, responses=ERRORS)
def toggle(paper_id: PaperIdPath, db: DatabaseDep, user: CurrentUser, settings: SettingsDep) -> VoteOut:
    """Toggle the upvote."""
    return _vote(db, user, paper_id, None, settings.feed_community_upvotes)
