"""Atom feeds for the latest day, every date, week and month listing, trending, and "New on arXiv"."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.config import Settings
from dailypapers.feeds.atom import build_feed, build_paper_feed
from dailypapers.papers import listings
from dailypapers.papers.announced import latest_announcement_day, papers_announced, parse_day
from dailypapers.papers.filters import FiltersDep, PaperFilters
from dailypapers.papers.lookup import bylines
from dailypapers.papers.models import Paper
from dailypapers.papers.periods import Period, PeriodKind, day_period, parse_period
from dailypapers.web.deps import SessionDep, SettingsDep

router = APIRouter(include_in_schema=False)

ATOM_MEDIA_TYPE = "application/atom+xml; charset=utf-8"
# Enough for the busiest month we have seen (~620 papers) while keeping the document a few MB at most.
MAX_FEED_ENTRIES = 1000


def _feed(
    session: SessionDep, settings: SettingsDep, period: Period, page_path: str, feed_path: str, filters: PaperFilters
) -> Response:
    rows = listings.entries(session, period.start, period.end, filters=filters, limit=MAX_FEED_ENTRIES)
    body = build_feed(
        settings,
        title=period.label,
        page_path=filters.url(page_path),
        feed_path=filters.url(feed_path),
        rows=rows,
        authors=bylines(session, [paper.id for _, paper in rows]),
    )
    return Response(body, media_type=ATOM_MEDIA_TYPE)


@router.get("/feed.atom")
def latest_feed(session: SessionDep, settings: SettingsDep, filters: FiltersDep) -> Response:
    day = listings.latest_day(session)
    if day is None:
        raise HTTPException(404, "There are no papers yet, so there is no feed.")
    return _feed(session, settings, day_period(day), "/", "/feed.atom", filters)


@router.get("/papers/{kind:period}/{slug}/feed.atom")
def period_feed(kind: str, slug: str, session: SessionDep, settings: SettingsDep, filters: FiltersDep) -> Response:
    period = parse_period(PeriodKind(kind), slug)
    return _feed(session, settings, period, period.path, f"{period.path}/feed.atom", filters)


TRENDING_FEED_ENTRIES = 50


@router.get("/papers/trending/feed.atom")
def trending_feed(session: SessionDep, settings: SettingsDep, filters: FiltersDep) -> Response:
    """The top of the trending list (the same order as /papers/trending)."""
    rows = listings.entries(session, filters=filters, sort=listings.Sort.trending, limit=TRENDING_FEED_ENTRIES)
    body = build_feed(
        settings,
        title="Trending",
        page_path=filters.url("/papers/trending"),
        feed_path=filters.url("/papers/trending/feed.atom"),
        rows=rows,
        authors=bylines(session, [paper.id for _, paper in rows]),
    )
    return Response(body, media_type=ATOM_MEDIA_TYPE)


def _new_feed(session: Session, settings: Settings, day: dt.date | None, filters: PaperFilters) -> Response:
    wanted = list(filters.categories) or settings.category_list
    announced = papers_announced(session, day, wanted, filters)[:MAX_FEED_ENTRIES] if day else []
    ids = [p.paper_id for p in announced]
    loaded = {paper.id: paper for paper in session.scalars(select(Paper).where(Paper.id.in_(ids)))}
    page_path = f"/papers/new/{day.isoformat()}" if day else "/papers/new"
    scope = " ".join(wanted) or "all categories"
    body = build_paper_feed(
        settings,
        title=f"New on arXiv · {scope}" + (f" · {day.isoformat()}" if day else ""),
        page_path=filters.url(page_path),
        feed_path=filters.url(f"{page_path}/feed.atom"),
        # A paper's entry changes when its record does (a new version, a fix), never on a re-request.
        items=[(loaded[p.paper_id], loaded[p.paper_id].modified_at) for p in announced],
        authors=bylines(session, ids),
        subtitle="new submissions, cross-lists and replacements, most upvoted first",
    )
    return Response(body, media_type=ATOM_MEDIA_TYPE)


@router.get("/papers/new/feed.atom")
def new_latest_feed(session: SessionDep, settings: SettingsDep, filters: FiltersDep) -> Response:
    """The latest announcement day's new papers (the same order as /papers/new)."""
    return _new_feed(session, settings, latest_announcement_day(session), filters)


@router.get("/papers/new/{day}/feed.atom")
def new_day_feed(day: str, session: SessionDep, settings: SettingsDep, filters: FiltersDep) -> Response:
    return _new_feed(session, settings, parse_day(day), filters)
