"""``/api/daily_papers`` and ``/api/papers/{id}``, compatible with huggingface.co's papers API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from dailypapers.accounts.models import User
from dailypapers.api.schemas import AuthorOut, DailyPaperOut, ErrorOut, PaperOut, SubmitterOut
from dailypapers.deps import SessionDep
from dailypapers.papers import feeds
from dailypapers.papers.feeds import Sort
from dailypapers.papers.lookup import PaperIdPath, paper_or_404
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.papers.periods import InvalidPeriod, Period, PeriodKind, parse_period

router = APIRouter(prefix="/api", tags=["papers"])

ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}}
MAX_LIMIT = 100
# The formats the handler parses (papers/periods.py). They are documented, not enforced by FastAPI, so that a
# malformed value gets the handler's message ("expected YYYY-Www, e.g. 2025-W44") with its 400.
DAY_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
WEEK_PATTERN = "^[0-9]{4}-W[0-9]{2}$"
MONTH_PATTERN = "^[0-9]{4}-[0-9]{2}$"
ONE_PERIOD = "Give at most one of date, week and month (two or more are a 400); none lists every day."


def _period_query(what: str, pattern: str) -> Any:
    return Query(description=f"{what} {ONE_PERIOD}", max_length=40, json_schema_extra={"pattern": pattern})


def submitter_out(user: User | None) -> SubmitterOut | None:
    if user is None:
        return None
    return SubmitterOut(
        id=str(user.id),
        name=user.username,
        user=user.username,
        fullname=user.fullname or user.username,
        avatar_url=user.avatar_url,
    )


def paper_out(paper: Paper, entry: DailyEntry | None) -> PaperOut:
    return PaperOut(
        id=paper.arxiv_id,
        authors=[AuthorOut(id=str(pa.author_id), name=pa.author.name) for pa in paper.authors],
        published_at=paper.published_at,
        submitted_on_daily_at=(dt.datetime.combine(entry.day, dt.time(), tzinfo=dt.UTC) if entry is not None else None),
        submitted_on_daily_by=submitter_out(entry.submitted_by) if entry is not None else None,
        title=paper.title,
        summary=paper.abstract,
        upvotes=paper.upvotes,
        github_repo=paper.github_repo,
        github_stars=paper.github_stars,
        project_page=paper.project_page,
        ai_summary=paper.ai_summary,
        ai_keywords=paper.ai_keywords,
        version=paper.version,
        updated_at=paper.updated_at,
        categories=paper.category_list or None,
        comment=paper.comment,
        journal_ref=paper.journal_ref,
        doi=paper.doi,
        source_upvotes=paper.source_upvotes,
        local_upvotes=paper.upvotes - paper.source_upvotes,
    )


def daily_paper_out(entry: DailyEntry, paper: Paper) -> DailyPaperOut:
    extra = entry.extra or {}
    return DailyPaperOut(
        paper=paper_out(paper, entry),
        published_at=entry.submitted_at,
        title=paper.title,
        summary=paper.abstract,
        thumbnail=extra.get("thumbnail"),
        media_urls=extra.get("mediaUrls"),
        submitted_by=submitter_out(entry.submitted_by),
        organization=extra.get("organization"),
        origin=entry.origin,
    )


def _period(date: str | None, week: str | None, month: str | None) -> Period | None:
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
    try:
        return parse_period(kind, value)
    except InvalidPeriod as exc:
        raise HTTPException(400, str(exc)) from exc


@router.get("/daily_papers", response_model=list[DailyPaperOut], response_model_exclude_none=True, responses=ERRORS)
def daily_papers(
    session: SessionDep,
    date: Annotated[str | None, _period_query("A day, YYYY-MM-DD.", DAY_PATTERN)] = None,
    week: Annotated[str | None, _period_query("An ISO week, YYYY-Www.", WEEK_PATTERN)] = None,
    month: Annotated[str | None, _period_query("A month, YYYY-MM.", MONTH_PATTERN)] = None,
    submitter: Annotated[str | None, Query(description="Username of the submitter.", max_length=100)] = None,
    sort: Annotated[Sort, Query(description="publishedAt (newest first) or trending.")] = Sort.published_at,
    p: Annotated[int, Query(ge=0, le=100_000, description="Page number, from 0.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Papers per page, 1 to 100.")] = 50,
) -> list[DailyPaperOut]:
    """Papers on the daily feed, newest first or by trending score, as huggingface.co returns them.

    At most one of ``date``, ``week`` and ``month`` narrows the listing to that period."""
    period = _period(date, week, month)
    rows = feeds.entries(
        session,
        period.start if period else None,
        period.end if period else None,
        submitter=submitter,
        sort=sort,
        offset=p * limit,
        limit=limit,
        with_authors=True,
    )
    return [daily_paper_out(entry, paper) for entry, paper in rows]


@router.get("/papers/{paper_id:path}", response_model=PaperOut, response_model_exclude_none=True, responses=ERRORS)
def paper_info(paper_id: PaperIdPath, session: SessionDep) -> PaperOut:
    """One paper by arXiv id (a version suffix is accepted and ignored)."""
    paper = paper_or_404(session, paper_id)
    return paper_out(paper, feeds.entry_for(session, paper))
