"""What arXiv announced on a day ("New on arXiv"): every paper of the wanted categories or archives, marked as
arXiv lists them: new submissions, cross-lists (primary category elsewhere) and replacements (a new version of an
older paper). "In a category" means what it means everywhere (``papers.categories``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dailypapers.errors import Refused
from dailypapers.papers.categories import categories_condition, in_categories
from dailypapers.papers.filters import CATEGORY_PATTERN, PaperFilters, condition
from dailypapers.papers.models import Paper

MAX_PAPERS = 2000  # the busiest day of cs is ~1,500 announcements


class InvalidAnnouncementQuery(ValueError, Refused):
    """A category or day the "new" listing cannot take (a 400; the message says what was expected)."""


class Kind(StrEnum):
    new = "new"
    cross_list = "cross-list"
    replacement = "replacement"


ORDER = {Kind.new: 0, Kind.cross_list: 1, Kind.replacement: 2}


@dataclass(frozen=True, slots=True)
class NewPaper:
    paper_id: int
    arxiv_id: str
    title: str
    abstract: str
    primary_category: str | None
    categories: str
    published_at: dt.datetime | None
    upvotes: int
    kind: Kind


def parse_category(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if not CATEGORY_PATTERN.match(value):  # the filters' rule (papers/filters.py)
        raise InvalidAnnouncementQuery(
            f"category {value[:40]!r} is not an arXiv category or archive (e.g. cs.CL or cs)"
        )
    return value


def parse_day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidAnnouncementQuery(f"date {value[:40]!r} is not a day (expected YYYY-MM-DD)") from None


def papers_announced(
    session: Session, day: dt.date, wanted: list[str], filters: PaperFilters | None = None
) -> list[NewPaper]:
    """Everything announced on ``day`` in ``wanted`` (categories or archives; empty: every category) that passes
    ``filters`` (the site's vocabulary; its categories are ``wanted``, which also decide the kind): new papers,
    then cross-lists, then replacements, each by upvotes."""
    query = (
        select(
            Paper.id,
            Paper.arxiv_id,
            Paper.title,
            Paper.abstract,
            Paper.primary_category,
            Paper.categories,
            Paper.published_at,
            Paper.upvotes,
            Paper.announced_on,
        )
        .where(or_(Paper.announced_on == day, Paper.replaced_on == day))
        .limit(MAX_PAPERS)
    )
    if wanted:
        query = query.where(categories_condition(Paper.categories, wanted))
    if filters is not None and filters.without_categories().active:
        query = query.where(condition(filters.without_categories()))
    found = []
    for paper_id, arxiv_id, title, abstract, primary, categories, published_at, upvotes, announced in session.execute(
        query
    ):
        primary_hit = not wanted or (primary is not None and in_categories([primary], wanted))
        kind = Kind.replacement if announced != day else Kind.new if primary_hit else Kind.cross_list
        found.append(NewPaper(paper_id, arxiv_id, title, abstract, primary, categories, published_at, upvotes, kind))
    found.sort(key=lambda p: (ORDER[p.kind], -p.upvotes, p.arxiv_id))
    return found


def latest_announcement_day(session: Session) -> dt.date | None:
    return session.scalar(select(func.max(Paper.announced_on)))


def neighbours(session: Session, day: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The announcement days before and after ``day`` (None at either end)."""
    before = session.scalar(select(func.max(Paper.announced_on)).where(Paper.announced_on < day))
    after = session.scalar(select(func.min(Paper.announced_on)).where(Paper.announced_on > day))
    return before, after
