"""``/papers/trending`` and ``/about/trending``, the page that states the formula."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from dailypapers.accounts.auth import OptionalUser
from dailypapers.papers import feeds
from dailypapers.ranking import hotness
from dailypapers.votes.services import voted_ids
from dailypapers.web.deps import SessionDep, SettingsDep
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)
MAX_TRENDING_PAGES = 20


@router.get("/papers/trending")
def trending(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: OptionalUser,
    page: Annotated[int, Query(ge=1, le=MAX_TRENDING_PAGES)] = 1,
) -> Response:
    per_page = settings.page_size
    result = feeds.trending(session, offset=(page - 1) * per_page, limit=per_page)
    context = {
        "cards": result.cards,
        "voted_ids": voted_ids(session, user, [c.paper_id for c in result.cards]),
        "page": page,
        "pages": min(MAX_TRENDING_PAGES, max(1, math.ceil(result.total / per_page))),
        "is_trending": True,
    }
    return render(request, "ranking/trending.html", context)


@router.get("/about/trending")
def about(request: Request) -> Response:
    return render(request, "ranking/about.html", {"h": hotness})
