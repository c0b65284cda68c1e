"""Personal Atom feeds at ``/feeds/{token}.atom`` (personal/feed_tokens.py) and their part of /settings.

A feed spans features (for you is personal's, collections community's, saved searches and follows personal's),
so it is composed here. Each answer is private: never in the page cache (its path is not a cached prefix), and
marked ``Cache-Control: private`` for proxies. Every token that shows nothing gets the one same 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.accounts.auth import CurrentUser
from dailypapers.accounts.models import User
from dailypapers.community import collections
from dailypapers.config import Settings
from dailypapers.db import utcnow
from dailypapers.feeds.atom import build_feed
from dailypapers.feeds.views import ATOM_MEDIA_TYPE
from dailypapers.papers.listings import latest_day
from dailypapers.papers.lookup import bylines
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.papers.periods import week_period
from dailypapers.personal import feed_tokens, follows, saved_searches
from dailypapers.personal.feed import for_you
from dailypapers.personal.feed_tokens import FeedKind, FeedTarget
from dailypapers.web.deps import CsrfChecked, DatabaseDep, SessionDep, SettingsDep
from dailypapers.web.forms import see_other

router = APIRouter(include_in_schema=False)

PERSONAL_FEED_ENTRIES = 50
# A saved search's feed shows what matched in this window (its digest section shows the digest's period).
SAVED_SEARCH_FEED_DAYS = 30
NO_FEED = "There is no feed at this address."


def rows_for(session: Session, paper_ids: list[int]) -> list[tuple[DailyEntry | None, Paper]]:
    """The papers of ``paper_ids`` in that order, each with its daily entry when it has one."""
    if not paper_ids:
        return []
    papers = {p.id: p for p in session.scalars(select(Paper).where(Paper.id.in_(paper_ids)))}
    entries = {e.paper_id: e for e in session.scalars(select(DailyEntry).where(DailyEntry.paper_id.in_(paper_ids)))}
    return [(entries.get(i), papers[i]) for i in paper_ids if i in papers]


def feed_papers(session: Session, settings: Settings, target: FeedTarget) -> tuple[str, list[int]]:
    """(title, paper ids, best or newest first) of what ``target`` shows."""
    user = target.user
    if target.kind is FeedKind.for_you:
        latest = latest_day(session)
        if latest is None:
            return "For you", []
        ranked = for_you(session, settings, user, week_period(latest), PERSONAL_FEED_ENTRIES)
        return f"For you, {user.username}", [item.card.paper_id for item in ranked.items]
    if target.kind is FeedKind.following:
        ids = follows.papers_by_followed(session, user.id, with_categories=True, limit=PERSONAL_FEED_ENTRIES)
        return f"What {user.username} follows", ids
    assert target.target_id is not None  # resolve() checked the collection or search is the member's
    if target.kind is FeedKind.collection:
        collection = collections.own_collection(session, user, target.target_id)
        papers = collections.papers_in(session, collection)[:PERSONAL_FEED_ENTRIES]
        return collection.name, [p.id for p in papers]
    saved = saved_searches.own_saved_search(session, user, target.target_id)
    since = utcnow() - dt.timedelta(days=SAVED_SEARCH_FEED_DAYS)
    return f"Saved search: {saved.name}", saved_searches.matches(
        session, settings, saved, since, limit=PERSONAL_FEED_ENTRIES
    )


@router.get("/feeds/{token}.atom")
def personal_feed(token: str, session: SessionDep, settings: SettingsDep) -> Response:
    target = feed_tokens.resolve(session, settings, token) if len(token) <= 400 else None
    if target is None:
        raise HTTPException(404, NO_FEED)
    title, paper_ids = feed_papers(session, settings, target)
    path = f"/feeds/{token}.atom"
    body = build_feed(
        settings,
        title=title,
        page_path="/settings",
        feed_path=path,
        rows=rows_for(session, paper_ids),
        authors=bylines(session, paper_ids),
        subtitle="a personal feed (make a new address on /settings to stop this one)",
    )
    headers = {"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}
    return Response(body, media_type=ATOM_MEDIA_TYPE, headers=headers)


@router.post("/settings/feeds/rotate", dependencies=[CsrfChecked])
def rotate_feeds(db: DatabaseDep, user: CurrentUser) -> Response:
    with db.write() as session:
        feed_tokens.rotate(session, user)
    return see_other("/settings?rotated=1#feeds")


def settings_section(session: Session, settings: Settings, user: User) -> dict[str, Any]:
    """The feeds, follows and saved searches part of /settings (accounts' page calls it through app state)."""
    version = feed_tokens.key_version(session, user.id)
    base = settings.base_url

    def url(kind: FeedKind, target_id: int | None = None) -> str:
        return base + feed_tokens.feed_path(settings, user.id, version, kind, target_id)

    return {
        "template": "personal/_settings_feeds.html",
        "for_you_feed": url(FeedKind.for_you),
        "following_feed": url(FeedKind.following),
        "collection_feeds": [
            (c.collection.name, url(FeedKind.collection, c.collection.id))
            for c in collections.collections_of(session, user)
        ],
        "saved_searches": [
            (s, url(FeedKind.saved_search, s.id)) for s in saved_searches.saved_searches_of(session, user.id)
        ],
        "follows": follows.follows_of(session, user),
    }
