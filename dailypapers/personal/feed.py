"""The "for you" listing: the period's papers ranked for one user, with why, or the stated fallback."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.config import Settings
from dailypapers.papers.categories import categories_condition
from dailypapers.papers.listings import Card, Sort, cards_only, entry_filters, latest_day
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.papers.periods import Period, day_period, week_period
from dailypapers.personal.services import rank_ids

MAX_CANDIDATES = 2000
PeriodName = Literal["today", "week"]  # what /for-you and /api/for-you take as ?period=


class Mode(StrEnum):
    model = "model"  # learned from the user's upvotes, saves and dismissals
    categories = "categories"  # the categories they chose, by trending
    trending = "trending"  # nothing to go on yet


@dataclass(frozen=True, slots=True)
class Recommendation:
    card: Card
    score: float | None
    because: tuple[str, str] | None  # (arXiv id, title) of the liked paper closest to it


@dataclass(frozen=True, slots=True)
class ForYou:
    mode: Mode
    items: list[Recommendation]


def for_you(session: Session, settings: Settings, user: User, period: Period, limit: int = 30) -> ForYou:
    conditions = entry_filters(period.start, period.end, None, None)
    candidate_ids = list(
        session.scalars(
            select(Paper.id)
            .join(DailyEntry, DailyEntry.paper_id == Paper.id)
            .where(*conditions)
            .order_by(Paper.trending_score.desc(), Paper.id)
            .limit(MAX_CANDIDATES)
        )
    )
    picks = rank_ids(session, settings, user.id, candidate_ids, limit)
    if picks is not None:
        chosen = [*conditions, Paper.id.in_([p.paper_id for p in picks])]
        cards = {c.paper_id: c for c in cards_only(session, chosen, Sort.trending, 0, limit)}
        because_ids = [p.because_id for p in picks if p.because_id]
        titles = {
            paper_id: (arxiv_id, title)
            for paper_id, arxiv_id, title in session.execute(
                select(Paper.id, Paper.arxiv_id, Paper.title).where(Paper.id.in_(because_ids))
            )
        }
        items = [
            Recommendation(cards[p.paper_id], p.score, titles.get(p.because_id) if p.because_id else None)
            for p in picks
            if p.paper_id in cards
        ]
        return ForYou(Mode.model, items)
    categories = user.interest_categories.split()
    if categories:
        in_chosen = categories_condition(Paper.categories, categories)
        chosen_cards = cards_only(session, [*conditions, in_chosen], Sort.trending, 0, limit)
        return ForYou(Mode.categories, [Recommendation(c, None, None) for c in chosen_cards])
    return ForYou(
        Mode.trending, [Recommendation(c, None, None) for c in cards_only(session, conditions, Sort.trending, 0, limit)]
    )


def named_period(session: Session, name: PeriodName) -> Period | None:
    """The latest day with papers ("today") or its week; None while nothing is loaded."""
    latest = latest_day(session)
    if latest is None:
        return None
    return day_period(latest) if name == "today" else week_period(latest)


def for_you_in(
    session: Session, settings: Settings, user: User, name: PeriodName, limit: int
) -> tuple[Period | None, ForYou | None]:
    """The page's and the API's feed: the named period and ``user``'s ranking of it (both None when empty)."""
    period = named_period(session, name)
    return period, (for_you(session, settings, user, period, limit) if period else None)
