"""``/for-you``: the period's papers ranked for the logged-in user, with the cold-start tools (categories,
library import) and ``GET /api/for-you`` for API clients."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from dailypapers.accounts.auth import CurrentUser
from dailypapers.accounts.models import User
from dailypapers.digests.subscriptions import clean_categories
from dailypapers.papers import feeds
from dailypapers.papers.periods import Period, day_period, week_period
from dailypapers.personal import library
from dailypapers.personal.feed import ForYou, for_you
from dailypapers.personal.model import MIN_POSITIVES
from dailypapers.votes.services import voted_ids
from dailypapers.web.deps import TOKEN_REQUIRED, CsrfChecked, DatabaseDep, SessionDep, SettingsDep
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["for you"])
PeriodName = Literal["today", "week"]


def _period(session: SessionDep, name: PeriodName) -> Period | None:
    latest = feeds.latest_day(session)
    if latest is None:
        return None
    return day_period(latest) if name == "today" else week_period(latest)


def _feed(
    session: SessionDep, settings: SettingsDep, user: User, name: PeriodName, limit: int
) -> tuple[Period | None, ForYou | None]:
    period = _period(session, name)
    return period, (for_you(session, settings, user, period, limit) if period else None)


@router.get("/for-you")
def page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    period: Annotated[PeriodName, Query()] = "today",
) -> Response:
    chosen, feed = _feed(session, settings, user, period, 30)
    cards = [item.card for item in feed.items] if feed else []
    context = {
        "period_name": period,
        "period": chosen,
        "feed": feed,
        "voted_ids": voted_ids(session, user, [c.paper_id for c in cards]),
        "min_positives": MIN_POSITIVES,
        "is_for_you": True,
    }
    return render(request, "personal/for_you.html", context)


@router.post("/for-you/categories", dependencies=[CsrfChecked])
def set_categories(
    db: DatabaseDep, user: CurrentUser, categories: Annotated[str, Form(max_length=20_000)] = ""
) -> Response:
    cleaned = clean_categories(categories)
    with db.write() as session:
        stored = session.get(User, user.id)
        if stored is not None:
            stored.interest_categories = cleaned
    return RedirectResponse("/for-you", status_code=303)


@router.post("/for-you/import", dependencies=[CsrfChecked])
async def import_library(
    request: Request, db: DatabaseDep, user: CurrentUser, file: Annotated[UploadFile, File()]
) -> Response:
    raw = await file.read(library.MAX_LIBRARY_BYTES + 1)
    references = library.parse_library(raw)

    def store() -> library.ImportReport:
        with db.write() as session:
            return library.import_library(session, user, references)

    report = await run_in_threadpool(store)
    return render(request, "personal/imported.html", {"report": report})


class PickOut(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True)

    id: str
    title: str
    upvotes: int
    published_at: dt.datetime | None = Field(serialization_alias="publishedAt")
    score: float | None
    because: dict[str, str] | None = Field(description="The liked paper closest to this one: id and title.")


class ForYouOut(BaseModel):
    mode: str = Field(description="model (learned from your signals), categories (chosen ones) or trending")
    period: str
    papers: list[PickOut]


@api_router.get("/for-you", responses=TOKEN_REQUIRED)
def api(
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    period: Annotated[PeriodName, Query()] = "today",
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
) -> ForYouOut:
    """Papers of the latest day (or its week) ranked for the token's owner."""
    chosen, feed = _feed(session, settings, user, period, limit)
    if chosen is None or feed is None:
        return ForYouOut(mode="trending", period=period, papers=[])
    papers = [
        PickOut(
            id=item.card.arxiv_id,
            title=item.card.title,
            upvotes=item.card.upvotes,
            published_at=item.card.published_at,
            score=item.score,
            because={"id": item.because[0], "title": item.because[1]} if item.because else None,
        )
        for item in feed.items
    ]
    return ForYouOut(mode=feed.mode.value, period=chosen.slug, papers=papers)
