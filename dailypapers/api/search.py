"""``GET /api/papers/search``: huggingface.co's paper search (``HfApi.list_papers``) plus modes and filters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dailypapers.api.daily_papers import DAY_PATTERN, ERRORS
from dailypapers.api.extras import load_extras
from dailypapers.api.schemas import SearchResultOut
from dailypapers.api.shapes import search_result_out
from dailypapers.export import services as exports
from dailypapers.export.formats import Format
from dailypapers.papers.filters import FiltersDep
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.search.deps import SearchEngineDep
from dailypapers.search.query import MAX_QUERY_CHARS, parse_query
from dailypapers.search.services import Mode
from dailypapers.search.views import make_filters
from dailypapers.web.api_model import ApiJson
from dailypapers.web.deps import SessionDep

router = APIRouter(prefix="/api", tags=["search"])
# huggingface.co answers up to 120 results (``hf papers search --limit 120``).
MAX_SEARCH_LIMIT = 120


@router.get("/papers/search", response_model=list[SearchResultOut], response_model_exclude_none=True, responses=ERRORS)
def search_papers(
    session: SessionDep,
    engine: SearchEngineDep,
    paper_filters: FiltersDep,
    # maxLength documents the handler's own check, whose 400 says how long the query was.
    q: Annotated[
        str,
        Query(
            description=f"What to look for: words, a title, or an arXiv id; 1 to {MAX_QUERY_CHARS:,} characters.",
            json_schema_extra={"maxLength": MAX_QUERY_CHARS, "minLength": 1},
        ),
    ],
    limit: Annotated[
        int, Query(ge=1, le=MAX_SEARCH_LIMIT, description=f"How many papers, 1 to {MAX_SEARCH_LIMIT}.")
    ] = 20,
    mode: Annotated[Mode, Query(description="keyword, semantic or hybrid (default).")] = Mode.hybrid,
    published_from: Annotated[
        str | None,
        Query(
            alias="from",
            description="Published on or after this day, YYYY-MM-DD.",
            max_length=40,
            json_schema_extra={"pattern": DAY_PATTERN},
        ),
    ] = None,
    published_until: Annotated[
        str | None,
        Query(
            alias="until",
            description="Published on or before this day, YYYY-MM-DD.",
            max_length=40,
            json_schema_extra={"pattern": DAY_PATTERN},
        ),
    ] = None,
    format: Annotated[
        Format | None, Query(description="bibtex, ris or csl-json: the hits as a citation file instead of JSON.")
    ] = None,
) -> Any:
    """Papers matching ``q``, best first; an exact arXiv id or title comes first. Each hit is shaped as
    huggingface.co's (the paper nested, ``highlightedTitle``/``highlightedSummary`` with the query's words in
    ``<mark>``), with the arXiv id also at the top level."""
    if len(q) > MAX_QUERY_CHARS:
        raise HTTPException(400, f"the query is {len(q):,} characters long; the limit is {MAX_QUERY_CHARS:,}")
    filters = make_filters(published_from, published_until, paper_filters)
    query = parse_query(q, filters)
    ranked = engine.ranked_ids(session, query, mode, limit)
    ids = [paper_id for paper_id, _ in ranked]
    found = select(Paper).where(Paper.id.in_(ids))
    if format is not None:  # a citation file names the authors from the ORM relationship
        found = found.options(selectinload(Paper.authors))
    papers = {p.id: p for p in session.scalars(found)}
    entries = {e.paper_id: e for e in session.scalars(select(DailyEntry).where(DailyEntry.paper_id.in_(ids)))}
    if format is not None:
        return exports.download([papers[i] for i in ids if i in papers], format, "search")
    extras = load_extras(session, ids)
    return ApiJson([search_result_out(papers[i], entries.get(i), extras, query.terms) for i in ids if i in papers])
