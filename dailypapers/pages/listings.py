"""The listing pages: home (the latest day), a day, week or month, and trending. Each context builder is a
plain function (tested with plain asserts); each handler parses, calls one builder and renders."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from dailypapers.accounts.auth import OptionalUser
from dailypapers.accounts.models import User
from dailypapers.config import Settings
from dailypapers.pages.marks import voted_cards
from dailypapers.papers import listings
from dailypapers.papers.filters import FiltersDep, PaperFilters
from dailypapers.papers.periods import Period, PeriodKind, containing, day_period, parse_period
from dailypapers.web.deps import SessionDep, SettingsDep
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)  # listings: matched first, they are most of the traffic
# /papers/trending keeps its own router so app.py can add it where it always was (before the paper page).
trending_router = APIRouter(include_in_schema=False)
MAX_TRENDING_PAGES = 20


QueryParam = Annotated[str | None, Query(max_length=listings.MAX_QUERY_CHARS, description="Filter by title/abstract")]
PageParam = Annotated[int, Query(ge=1, le=10_000)]


def listing_context(
    session: Session,
    settings: Settings,
    period: Period,
    q: str | None = None,
    page: int = 1,
    user: User | None = None,
    filters: PaperFilters | None = None,
    path: str | None = None,
) -> dict[str, Any]:
    """Everything a listing page shows: one page of cards, the period and its neighbours, the views."""
    q = (q or "").strip() or None
    filters = filters or PaperFilters()
    path = path or period.path
    # A day is short enough to show whole (at most ~50 papers); weeks and months are paged.
    per_page = 200 if period.kind is PeriodKind.date else settings.page_size
    result = listings.listing(session, period, q=q, filters=filters, offset=(page - 1) * per_page, limit=per_page)
    previous, following = listings.neighbours(session, period)
    return {
        "period": period,
        "cards": result.cards,
        "voted_ids": voted_cards(session, user, result.cards),
        "total": result.total,
        "q": q,
        "page": page,
        "pages": max(1, math.ceil(result.total / per_page)),
        "previous": previous,
        "next": following,
        "views": {kind.value: containing(kind, period.start) for kind in PeriodKind},
        **filter_context(filters, path, [("q", q)] if q else []),
        "feed_path": filters.url(f"{period.path}/feed.atom"),
    }


def filter_context(filters: PaperFilters, path: str, extra: list[tuple[str, str]]) -> dict[str, Any]:
    """What a filtered page shows of its filters: each with a remove link, and the query that keeps them."""
    return {
        "filters": filters,
        "filter_chips": filters.chips(path, extra),
        "filter_pairs": filters.pairs(),
        "filter_query": filters.query_string(),
    }


def trending_context(
    session: Session, settings: Settings, page: int = 1, user: User | None = None, filters: PaperFilters | None = None
) -> dict[str, Any]:
    per_page = settings.page_size
    filters = filters or PaperFilters()
    result = listings.trending(session, filters=filters, offset=(page - 1) * per_page, limit=per_page)
    return {
        **filter_context(filters, "/papers/trending", []),
        "feed_path": filters.url("/papers/trending/feed.atom"),
        "cards": result.cards,
        "voted_ids": voted_cards(session, user, result.cards),
        "page": page,
        "pages": min(MAX_TRENDING_PAGES, max(1, math.ceil(result.total / per_page))),
        "is_trending": True,
    }


@router.get("/")
@router.get("/papers")
def home(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: OptionalUser,
    filters: FiltersDep,
    q: QueryParam = None,
) -> Response:
    day = listings.latest_day(session)
    if day is None:
        return render(request, "empty.html", {})
    context = listing_context(session, settings, day_period(day), q, user=user, filters=filters, path="/")
    context.update(is_home=True, feed_path=filters.url("/feed.atom"))
    return render(request, "listing.html", context)


@router.get("/papers/{kind:period}/{slug}")
def period_page(
    request: Request,
    kind: str,
    slug: str,
    session: SessionDep,
    settings: SettingsDep,
    user: OptionalUser,
    filters: FiltersDep,
    q: QueryParam = None,
    page: PageParam = 1,
) -> Response:
    period = parse_period(PeriodKind(kind), slug)  # an InvalidPeriod is a Refused: a 400
    context = listing_context(session, settings, period, q, page, user, filters)
    return render(request, "listing.html", context)


@trending_router.get("/papers/trending")
def trending(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: OptionalUser,
    filters: FiltersDep,
    page: Annotated[int, Query(ge=1, le=MAX_TRENDING_PAGES)] = 1,
) -> Response:
    context = trending_context(session, settings, page, user, filters)
    return render(request, "ranking/trending.html", context)
