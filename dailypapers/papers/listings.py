"""Listing queries: the papers of a day, week or month, and the neighbouring periods that have papers.

Every listing (HTML page, Atom feed, JSON API) reads through here, so they agree on what a period contains.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, column, func, or_, select, table
from sqlalchemy.orm import Session, contains_eager, selectinload

from dailypapers.accounts.models import User
from dailypapers.papers.filters import PaperFilters, condition
from dailypapers.papers.models import DailyEntry, Paper, PaperAuthor
from dailypapers.papers.periods import Period, PeriodKind, containing
from dailypapers.papers.rows import EntryRow, PaperRow, entry_rows

MAX_QUERY_CHARS = 200
SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])
RowT = TypeVar("RowT")


class Sort(StrEnum):
    upvotes = "upvotes"
    published_at = "publishedAt"  # newest on the feed first (the HF API's name)
    trending = "trending"


@dataclass(frozen=True, slots=True)
class Card:
    """What a listing shows for one paper (the Daily Papers card)."""

    arxiv_id: str
    title: str
    abstract: str
    num_authors: int
    published_at: dt.datetime | None
    day: dt.date
    upvotes: int
    github_repo: str | None
    paper_id: int
    featured: bool
    num_comments: int = 0
    origin: str = "hf"  # papers.models.Origin: how the paper got on the feed
    submitter: str | None = None  # username of whoever put it there
    github_stars: int | None = None  # shown beside the code link (enrichment reads them from GitHub)
    project_page: str | None = None


@dataclass(frozen=True, slots=True)
class Listing:
    cards: list[Card]
    total: int


def entry_filters(
    start: dt.date | None,
    end: dt.date | None,
    q: str | None,
    submitter: str | None,
    filters: PaperFilters | None = None,
) -> list[ColumnElement[bool]]:
    # Entries a curator hid are off every listing, feed and API page.
    conditions: list[ColumnElement[bool]] = [DailyEntry.hidden_at.is_(None)]
    if start is not None:
        conditions.append(DailyEntry.day >= start)
    if end is not None:
        conditions.append(DailyEntry.day <= end)
    if q:
        pattern = f"%{escape_like(q[:MAX_QUERY_CHARS])}%"
        conditions.append(
            or_(
                Paper.title.ilike(pattern, escape="\\"),
                Paper.abstract.ilike(pattern, escape="\\"),
            )
        )
    if submitter:
        conditions.append(DailyEntry.submitted_by.has(User.username == submitter))
    if filters is not None and filters.active:
        conditions.append(condition(filters))
    return conditions


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _ordered(query: SelectT, sort: Sort) -> SelectT:
    # Ties break on the entry's paper_id (equal to papers.id through the join): a column of daily_entries, so
    # ix_daily_entries_submitted (submitted_at, paper_id) serves the publishedAt order and a query can stop
    # after one page instead of sorting every entry (the unfiltered API default).
    if sort is Sort.trending:
        return query.order_by(Paper.trending_score.desc(), Paper.id.desc())
    if sort is Sort.published_at:
        return query.order_by(DailyEntry.submitted_at.desc(), DailyEntry.paper_id.desc())
    # Entries a curator featured come first.
    return query.order_by(
        DailyEntry.featured.desc(), Paper.upvotes.desc(), DailyEntry.submitted_at.desc(), DailyEntry.paper_id.desc()
    )


def page_ids(session: Session, conditions: list[ColumnElement[bool]], sort: Sort, offset: int, limit: int) -> list[int]:
    """The paper ids of one page, in order. Narrow on purpose: SQLite computes every selected column of every
    matching row before it sorts, so the wide columns and the per-paper counts are read afterwards, for the page's
    rows only (a month's listing sorted ~750 abstracts and ran two counts per row for 50 cards)."""
    query = select(DailyEntry.paper_id).join(DailyEntry.paper).where(*conditions)
    return list(session.scalars(_ordered(query, sort).offset(offset).limit(limit)))


def _in_order(ids: list[int], rows: dict[int, RowT]) -> list[RowT]:
    return [rows[i] for i in ids if i in rows]


def entries(
    session: Session,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    q: str | None = None,
    submitter: str | None = None,
    filters: PaperFilters | None = None,
    sort: Sort = Sort.upvotes,
    offset: int = 0,
    limit: int = 50,
) -> list[tuple[EntryRow, PaperRow]]:
    """Daily entries with their papers, read-only (``papers.rows``), for the API and the feeds."""
    ids = page_ids(session, entry_filters(start, end, q, submitter, filters), sort, offset, limit)
    return _in_order(ids, entry_rows(session, ids)) if ids else []


def _num_authors() -> ColumnElement[int]:
    return (
        select(func.count())
        .select_from(PaperAuthor)
        .where(PaperAuthor.paper_id == Paper.id)
        .correlate(Paper)
        .scalar_subquery()
    )


# The comments table by name: comments belong to community/, a floor above this one, and a card needs only
# their count (served by ix_comments_paper_created: a range scan per card inside the one listing query).
_COMMENTS = table("comments", column("paper_id"), column("deleted_at"), column("hidden_at"))


def _num_comments() -> ColumnElement[int]:
    return (
        select(func.count())
        .select_from(_COMMENTS)
        .where(_COMMENTS.c.paper_id == Paper.id, _COMMENTS.c.deleted_at.is_(None), _COMMENTS.c.hidden_at.is_(None))
        .correlate(Paper)
        .scalar_subquery()
    )


def listing(
    session: Session,
    period: Period,
    *,
    q: str | None = None,
    filters: PaperFilters | None = None,
    sort: Sort = Sort.upvotes,
    offset: int = 0,
    limit: int = 50,
) -> Listing:
    """The cards of ``period`` (one page of them) and how many papers the period has in all."""
    return cards_where(session, entry_filters(period.start, period.end, q, None, filters), sort, offset, limit)


def trending(session: Session, *, filters: PaperFilters | None = None, offset: int = 0, limit: int = 50) -> Listing:
    """Everything on the feed by stored trending score (recency is inside the score: no time window needed)."""
    return cards_where(session, entry_filters(None, None, None, None, filters), Sort.trending, offset, limit)


def cards_where(
    session: Session, conditions: list[ColumnElement[bool]], sort: Sort, offset: int, limit: int
) -> Listing:
    """One page of cards and how many match in all (a second, counting query only when the page is full)."""
    cards = cards_only(session, conditions, sort, offset, limit)
    if offset == 0 and len(cards) < limit:
        total = len(cards)
    else:
        total = (
            session.scalar(select(func.count()).select_from(DailyEntry).join(DailyEntry.paper).where(*conditions)) or 0
        )
    return Listing(cards, total)


def cards_only(
    session: Session, conditions: list[ColumnElement[bool]], sort: Sort, offset: int, limit: int
) -> list[Card]:
    """The cards alone, for callers that show no page count ("for you"): no counting query."""
    ids = page_ids(session, conditions, sort, offset, limit)
    if not ids:
        return []
    query = (
        select(
            Paper.arxiv_id,
            Paper.title,
            Paper.abstract,
            _num_authors(),
            Paper.published_at,
            DailyEntry.day,
            Paper.upvotes,
            Paper.github_repo,
            Paper.id,
            DailyEntry.featured,
            _num_comments(),
            DailyEntry.origin,
            User.username,
            Paper.github_stars,
            Paper.project_page,
        )
        .select_from(DailyEntry)
        .join(DailyEntry.paper)
        .outerjoin(User, User.id == DailyEntry.submitted_by_id)
        .where(DailyEntry.paper_id.in_(ids))
    )
    cards = {card.paper_id: card for card in (Card(*tuple(row)) for row in session.execute(query))}
    return _in_order(ids, cards)


def latest_day(session: Session) -> dt.date | None:
    return session.scalar(select(func.max(DailyEntry.day)).where(DailyEntry.hidden_at.is_(None)))


def neighbours(session: Session, period: Period) -> tuple[Period | None, Period | None]:
    """The nearest earlier and later periods of the same kind that have papers (skipping empty weekends)."""
    before_q = select(func.max(DailyEntry.day)).where(DailyEntry.day < period.start).scalar_subquery()
    after_q = select(func.min(DailyEntry.day)).where(DailyEntry.day > period.end).scalar_subquery()
    before, after = session.execute(select(before_q, after_q)).one()
    return (
        containing(period.kind, before) if before else None,
        containing(period.kind, after) if after else None,
    )


def paper_by_arxiv_id(session: Session, arxiv_id: str, *, with_authors: bool = True) -> Paper | None:
    """The paper, with its authors' ORM rows unless the caller reads them as bylines (papers.lookup)."""
    query = select(Paper).where(Paper.arxiv_id == arxiv_id)
    return session.scalar(query.options(selectinload(Paper.authors)) if with_authors else query)


def paper_and_entry(session: Session, arxiv_id: str) -> tuple[Paper, DailyEntry | None] | None:
    """The paper and its feed entry (with the submitter) in one query, for the paper page."""
    query = (
        select(Paper, DailyEntry)
        .outerjoin(DailyEntry, DailyEntry.paper_id == Paper.id)
        .where(Paper.arxiv_id == arxiv_id)
        .options(contains_eager(DailyEntry.paper))  # the joined paper fills entry.paper: no second join
    )
    row = session.execute(query).first()
    return None if row is None else (row[0], row[1])


def entry_for(session: Session, paper: Paper) -> DailyEntry | None:
    return session.scalar(select(DailyEntry).where(DailyEntry.paper_id == paper.id))


__all__ = ["Card", "Listing", "PeriodKind", "Sort", "entries", "latest_day", "listing", "neighbours", "trending"]
