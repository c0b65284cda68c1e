"""``/api/daily_papers`` and ``/api/papers/{id}``, compatible with huggingface.co's papers API."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from dailypapers.api.extras import load_extras
from dailypapers.api.schemas import DailyPaperOut, PaperOut, PaperWithCommentsOut
from dailypapers.api.shapes import comment_event, daily_paper_out, paper_out, submitter_out
from dailypapers.community import comments
from dailypapers.papers import listings
from dailypapers.papers.filters import FiltersDep
from dailypapers.papers.listings import Sort
from dailypapers.papers.lookup import PaperIdPath, paper_or_404
from dailypapers.papers.periods import Period, PeriodKind, parse_period
from dailypapers.web.api_model import ApiJson, ErrorOut
from dailypapers.web.deps import SessionDep

router = APIRouter(prefix="/api", tags=["papers"])

ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}}
MAX_LIMIT = 100
# The formats the handler parses (papers/periods.py). They are documented, not enforced by FastAPI, so that a
# malformed value gets the handler's message ("expected YYYY-Www, e.g. 2025-W44") with its 400.
DAY_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
WEEK_PATTERN = "^[0-9]{4}-W[0-9]{2}$"
MONTH_PATTERN = "^[0-9]{4}-[0-9]{2}$"
ONE_PERIOD = "Give at most one of date, week and month (two or more are a 400); none lists every day."


def period_query(what: str, pattern: str) -> Any:
    return Query(description=f"{what} {ONE_PERIOD}", max_length=40, json_schema_extra={"pattern": pattern})


def period_params(date: str | None, week: str | None, month: str | None) -> Period | None:
    given = [
        (kind, value)
        for kind, value in ((PeriodKind.date, date), (PeriodKind.week, week), (PeriodKind.month, month))
        if value
    ]
    if len(given) > 1:
        raise HTTPException(400, "give at most one of date, week and month")
    if not given:
        return None
    kind, value = given[0]
    return parse_period(kind, value)


@router.get("/daily_papers", response_model=list[DailyPaperOut], response_model_exclude_none=True, responses=ERRORS)
def daily_papers(
    session: SessionDep,
    filters: FiltersDep,
    date: Annotated[str | None, period_query("A day, YYYY-MM-DD.", DAY_PATTERN)] = None,
    week: Annotated[str | None, period_query("An ISO week, YYYY-Www.", WEEK_PATTERN)] = None,
    month: Annotated[str | None, period_query("A month, YYYY-MM.", MONTH_PATTERN)] = None,
    submitter: Annotated[str | None, Query(description="Username of the submitter.", max_length=100)] = None,
    sort: Annotated[Sort, Query(description="publishedAt (newest first) or trending.")] = Sort.published_at,
    p: Annotated[int, Query(ge=0, le=100_000, description="Page number, from 0.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Papers per page, 1 to 100.")] = 50,
) -> ApiJson:
    """Papers on the daily feed, newest first or by trending score, as huggingface.co returns them.

    At most one of ``date``, ``week`` and ``month`` narrows the listing to that period; the filters
    (``category``, ``exclude_category``, ``exclude``, ``has_code``, ``min_upvotes``, ``author``) are the site's
    one vocabulary, and a bad value is a 400 naming the parameter."""
    period = period_params(date, week, month)
    rows = listings.entries(
        session,
        period.start if period else None,
        period.end if period else None,
        submitter=submitter,
        filters=filters,
        sort=sort,
        offset=p * limit,
        limit=limit,
    )
    extras = load_extras(session, [paper.id for _, paper in rows])
    return ApiJson([daily_paper_out(entry, paper, extras) for entry, paper in rows])


class PaperField(StrEnum):
    comments = "comments"


# The second route (declared last in this router) takes what is not an id, so it answers "Paper not found".
@router.get(
    "/papers/{paper_id:path}",
    response_model=PaperWithCommentsOut | PaperOut,
    response_model_exclude_none=True,
    include_in_schema=False,
)
@router.get(
    "/papers/{paper_id:arxiv_id}",
    response_model=PaperWithCommentsOut | PaperOut,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def paper_info(
    paper_id: PaperIdPath,
    session: SessionDep,
    field: Annotated[
        PaperField | None, Query(description="`comments`: the comment thread too, as huggingface.co sends it.")
    ] = None,
) -> ApiJson:
    """One paper by arXiv id (a version suffix is accepted and ignored)."""
    paper = paper_or_404(session, paper_id, with_authors=False)  # the extras carry the bylines
    extras = load_extras(session, [paper.id])
    info = paper_out(paper, listings.entry_for(session, paper), extras)
    if field is PaperField.comments:
        info["comments"] = [comment_event(node) for node in comments.thread(session, paper)]
    return ApiJson(info)


__all__ = ["daily_paper_out", "paper_out", "submitter_out"]
