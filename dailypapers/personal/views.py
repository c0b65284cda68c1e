"""The "for you" tools of one feature: the library import (a cold start) and ``GET /api/for-you`` for API
clients. The ``/for-you`` page itself spans features and lives in pages/for_you.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from dailypapers.accounts.auth import CurrentUser
from dailypapers.personal import library
from dailypapers.personal.feed import PeriodName, for_you_in
from dailypapers.personal.schemas import ForYouOut, PickOut
from dailypapers.web.deps import TOKEN_REQUIRED, CsrfChecked, DatabaseDep, SessionDep, SettingsDep
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["for you"])


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


@api_router.get("/for-you", responses=TOKEN_REQUIRED)
def api(
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    period: Annotated[PeriodName, Query()] = "today",
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
) -> ForYouOut:
    """Papers of the latest day (or its week) ranked for the token's owner."""
    chosen, feed = for_you_in(session, settings, user, period, limit)
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
