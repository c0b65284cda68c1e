"""The ``/for-you`` page and its categories form. The page spans features (the ranking is personal's, the vote
buttons are votes', the category rule is shared with digests), so it is composed here; the library import and
``GET /api/for-you`` stay in personal/views.py."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.accounts.auth import CurrentUser
from dailypapers.accounts.models import User
from dailypapers.db import utcnow
from dailypapers.digests.subscriptions import clean_categories
from dailypapers.pages.marks import voted_cards
from dailypapers.papers.models import Paper
from dailypapers.personal.feed import PeriodName, for_you_in
from dailypapers.personal.follows import papers_by_followed
from dailypapers.personal.interest import MIN_POSITIVES
from dailypapers.web.deps import CsrfChecked, DatabaseDep, SessionDep, SettingsDep
from dailypapers.web.forms import see_other
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)
# "From authors you follow": their papers first published in this many days, newest first.
FOLLOWED_DAYS = 30
FOLLOWED_SHOWN = 10


def papers_of(session: Session, paper_ids: list[int]) -> list[Paper]:
    """The papers of ``paper_ids``, in that order."""
    found = {p.id: p for p in session.scalars(select(Paper).where(Paper.id.in_(paper_ids)))} if paper_ids else {}
    return [found[i] for i in paper_ids if i in found]


@router.get("/for-you")
def page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    period: Annotated[PeriodName, Query()] = "today",
) -> Response:
    chosen, feed = for_you_in(session, settings, user, period, 30)
    since = utcnow() - dt.timedelta(days=FOLLOWED_DAYS)
    followed = papers_of(session, papers_by_followed(session, user.id, since=since, limit=FOLLOWED_SHOWN))
    context = {
        "followed": followed,
        "followed_days": FOLLOWED_DAYS,
        "period_name": period,
        "period": chosen,
        "feed": feed,
        "voted_ids": voted_cards(session, user, [item.card for item in feed.items] if feed else []),
        "min_positives": MIN_POSITIVES,
        "is_for_you": True,
    }
    return render(request, "personal/for_you.html", context)


@router.post("/for-you/categories", dependencies=[CsrfChecked])
def set_categories(
    db: DatabaseDep, user: CurrentUser, categories: Annotated[str, Form(max_length=20_000)] = ""
) -> Response:
    cleaned = clean_categories(categories)  # a SubscriptionRefused is a Refused: a 400
    with db.write() as session:
        stored = session.get(User, user.id)
        if stored is not None:
            stored.interest_categories = cleaned
    return see_other("/for-you")
