""" "New on arXiv": per announcement day, every paper announced in the configured categories (or one category
or archive), as arXiv lists them: new submissions, then cross-lists (primary category elsewhere), then
replacements (a new version of an older paper), each marked and by upvotes. Pages at ``/papers/new`` (the
latest announcement) and ``/papers/new/YYYY-MM-DD``; JSON at ``/api/papers/new``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import Session

from dailypapers.accounts.auth import OptionalUser
from dailypapers.api.schemas import ErrorOut
from dailypapers.papers.filters import FiltersDep, PaperFilters, condition
from dailypapers.papers.models import Paper
from dailypapers.votes.services import voted_ids
from dailypapers.web.deps import SessionDep, SettingsDep
from dailypapers.web.templating import render

MAX_PAPERS = 2000  # the busiest day of cs is ~1,500 announcements

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["papers"])


class Kind(StrEnum):
    new = "new"
    cross_list = "cross-list"
    replacement = "replacement"


_ORDER = {Kind.new: 0, Kind.cross_list: 1, Kind.replacement: 2}


@dataclass(frozen=True, slots=True)
class NewPaper:
    paper_id: int
    arxiv_id: str
    title: str
    abstract: str
    primary_category: str | None
    categories: str
    published_at: dt.datetime | None
    upvotes: int
    kind: Kind


def _matches(wanted: list[str], primary: str | None, categories: str) -> tuple[bool, bool]:
    """(the primary category is wanted, any category is wanted); an archive (no dot) wants its categories."""

    def hit(category: str) -> bool:
        return any(category == w or ("." not in w and category.startswith(w + ".")) for w in wanted)

    return (primary is not None and hit(primary)), any(hit(c) for c in categories.split())


def _prefilter(wanted: list[str]) -> ColumnElement[bool]:
    """A SQL filter that keeps every paper with a wanted category (and a few more; Python decides exactly)."""
    conditions = [Paper.categories.contains(w) for w in wanted]
    return or_(*conditions) if conditions else false()


def papers_announced(
    session: Session, day: dt.date, wanted: list[str], filters: PaperFilters | None = None
) -> list[NewPaper]:
    """Everything announced on ``day`` in ``wanted`` (categories or archives; empty: every category) that
    passes ``filters`` (the site's vocabulary; its categories are ``wanted``, which also decide the kind)."""
    query = (
        select(
            Paper.id,
            Paper.arxiv_id,
            Paper.title,
            Paper.abstract,
            Paper.primary_category,
            Paper.categories,
            Paper.published_at,
            Paper.upvotes,
            Paper.announced_on,
        )
        .where(or_(Paper.announced_on == day, Paper.replaced_on == day))
        .limit(MAX_PAPERS)
    )
    if wanted:
        query = query.where(_prefilter(wanted))
    if filters is not None and filters.without_categories().active:
        query = query.where(condition(filters.without_categories()))
    found = []
    for paper_id, arxiv_id, title, abstract, primary, categories, published_at, upvotes, announced in session.execute(
        query
    ):
        primary_hit, any_hit = _matches(wanted, primary, categories) if wanted else (True, True)
        if not any_hit:
            continue
        kind = Kind.replacement if announced != day else Kind.new if primary_hit else Kind.cross_list
        found.append(NewPaper(paper_id, arxiv_id, title, abstract, primary, categories, published_at, upvotes, kind))
    found.sort(key=lambda p: (_ORDER[p.kind], -p.upvotes, p.arxiv_id))
    return found


def latest_announcement_day(session: Session) -> dt.date | None:
    return session.scalar(select(func.max(Paper.announced_on)))


def _neighbours(session: Session, day: dt.date) -> tuple[dt.date | None, dt.date | None]:
    before = session.scalar(select(func.max(Paper.announced_on)).where(Paper.announced_on < day))
    after = session.scalar(select(func.min(Paper.announced_on)).where(Paper.announced_on > day))
    return before, after


def _day_or_400(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise HTTPException(400, f"date {value[:40]!r} is not a day (expected YYYY-MM-DD)") from None


def _wanted(filters: PaperFilters, configured: list[str]) -> list[str]:
    return list(filters.categories) or configured


def _page(
    request: Request, session: Session, day: dt.date | None, filters: PaperFilters, configured: list[str], user: Any
) -> Response:
    papers = papers_announced(session, day, _wanted(filters, configured), filters) if day else []
    previous, following = _neighbours(session, day) if day else (None, None)
    path = f"/papers/new/{day.isoformat()}" if day else "/papers/new"
    context = {
        "day": day,
        "category": " ".join(filters.categories),
        "categories": configured,
        "filter_chips": filters.chips(path),
        "filter_pairs": filters.without_categories().pairs(),
        "filter_query": filters.query_string(),
        "papers": papers,
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
    return _page(request, session, latest_announcement_day(session), filters, settings.category_list, user)


@router.get("/papers/new/{day}")
def on_day(
    request: Request,
    day: str,
    session: SessionDep,
    settings: SettingsDep,
    user: OptionalUser,
    filters: FiltersDep,
) -> Response:
    return _page(request, session, _day_or_400(day), filters, settings.category_list, user)


class NewPaperOut(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True)

    id: str
    title: str
    kind: Kind = Field(description="new, cross-list (primary category elsewhere) or replacement (a new version).")
    primary_category: str | None = Field(serialization_alias="primaryCategory")
    categories: list[str]
    published_at: dt.datetime | None = Field(serialization_alias="publishedAt")
    upvotes: int


class NewListingOut(BaseModel):
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
    day = _day_or_400(date) if date else latest_announcement_day(session)
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
