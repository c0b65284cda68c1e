"""``GET /api/daily_papers/export?format=…``: the listing ``/api/daily_papers`` gives, as one citation file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from dailypapers.api.daily_papers import DAY_PATTERN, ERRORS, MONTH_PATTERN, WEEK_PATTERN, period_params, period_query
from dailypapers.export import services
from dailypapers.export.formats import MAX_EXPORT_PAPERS, Format
from dailypapers.papers.listings import Sort
from dailypapers.web.deps import SessionDep

router = APIRouter(prefix="/api", tags=["export"])


@router.get(
    "/daily_papers/export",
    response_class=Response,
    responses={**ERRORS, 200: {"content": {"application/x-bibtex": {}}, "description": "The citations."}},
)
def daily_papers_export(
    session: SessionDep,
    format: Annotated[Format, Query(description="bibtex, ris or csl-json.")] = Format.bibtex,
    date: Annotated[str | None, period_query("A day, YYYY-MM-DD.", DAY_PATTERN)] = None,
    week: Annotated[str | None, period_query("An ISO week, YYYY-Www.", WEEK_PATTERN)] = None,
    month: Annotated[str | None, period_query("A month, YYYY-MM.", MONTH_PATTERN)] = None,
    submitter: Annotated[str | None, Query(description="Username of the submitter.", max_length=100)] = None,
    sort: Annotated[Sort, Query(description="publishedAt (newest first) or trending.")] = Sort.published_at,
    limit: Annotated[
        int, Query(ge=1, le=MAX_EXPORT_PAPERS, description=f"At most this many, 1 to {MAX_EXPORT_PAPERS:,}.")
    ] = MAX_EXPORT_PAPERS,
) -> Response:
    """The listing ``/api/daily_papers`` gives for the same parameters, as one citation file."""
    period = period_params(date, week, month)
    papers = services.listing_papers(session, period, sort=sort, submitter=submitter, limit=limit)
    return services.download(papers, format, f"papers-{date or week or month or 'all'}")
