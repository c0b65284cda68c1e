"""The /search page: keyword, semantic or hybrid search with filters, paging, and search as you type (htmx)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from dailypapers.papers.filters import FiltersDep, PaperFilters
from dailypapers.papers.periods import InvalidPeriod, parse_day
from dailypapers.search.deps import SearchEngineDep
from dailypapers.search.query import MAX_QUERY_CHARS, Filters, parse_query
from dailypapers.search.services import Mode, SearchEngine
from dailypapers.web.deps import SessionDep
from dailypapers.web.forms import is_htmx
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)

PER_PAGE = 20


def parse_date(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    # parse_day, not date.fromisoformat: that also takes "20251029" and "2025-W44-1", which the spec does not offer.
    try:
        return parse_day(value)
    except InvalidPeriod:
        raise HTTPException(400, f"{name} {value[:40]!r} is not a date (expected YYYY-MM-DD)") from None


def make_filters(published_from: str | None, published_until: str | None, paper: PaperFilters) -> Filters:
    return Filters(
        published_from=parse_date(published_from, "from"),
        published_until=parse_date(published_until, "until"),
        paper=paper,
    )


def search_context(
    engine: SearchEngine, session: Session, q: str, mode: Mode, filters: Filters, page: int
) -> dict[str, Any]:
    extra = [("q", q), ("mode", mode.value)]
    extra += [
        (name, str(day)) for name, day in (("from", filters.published_from), ("until", filters.published_until)) if day
    ]
    context: dict[str, Any] = {
        "q": q,
        "mode": mode.value,
        "filters": filters,
        "filter_chips": filters.paper.chips("/search", extra),
        "filter_query": filters.paper.query_string(),
        "page": page,
        "results": [],
        "total": 0,
        "pages": 0,
        "terms": (),
    }
    if not q.strip():
        return context
    query = parse_query(q, filters)
    results, total = engine.search(session, query, mode, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    context.update(results=results, total=total, pages=math.ceil(total / PER_PAGE), terms=query.terms)
    return context


@router.get("/search")
def search_page(
    request: Request,
    session: SessionDep,
    engine: SearchEngineDep,
    paper_filters: FiltersDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS * 20)] = "",
    mode: Mode = Mode.hybrid,
    published_from: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    published_until: Annotated[str | None, Query(alias="until", max_length=40)] = None,
    page: Annotated[int, Query(ge=1, le=25)] = 1,
) -> Response:
    filters = make_filters(published_from, published_until, paper_filters)
    context = search_context(engine, session, q, mode, filters, page)
    # htmx asks for the results only (search as you type); everyone else gets the whole page.
    template = "_search_results.html" if is_htmx(request) else "search.html"
    return render(request, template, context)
