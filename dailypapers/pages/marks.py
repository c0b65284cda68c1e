"""The viewer's marks on papers: which ones they upvoted, saved in a collection or dismissed.

Votes and collections are two features; every page that shows cards or a paper asks here, so a listing, the
trending page, "for you" and the paper page mark the same things in the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.community import collections
from dailypapers.papers.listings import Card
from dailypapers.papers.models import Paper
from dailypapers.votes.services import has_voted, voted_ids


def voted_cards(session: Session, user: User | None, cards: Iterable[Card]) -> set[int]:
    """The ids of the papers among ``cards`` that ``user`` upvoted (a listing's filled-in vote buttons)."""
    return voted_ids(session, user, [card.paper_id for card in cards])


def paper_marks(session: Session, user: User | None, paper: Paper) -> dict[str, Any]:
    """The paper page's marks: the vote button, the visitor's collections and which hold it, dismissed."""
    marks: dict[str, Any] = {
        "voted": has_voted(session, user, paper.id),
        "collections": [],
        "saved_in": set(),
        "dismissed": False,
    }
    if user is not None:
        marks["collections"] = collections.collections_of(session, user)
        marks["saved_in"] = collections.collections_holding(session, user, paper)
        marks["dismissed"] = collections.is_dismissed(session, user, paper)
    return marks
