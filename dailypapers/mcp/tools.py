"""The public tools: listings (daily, trending, new on arXiv), search, a paper, similar papers, comments. Each calls the
service the pages and the JSON API call (papers.listings, search.services, community.comments).

Tools are plain functions: the SDK builds each input schema from the annotations (``Field`` carries bounds and
help) and runs them in a worker thread, so their database work never blocks the event loop.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from dailypapers.community import comments as community_comments
from dailypapers.mcp.schemas import (
    AnnouncedPaper,
    CommentOut,
    Comments,
    Link,
    Listing,
    NewOnArxiv,
    PaperDetail,
    SearchHit,
    SearchResults,
    card_out,
    hit_out,
    paper_url,
)
from dailypapers.mcp.state import ToolContext, find_paper, refusals, state_of
from dailypapers.papers import announced as announcements
from dailypapers.papers import listings
from dailypapers.papers.filters import InvalidFilter, PaperFilters, parse_filters
from dailypapers.papers.ids import InvalidArxivId
from dailypapers.papers.listings import Sort
from dailypapers.papers.periods import InvalidPeriod, PeriodKind, day_period, parse_day, parse_period
from dailypapers.search.query import MAX_QUERY_CHARS, Filters, InvalidQuery, parse_query
from dailypapers.search.services import MAX_RESULTS, Mode

MAX_PAGE_SIZE = 100
MAX_FILTER_CHARS = 100
MAX_CATEGORIES = 10
MAX_SIMILAR = 50

Day = Annotated[str | None, Field(description="A day, YYYY-MM-DD.", max_length=40)]
Page = Annotated[int, Field(ge=1, le=10_000, description="Page number, from 1.")]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE, description=f"Papers per page, 1 to {MAX_PAGE_SIZE}.")]
PaperId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        description="An arXiv id (2510.12345, 2510.12345v2, hep-th/9901001) or an arxiv.org URL.",
    ),
]


Categories = Annotated[
    list[str],
    Field(max_length=MAX_CATEGORIES, description="arXiv categories (any of), e.g. ['cs.CL']; 'cs' is the archive."),
]
ExcludeCategories = Annotated[
    list[str], Field(max_length=MAX_CATEGORIES, description="arXiv categories or archives to leave out.")
]
ExcludeWords = Annotated[
    list[str], Field(max_length=MAX_CATEGORIES, description="Words: papers whose title or abstract has one are out.")
]
HasCode = Annotated[bool, Field(description="Only papers with a code repository.")]
MinUpvotes = Annotated[
    int | None, Field(ge=0, le=1_000_000, description="Only papers with at least this many upvotes.")
]
Author = Annotated[str | None, Field(description="Part of an author's name.", max_length=MAX_FILTER_CHARS)]


def paper_filters(
    category: list[str],
    exclude_category: list[str],
    exclude: list[str],
    has_code: bool,
    min_upvotes: int | None,
    author: str | None,
) -> PaperFilters:
    """The tools' filter arguments, validated by the one parser the pages and the API use."""
    return parse_filters(
        {
            "category": category,
            "exclude_category": exclude_category,
            "exclude": exclude,
            "has_code": ["true" if has_code else ""],
            "min_upvotes": [str(min_upvotes)] if min_upvotes is not None else [],
            "author": [author] if author else [],
        }
    )


def daily(
    ctx: ToolContext,
    date: Day = None,
    week: Annotated[str | None, Field(description="An ISO week, YYYY-Www (e.g. 2025-W44).", max_length=40)] = None,
    month: Annotated[str | None, Field(description="A month, YYYY-MM.", max_length=40)] = None,
    q: Annotated[
        str | None, Field(description="Only papers whose title or abstract contains this text.", max_length=200)
    ] = None,
    submitter: Annotated[
        str | None, Field(description="Only papers put on the feed by this username.", max_length=100)
    ] = None,
    sort: Annotated[Sort, Field(description="upvotes (featured first), publishedAt (newest first) or trending.")] = (
        Sort.upvotes
    ),
    category: Categories = [],  # noqa: B006 (pydantic copies defaults; the schema shows [])
    exclude_category: ExcludeCategories = [],  # noqa: B006
    exclude: ExcludeWords = [],  # noqa: B006
    has_code: HasCode = False,
    min_upvotes: MinUpvotes = None,
    author: Author = None,
    page: Page = 1,
    limit: PageSize = 20,
) -> Listing:
    """The daily papers feed: the papers of one day, ISO week or month (give at most one of date, week and
    month; none means the latest day that has papers), as the site's listing pages show them."""
    given = [(kind, value) for kind, value in zip(PeriodKind, (date, week, month), strict=True) if value]
    if len(given) > 1:
        raise ToolError("Give at most one of date, week and month.")
    state = state_of(ctx)
    with refusals(InvalidPeriod, InvalidFilter), state.db.read() as session:
        filters = paper_filters(category, exclude_category, exclude, has_code, min_upvotes, author)
        if given:
            period = parse_period(*given[0])
        else:
            latest = listings.latest_day(session)
            if latest is None:
                return Listing(period=None, label="No papers yet", total=0, page=page, papers=[])
            period = day_period(latest)
        conditions = listings.entry_filters(
            period.start, period.end, (q or "").strip() or None, submitter or None, filters
        )
        result = listings.cards_where(session, conditions, sort, (page - 1) * limit, limit)
    base = state.settings.base_url
    return Listing(
        period=period.slug,
        label=period.label,
        total=result.total,
        page=page,
        papers=[card_out(base, card) for card in result.cards],
    )


