"""Atom feeds for the latest day and every date, week and month listing."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from dailypapers.feeds.atom import build_feed
from dailypapers.papers import listings
from dailypapers.papers.lookup import bylines
from dailypapers.papers.periods import Period, PeriodKind, day_period, parse_period
from dailypapers.web.deps import SessionDep, SettingsDep

router = APIRouter(include_in_schema=False)

ATOM_MEDIA_TYPE = "application/atom+xml; charset=utf-8"
# Enough for the busiest month we have seen (~620 papers) while keeping the document a few MB at most.
MAX_FEED_ENTRIES = 1000


def _feed(session: SessionDep, settings: SettingsDep, period: Period, page_path: str, feed_path: str) -> Response:
    rows = listings.entries(session, period.start, period.end, limit=MAX_FEED_ENTRIES)
    authors = bylines(session, [paper.id for _, paper in rows])
    body = build_feed(
        settings, title=period.label, page_path=page_path, feed_path=feed_path, rows=rows, authors=authors
    )
    return Response(body, media_type=ATOM_MEDIA_TYPE)


@router.get("/feed.atom")
def latest_feed(session: SessionDep, settings: SettingsDep) -> Response:
    day = listings.latest_day(session)
    if day is None:
        raise HTTPException(404, "There are no papers yet, so there is no feed.")
    return _feed(session, settings, day_period(day), "/", "/feed.atom")


@router.get("/papers/{kind:period}/{slug}/feed.atom")
def period_feed(kind: str, slug: str, session: SessionDep, settings: SettingsDep) -> Response:
    period = parse_period(PeriodKind(kind), slug)
    return _feed(session, settings, period, period.path, f"{period.path}/feed.atom")


TRENDING_FEED_ENTRIES = 50


@router.get("/papers/trending/feed.atom")
def trending_feed(session: SessionDep, settings: SettingsDep) -> Response:
    """The top of the trending list (the same order as /papers/trending)."""
    rows = listings.entries(session, sort=listings.Sort.trending, limit=TRENDING_FEED_ENTRIES)
    body = build_feed(
        settings,
        title="Trending",
        page_path="/papers/trending",
        feed_path="/papers/trending/feed.atom",
        rows=rows,
        authors=bylines(session, [paper.id for _, paper in rows]),
    )
    return Response(body, media_type=ATOM_MEDIA_TYPE)
