"""The ``/for-you`` page and its categories form. The page spans features (the ranking is personal's, the vote
buttons are votes', the category rule is shared with digests), so it is composed here; the library import and
``GET /api/for-you`` stay in personal/views.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from dailypapers.accounts.auth import CurrentUser
from dailypapers.accounts.models import User
from dailypapers.digests.subscriptions import clean_categories
from dailypapers.pages.marks import voted_cards
from dailypapers.personal.feed import PeriodName, for_you_in
from dailypapers.personal.interest import MIN_POSITIVES
from dailypapers.web.deps import CsrfChecked, DatabaseDep, SessionDep, SettingsDep
from dailypapers.web.forms import see_other
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/for-you")
def page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    period: Annotated[PeriodName, Query()] = "today",
) -> Response:
    chosen, feed = for_you_in(session, settings, user, period, 30)
    context = {
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
