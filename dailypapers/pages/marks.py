"""The viewer's marks on papers: which ones they upvoted, saved in a collection or dismissed.

Votes and collections are two features; every page that shows cards or a paper asks here, so a listing, the
trending page, "for you" and the paper page mark the same things in the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.community import collections
from dailypapers.papers.listings import Card
from dailypapers.papers.models import Paper
from dailypapers.votes.services import voted_clause, voted_ids


def voted_cards(session: Session, user: User | None, cards: Iterable[Card]) -> set[int]:
    """The ids of the papers among ``cards`` that ``user`` upvoted (a listing's filled-in vote buttons)."""
    return voted_ids(session, user, [card.paper_id for card in cards])


def paper_marks(session: Session, user: User | None, paper: Paper) -> dict[str, Any]:
    """The paper page's marks: the vote button, the visitor's collections and which hold it, dismissed. Two
    queries for a member (each mark alone was four, ~10 % of the page, py-spy), none for a visitor."""
    if user is None:
        return {"voted": False, "collections": [], "saved_in": set(), "dismissed": False}
    voted, dismissed = session.execute(
        select(voted_clause(user, paper.id), collections.dismissed_clause(user, paper))
    ).one()
    summaries = collections.collections_of(session, user, holding=paper)
    return {
        "voted": bool(voted),
        "collections": summaries,
        "saved_in": {s.collection.id for s in summaries if s.holds},
        "dismissed": bool(dismissed),
    }