def trending(
    ctx: ToolContext,
    category: Categories = [],  # noqa: B006 (pydantic copies defaults; the schema shows [])
    exclude_category: ExcludeCategories = [],  # noqa: B006
    exclude: ExcludeWords = [],  # noqa: B006
    has_code: HasCode = False,
    min_upvotes: MinUpvotes = None,
    author: Author = None,
    page: Page = 1,
    limit: PageSize = 20,
) -> Listing:
    """Trending papers: everything on the feed ranked by the trending score (upvotes with gravity on age, the
    formula of /papers/trending), best first, with the site's filters."""
    state = state_of(ctx)
    with refusals(InvalidFilter), state.db.read() as session:
        filters = paper_filters(category, exclude_category, exclude, has_code, min_upvotes, author)
        result = listings.trending(session, filters=filters, offset=(page - 1) * limit, limit=limit)
    base = state.settings.base_url
    papers = [card_out(base, card) for card in result.cards]
    return Listing(period=None, label="Trending", total=result.total, page=page, papers=papers)


def new_on_arxiv(
    ctx: ToolContext,
    date: Annotated[
        str | None, Field(description="An announcement day, YYYY-MM-DD; none: the latest.", max_length=40)
    ] = None,
    category: Annotated[
        list[str],
        Field(
            max_length=MAX_CATEGORIES,
            description="arXiv categories or archives (cs.CL, cs); none: the site's configured categories.",
        ),
    ] = [],  # noqa: B006 (pydantic copies defaults; the schema shows [])
    exclude_category: ExcludeCategories = [],  # noqa: B006
    exclude: ExcludeWords = [],  # noqa: B006
    has_code: HasCode = False,
    min_upvotes: MinUpvotes = None,
    author: Author = None,
) -> NewOnArxiv:
    """New on arXiv: everything arXiv announced on one day in a category or archive, as arXiv lists it (new
    submissions, then cross-lists, then replacements, each by upvotes); the same listing as /papers/new and
    /api/papers/new. Unlike daily, it is not limited to papers put on the feed."""
    state = state_of(ctx)
    with refusals(InvalidFilter):
        filters = paper_filters(category, exclude_category, exclude, has_code, min_upvotes, author)
    with refusals(InvalidPeriod), state.db.read() as session:
        day = parse_day(date) if date else announcements.latest_announcement_day(session)
        categories = list(filters.categories) or state.settings.category_list
        papers = announcements.papers_announced(session, day, categories, filters) if day else []
    base = state.settings.base_url
    return NewOnArxiv(
        date=day,
        categories=categories,
        papers=[
            AnnouncedPaper(
                id=p.arxiv_id,
                title=p.title,
                summary=p.abstract,
                kind=p.kind.value,
                primary_category=p.primary_category,
                categories=p.categories.split(),
                published_at=p.published_at,
                upvotes=p.upvotes,
                url=paper_url(base, p.arxiv_id),
            )
            for p in papers
        ],
    )


