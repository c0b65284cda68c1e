"""HTML pages for listings and papers. Each context builder is a plain function (tested with plain asserts);
each handler parses, calls one builder and renders."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from dailypapers.accounts.auth import OptionalUser
from dailypapers.accounts.models import User
from dailypapers.community.context import community_context
from dailypapers.config import Settings
from dailypapers.papers import feeds
from dailypapers.papers.ids import InvalidArxivId, parse_arxiv_id
from dailypapers.papers.periods import Period, PeriodKind, containing, day_period, parse_period
from dailypapers.search.deps import SearchEngineDep
from dailypapers.search.services import SearchEngine
from dailypapers.votes.services import voted_ids
from dailypapers.web.deps import SessionDep, SettingsDep
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)  # listings: matched first, they are most of the traffic
# The paper page's catch-all path must come after every other /papers/... route (trending, votes, feeds).
paper_router = APIRouter(include_in_schema=False)


QueryParam = Annotated[str | None, Query(max_length=feeds.MAX_QUERY_CHARS, description="Filter by title/abstract")]
PageParam = Annotated[int, Query(ge=1, le=10_000)]


def listing_context(
    session: Session,
    settings: Settings,
    period: Period,
    q: str | None = None,
    page: int = 1,
    user: User | None = None,
) -> dict[str, Any]:
    """Everything a listing page shows: one page of cards, the period and its neighbours, the views."""
    q = (q or "").strip() or None
    # A day is short enough to show whole (at most ~50 papers); weeks and months are paged.
    per_page = 200 if period.kind is PeriodKind.date else settings.page_size
    result = feeds.listing(session, period, q=q, offset=(page - 1) * per_page, limit=per_page)
    previous, following = feeds.neighbours(session, period)
    return {
        "period": period,
        "cards": result.cards,
        "voted_ids": voted_ids(session, user, [card.paper_id for card in result.cards]),
        "total": result.total,
        "q": q,
        "page": page,
        "pages": max(1, math.ceil(result.total / per_page)),
        "previous": previous,
        "next": following,
        "views": {kind.value: containing(kind, period.start) for kind in PeriodKind},
        "feed_path": f"{period.path}/feed.atom",
    }


def paper_context(
    session: Session, arxiv_id: str, engine: SearchEngine | None = None, user: User | None = None
) -> dict[str, Any] | None:
    paper = feeds.paper_by_arxiv_id(session, arxiv_id)
    if paper is None:
        return None
    entry = feeds.entry_for(session, paper)
    return {
        **community_context(session, paper, user),
        "similar": engine.similar(session, paper) if engine is not None else [],
        "paper": paper,
        "authors": paper.author_list,
        "entry": entry,
        "submitter": entry.submitted_by if entry else None,
        "day_period": day_period(entry.day) if entry else None,
        "links": paper_links(paper.arxiv_id, paper.github_repo, paper.project_page),
    }


def paper_links(arxiv_id: str, github_repo: str | None, project_page: str | None) -> list[tuple[str, str]]:
    links = [
        ("arXiv page", f"https://arxiv.org/abs/{arxiv_id}"),
        ("PDF", f"https://arxiv.org/pdf/{arxiv_id}"),
    ]
    if github_repo:
        links.append(("Code", github_repo))
    if project_page:
        links.append(("Project page", project_page))
    return links


@router.get("/")
@router.get("/papers")
def home(
    request: Request, session: SessionDep, settings: SettingsDep, user: OptionalUser, q: QueryParam = None
) -> Response:
    day = feeds.latest_day(session)
    if day is None:
        return render(request, "empty.html", {})
    context = listing_context(session, settings, day_period(day), q, user=user)
    context.update(is_home=True, feed_path="/feed.atom")
    return render(request, "listing.html", context)


@router.get("/papers/{kind:period}/{slug}")
def period_page(
    request: Request,
    kind: str,
    slug: str,
    session: SessionDep,
    settings: SettingsDep,
    user: OptionalUser,
    q: QueryParam = None,
    page: PageParam = 1,
) -> Response:
    period = parse_period(PeriodKind(kind), slug)  # an InvalidPeriod is a Refused: a 400
    context = listing_context(session, settings, period, q, page, user)
    return render(request, "listing.html", context)


# The second route (declared last, so tried last) takes what is not an id (arXiv:…, a pasted URL, a typo):
# the handler redirects it to the canonical address or says why it is no paper.
@paper_router.get("/papers/{arxiv_id:path}", include_in_schema=False)
@paper_router.get("/papers/{arxiv_id:arxiv_id}")
def paper_page(
    request: Request, arxiv_id: str, session: SessionDep, engine: SearchEngineDep, user: OptionalUser
) -> Response:
    try:
        parsed = parse_arxiv_id(arxiv_id)
    except InvalidArxivId as exc:
        raise HTTPException(404, f"No paper here: {exc}.") from exc
    if str(parsed.id) != arxiv_id:
        return RedirectResponse(f"/papers/{parsed.id}", status_code=301)
    context = paper_context(session, parsed.id, engine, user)
    if context is None:
        raise HTTPException(404, f"We have no paper {parsed.id} yet.")
    return render(request, "paper.html", context)
