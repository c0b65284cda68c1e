"""``GET /api/papers`` (every paper by date, cursor-paged) and ``GET /api/papers/{id}/similar`` (ours)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from dailypapers.api.daily_papers import ERRORS
from dailypapers.api.extras import load_extras
from dailypapers.api.schemas import PaperOut
from dailypapers.api.shapes import JsonObject, paper_out
from dailypapers.errors import Refused
from dailypapers.papers.lookup import PaperIdPath, paper_or_404
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.search.deps import SearchEngineDep
from dailypapers.web.api_model import ApiJson
from dailypapers.web.deps import SessionDep
from dailypapers.web.params import MAX_ID

router = APIRouter(prefix="/api", tags=["papers"])
MAX_PAGE = 100
MAX_SIMILAR = 50
MAX_CURSOR_CHARS = 200


class BadCursor(ValueError, Refused):
    """A cursor this server did not hand out (a 400)."""


def encode_cursor(paper: Paper) -> str:
    """Where the next page starts: after this paper in (published_at desc, id desc) order. Opaque to clients
    (base64 of a small JSON), so the order's keys can change without breaking anyone who follows the link."""
    published = paper.published_at.isoformat() if paper.published_at else None
    raw = json.dumps([published, paper.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime | None, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        published, paper_id = json.loads(raw)
        when = dt.datetime.fromisoformat(published) if published is not None else None
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise BadCursor("this cursor is not one we gave out; start again without it") from None
    # The id is bound as an SQL INTEGER: one out of range would be a database error, not a page (web/params.py).
    if not isinstance(paper_id, int) or isinstance(paper_id, bool) or not 0 < paper_id <= MAX_ID:
        raise BadCursor("this cursor is not one we gave out; start again without it")
    if when is not None and when.tzinfo is None:
        raise BadCursor("this cursor is not one we gave out; start again without it")
    return when, paper_id


def papers_page(session: Session, cursor: str | None, limit: int) -> tuple[list[Paper], str | None]:
    """One page of papers, newest first (undated papers last, by id), and the cursor of the next page."""
    query = select(Paper)
    if cursor:
        when, paper_id = decode_cursor(cursor)
        if when is None:
            query = query.where(Paper.published_at.is_(None), Paper.id < paper_id)
        else:
            query = query.where(
                or_(
                    Paper.published_at < when,
                    and_(Paper.published_at == when, Paper.id < paper_id),
                    Paper.published_at.is_(None),
                )
            )
    query = query.order_by(Paper.published_at.desc().nulls_last(), Paper.id.desc()).limit(limit + 1)
    papers = list(session.scalars(query))
    following = encode_cursor(papers[limit - 1]) if len(papers) > limit else None
    return papers[:limit], following


def _out(session: Session, papers: list[Paper]) -> list[JsonObject]:
    ids = [p.id for p in papers]
    entries = {e.paper_id: e for e in session.scalars(select(DailyEntry).where(DailyEntry.paper_id.in_(ids)))}
    extras = load_extras(session, ids)
    return [paper_out(p, entries.get(p.id), extras) for p in papers]


@router.get("/papers", response_model=list[PaperOut], response_model_exclude_none=True, responses=ERRORS)
def list_papers(
    request: Request,
    session: SessionDep,
    cursor: Annotated[
        str | None,
        Query(max_length=MAX_CURSOR_CHARS, description='From the `Link: <…>; rel="next"` header of the last page.'),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Papers per page, 1 to {MAX_PAGE}.")] = 50,
) -> ApiJson:
    """Every paper we hold (on the feed or not), newest arXiv v1 first. The next page's URL is in the
    ``Link`` header (``rel="next"``, as huggingface.co pages its listings); no header means the last page."""
    papers, following = papers_page(session, cursor, limit)
    headers: dict[str, str] = {}
    if following:
        url = request.url.include_query_params(cursor=following, limit=limit)
        headers["Link"] = f'<{url}>; rel="next"'
    return ApiJson(_out(session, papers), headers=headers)


@router.get(
    "/papers/{paper_id:arxiv_id}/similar",
    response_model=list[PaperOut],
    response_model_exclude_none=True,
    responses=ERRORS,
)
def similar_papers(
    paper_id: PaperIdPath,
    session: SessionDep,
    engine: SearchEngineDep,
    limit: Annotated[int, Query(ge=1, le=MAX_SIMILAR, description=f"How many, 1 to {MAX_SIMILAR}.")] = 10,
) -> ApiJson:
    """Papers nearest to this one by meaning (its embedding; a title search until its vector exists)."""
    paper = paper_or_404(session, paper_id, with_authors=False)
    arxiv_ids = [result.arxiv_id for result in engine.similar(session, paper, limit)]
    found = {p.arxiv_id: p for p in session.scalars(select(Paper).where(Paper.arxiv_id.in_(arxiv_ids)))}
    return ApiJson(_out(session, [found[a] for a in arxiv_ids if a in found]))
