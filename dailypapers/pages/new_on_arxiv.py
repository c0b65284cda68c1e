""" "New on arXiv" pages and API: per announcement day, every paper announced in the configured categories (or
one category or archive), marked new, cross-list or replacement (``papers.announced``). Anonymous visitors see
each group by upvotes; a member with an interest model sees it by predicted interest, with the liked paper that
explains each pick. Pages at ``/papers/new`` (the latest announcement) and ``/papers/new/YYYY-MM-DD``; JSON at
``/api/papers/new``; Atom feeds in ``feeds``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.accounts.auth import OptionalUser
from dailypapers.accounts.models import User
from dailypapers.config import Settings
from dailypapers.papers.announced import (
    ORDER,
    Kind,
    NewPaper,
    latest_announcement_day,
    neighbours,
    papers_announced,
    parse_day,
)
from dailypapers.papers.filters import FiltersDep, PaperFilters
from dailypapers.papers.models import Paper
from dailypapers.personal.services import rank_ids
from dailypapers.votes.services import voted_ids
from dailypapers.web.api_model import ApiModel, ErrorOut
from dailypapers.web.deps import SessionDep, SettingsDep
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["papers"])


def _wanted(filters: PaperFilters, configured: list[str]) -> list[str]:
    return list(filters.categories) or configured


def by_interest(
    session: Session, settings: Settings, user: User, papers: list[NewPaper]
) -> tuple[list[NewPaper], dict[int, tuple[str, str]]] | None:
    """``papers`` with each group (new, cross-lists, replacements) in the order of the member's interest model,
    and for each pick the liked paper (arXiv id, title) closest to it; None when the member has no model yet.
    Papers the model leaves out (already upvoted, saved or dismissed; no vector yet) follow, by upvotes."""
    picks = rank_ids(session, settings, user.id, [p.paper_id for p in papers], limit=len(papers))
    if picks is None:
        return None
    rank = {pick.paper_id: position for position, pick in enumerate(picks)}
    ordered = sorted(papers, key=lambda p: (ORDER[p.kind], rank.get(p.paper_id, len(rank)), -p.upvotes))
    liked_ids = {pick.because_id for pick in picks if pick.because_id is not None}
    liked = {
        paper_id: (arxiv_id, title)
        for paper_id, arxiv_id, title in session.execute(
            select(Paper.id, Paper.arxiv_id, Paper.title).where(Paper.id.in_(liked_ids))
        )
    }
    because = {pick.paper_id: liked[pick.because_id] for pick in picks if pick.because_id in liked}
    return ordered, because


def _page(
    request: Request,
    session: Session,
    settings: Settings,
    day: dt.date | None,
    filters: PaperFilters,
    user: User | None,
) -> Response:
    configured = settings.category_list
    papers = papers_announced(session, day, _wanted(filters, configured), filters) if day else []
    previous, following = neighbours(session, day) if day else (None, None)
    personal = by_interest(session, settings, user, papers) if user is not None and papers else None
    ordered, because = personal if personal is not None else (papers, {})
    path = f"/papers/new/{day.isoformat()}" if day else "/papers/new"
    context = {
        "day": day,
        "category": " ".join(filters.categories),
        "categories": configured,
        "filter_chips": filters.chips(path),
        "filter_pairs": filters.without_categories().pairs(),
        "filter_query": filters.query_string(),
        "papers": ordered,
        "because": because,
        "by_interest": personal is not None,
        "counts": {kind.value: sum(1 for p in papers if p.kind is kind) for kind in Kind},
        "voted_ids": voted_ids(session, user, [p.paper_id for p in papers]),
        "previous": previous,
        "next": following,
    }
    return render(request, "new_on_arxiv.html", context)


@router.get("/papers/new")
def latest(
    request: Request, session: SessionDep, settings: SettingsDep, user: OptionalUser, filters: FiltersDep
) -> Response:
    return _page(request, session, settings, latest_announcement_day(session), filters, user)


@router.get("/papers/new/{day}")
def on_day(
    request: Request,
    day: str,
    session: SessionDep,
    settings: SettingsDep,
    user: OptionalUser,
    filters: FiltersDep,
) -> Response:
    return _page(request, session, settings, parse_day(day), filters, user)


class NewPaperOut(ApiModel):
    id: str
    title: str
    kind: Kind = Field(description="new, cross-list (primary category elsewhere) or replacement (a new version).")
    primary_category: str | None = Field(alias="primaryCategory")
    categories: list[str]
    published_at: dt.datetime | None = Field(alias="publishedAt")
    upvotes: int


class NewListingOut(ApiModel):
    date: dt.date | None = Field(description="The announcement day (null when nothing was announced yet).")
    categories: list[str] = Field(description="What the listing covers (empty: every category).")
    papers: list[NewPaperOut]


@api_router.get("/papers/new", responses={400: {"model": ErrorOut}})
def api_new(
    session: SessionDep,
    settings: SettingsDep,
    filters: FiltersDep,
    date: Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD; default the latest.")] = None,
) -> NewListingOut:
    """The papers arXiv announced on one day, marked new, cross-list or replacement, by upvotes; ``category``
    defaults to the configured categories, and the other filters are the site's vocabulary."""
    day = parse_day(date) if date else latest_announcement_day(session)
    wanted = _wanted(filters, settings.category_list)
    papers = papers_announced(session, day, wanted, filters) if day else []
    return NewListingOut(
        date=day,
        categories=wanted,
        papers=[
            NewPaperOut(
                id=p.arxiv_id,
                title=p.title,
                kind=p.kind,
                primary_category=p.primary_category,
                categories=p.categories.split(),
                published_at=p.published_at,
                upvotes=p.upvotes,
            )
            for p in papers
        ],
    )
