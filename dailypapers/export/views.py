"""Export downloads: ``/papers/{date|week|month}/{slug}/export.{bib,ris,json}``, ``/papers/trending/export.…``,
``/collections/{id}/export.…`` (your own, logged in), and ``GET /api/daily_papers/export?format=…`` with the
filters of ``/api/daily_papers``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from dailypapers.api.daily_papers import DAY_PATTERN, ERRORS, MONTH_PATTERN, WEEK_PATTERN, period_params, period_query
from dailypapers.community import collections
from dailypapers.deps import CurrentUser, SessionDep
from dailypapers.export import services
from dailypapers.export.formats import BY_EXTENSION, MAX_EXPORT_PAPERS, Format
from dailypapers.papers.feeds import Sort
from dailypapers.papers.periods import InvalidPeriod, PeriodKind, parse_period
from dailypapers.web import convertors  # noqa: F401  (the {kind:period} path convertor)
from dailypapers.web.params import IdPath

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["export"])


def _format(extension: str) -> Format:
    try:
        return BY_EXTENSION[extension]
    except KeyError:
        raise HTTPException(404, f"We export .bib, .ris and .json, not .{extension[:20]}.") from None


@router.get("/papers/trending/export.{extension}")
def trending_export(extension: str, session: SessionDep) -> Response:
    papers = services.listing_papers(session, None, sort=Sort.trending, limit=100)
    return services.download(papers, _format(extension), "trending")


@router.get("/papers/{kind:period}/{slug}/export.{extension}")
def period_export(kind: str, slug: str, extension: str, session: SessionDep) -> Response:
    fmt = _format(extension)
    try:
        period = parse_period(PeriodKind(kind), slug)
    except InvalidPeriod as exc:
        raise HTTPException(400, str(exc)) from exc
    return services.download(services.listing_papers(session, period), fmt, f"papers-{slug}")


@router.get("/collections/{collection_id}/export.{extension}")
def collection_export(collection_id: IdPath, extension: str, session: SessionDep, user: CurrentUser) -> Response:
    fmt = _format(extension)
    try:
        name, papers = services.collection_papers(session, user, collection_id)
    except collections.CollectionRefused as exc:
        raise HTTPException(404, str(exc)) from exc
    return services.download(papers, fmt, name)


@api_router.get(
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
