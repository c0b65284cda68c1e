"""What a paper page shows of the community around the paper, for the visitor looking at it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.community import claims, collections, comments
from dailypapers.papers.models import Paper
from dailypapers.votes.services import has_voted


def community_context(session: Session, paper: Paper, user: User | None) -> dict[str, Any]:
    nodes = comments.flatten(comments.thread(session, paper, include_hidden=bool(user and user.is_curator)))
    context: dict[str, Any] = {
        "voted": has_voted(session, user, paper.id),
        "comments": nodes,
        "comment_count": sum(1 for n in nodes if n.comment.is_visible),
        "collections": [],
        "saved_in": set(),
        "dismissed": False,
        "my_claims": {},
    }
    if user is not None:
        context["collections"] = collections.collections_of(session, user)
        context["saved_in"] = collections.collections_holding(session, user, paper)
        context["dismissed"] = collections.is_dismissed(session, user, paper)
        context["my_claims"] = {c.author_id: c for c in claims.claims_of(session, user, paper)}
    return context