def search(
    ctx: ToolContext,
    q: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAX_QUERY_CHARS,
            description="What to look for: words, a title, or an arXiv id (an exact id or title comes first).",
        ),
    ],
    mode: Annotated[
        Mode, Field(description="keyword (BM25), semantic (embeddings) or hybrid (both, rank-fused).")
    ] = Mode.hybrid,
    published_from: Annotated[Day, Field(description="Published on or after this day, YYYY-MM-DD.")] = None,
    published_until: Annotated[Day, Field(description="Published on or before this day, YYYY-MM-DD.")] = None,
    category: Categories = [],  # noqa: B006 (pydantic copies defaults; the schema shows [])
    exclude_category: ExcludeCategories = [],  # noqa: B006
    exclude: ExcludeWords = [],  # noqa: B006
    has_code: HasCode = False,
    min_upvotes: MinUpvotes = None,
    author: Author = None,
    page: Annotated[int, Field(ge=1, le=25, description="Page number, from 1.")] = 1,
    limit: Annotated[int, Field(ge=1, le=20, description="Results per page, 1 to 20.")] = 10,
) -> SearchResults:
    """Search every paper the site knows (not only those on the feed), by keyword, meaning or both, with
    filters; the same search as /search and /api/papers/search."""
    state = state_of(ctx)
    with refusals(InvalidPeriod, InvalidQuery, InvalidFilter):
        filters = Filters(
            published_from=parse_day(published_from) if published_from else None,
            published_until=parse_day(published_until) if published_until else None,
            paper=paper_filters(category, exclude_category, exclude, has_code, min_upvotes, author),
        )
        query = parse_query(q, filters)
        offset = min((page - 1) * limit, MAX_RESULTS)
        with state.db.read() as session:
            results, total = state.search.search(session, query, mode, limit=limit, offset=offset)
    base = state.settings.base_url
    hits: list[SearchHit] = [hit_out(base, result) for result in results]
    return SearchResults(query=query.text, mode=mode.value, total=total, page=page, results=hits)


def paper(ctx: ToolContext, paper_id: PaperId) -> PaperDetail:
    """One paper in full: title, authors, the abstract, categories, dates, upvotes, its day on the feed, and
    links (arXiv page, PDF, code, project page)."""
    state = state_of(ctx)
    with refusals(InvalidArxivId), state.db.read() as session:
        found = find_paper(session, paper_id)
        entry = listings.entry_for(session, found)
        links = [
            Link(label="arXiv page", url=f"https://arxiv.org/abs/{found.arxiv_id}"),
            Link(label="PDF", url=f"https://arxiv.org/pdf/{found.arxiv_id}"),
        ]
        if found.github_repo:
            links.append(Link(label="Code", url=found.github_repo))
        if found.project_page:
            links.append(Link(label="Project page", url=found.project_page))
        return PaperDetail(
            id=found.arxiv_id,
            title=found.title,
            summary=found.abstract,
            authors=found.author_list,
            categories=found.category_list,
            published_at=found.published_at,
            updated_at=found.updated_at,
            version=found.version,
            upvotes=found.upvotes,
            github_repo=found.github_repo,
            github_stars=found.github_stars,
            project_page=found.project_page,
            ai_summary=found.ai_summary,
            comment=found.comment,
            journal_ref=found.journal_ref,
            doi=found.doi,
            day=entry.day if entry is not None and entry.hidden_at is None else None,
            submitted_by=entry.submitted_by.username if entry is not None and entry.submitted_by else None,
            links=links,
            url=paper_url(state.settings.base_url, found.arxiv_id),
        )


def similar(
    ctx: ToolContext,
    paper_id: PaperId,
    limit: Annotated[int, Field(ge=1, le=MAX_SIMILAR, description=f"How many, 1 to {MAX_SIMILAR}.")] = 8,
) -> SearchResults:
    """Papers closest in meaning to this one (by embedding; by its title's keywords while it has no vector yet),
    as the paper page's "Similar papers" shows them."""
    state = state_of(ctx)
    with refusals(), state.db.read() as session:
        found = find_paper(session, paper_id)
        results = state.search.similar(session, found, k=limit)
    base = state.settings.base_url
    hits = [hit_out(base, result) for result in results]
    return SearchResults(query=found.arxiv_id, mode="similar", total=len(hits), page=1, results=hits)


def comments(ctx: ToolContext, paper_id: PaperId) -> Comments:
    """The paper's discussion in thread order (each reply follows its parent, with its depth); removed comments
    stay only as placeholders for their replies."""
    state = state_of(ctx)
    with refusals(), state.db.read() as session:
        found = find_paper(session, paper_id)
        nodes = community_comments.flatten(community_comments.thread(session, found))
        out = []
        for node in nodes:
            c = node.comment
            status = "deleted" if c.deleted_at else "hidden" if c.hidden_at else "visible"
            shown = status == "visible"
            out.append(
                CommentOut(
                    id=c.id,
                    parent_id=c.parent_id,
                    depth=node.depth,
                    author=c.user.username if shown else None,
                    author_name=c.user.display_name if shown else None,
                    is_paper_author=node.by_author and shown,
                    body=c.body if shown else None,
                    created_at=c.created_at,
                    edited_at=c.edited_at,
                    status=status,
                )
            )
    return Comments(paper_id=found.arxiv_id, comments=out)
