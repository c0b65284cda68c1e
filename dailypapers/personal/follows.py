"""Follows: a member follows author entities, confirmed users, and arXiv categories.

Author names are ambiguous ("Y. Wang"), so a follow names the author entity (``authors.id``), never a name.
One person often appears as several entities (with and without a middle initial): following the confirmed user
of an approved claim follows every entity that user has an approved claim on, including ones claimed later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import column, delete, or_, select, table
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.db import insert_ignoring_conflicts
from dailypapers.errors import Refused
from dailypapers.papers.categories import categories_condition
from dailypapers.papers.filters import InvalidFilter, parse_filters
from dailypapers.papers.models import Author, Paper, PaperAuthor
from dailypapers.personal.models import Follow

# Claims belong to community/, a sibling feature: read by table name (as papers/listings.py reads comments).
_CLAIMS = table("author_claims", column("user_id"), column("author_id"), column("status"))
APPROVED = "approved"  # community.models.ClaimStatus.approved
MAX_FOLLOWS = 500  # per member: a bound on the IN lists below


class FollowRefused(Refused):
    status_code = 404


@dataclass(frozen=True, slots=True)
class Followed:
    follow_id: int
    kind: str  # "author", "user" or "category"
    label: str
    href: str


def _add(session: Session, follower: User, **target: int | str) -> None:
    count = session.scalar(select(Follow.id).where(Follow.follower_id == follower.id).offset(MAX_FOLLOWS - 1).limit(1))
    if count is not None:
        raise Refused(f"You follow {MAX_FOLLOWS} things already; unfollow some first.")
    statement = insert_ignoring_conflicts(session, Follow).values(follower_id=follower.id, **target)
    session.execute(statement)


def follow_author(session: Session, follower: User, author_id: int) -> None:
    if session.get(Author, author_id) is None:
        raise FollowRefused("No such author.")
    _add(session, follower, author_id=author_id)


def claimed_author_ids(session: Session, user_id: int) -> list[int]:
    """The author entities ``user_id`` is the confirmed user of (approved claims)."""
    query = select(_CLAIMS.c.author_id).where(_CLAIMS.c.user_id == user_id, _CLAIMS.c.status == APPROVED).distinct()
    return list(session.scalars(query))


def follow_user(session: Session, follower: User, user_id: int) -> None:
    """Follow a confirmed author: only a user with an approved claim can be followed (no one else is an author)."""
    if not claimed_author_ids(session, user_id):
        raise FollowRefused("No such confirmed author.")
    _add(session, follower, user_id=user_id)


def follow_category(session: Session, follower: User, category: str) -> str:
    try:
        [chosen] = parse_filters({"category": [category]}).categories
    except InvalidFilter as exc:
        raise Refused(str(exc)) from None
    except ValueError:
        raise Refused("category: give one arXiv category or archive (e.g. cs.CL or cs)") from None
    _add(session, follower, category=chosen)
    return chosen


def unfollow(session: Session, follower: User, follow_id: int) -> None:
    session.execute(delete(Follow).where(Follow.id == follow_id, Follow.follower_id == follower.id))


def follow_id_of(
    session: Session, follower: User | None, *, author_id: int | None = None, user_id: int | None = None
) -> int | None:
    """The id of ``follower``'s follow of that author entity or user, if any (for the page's button)."""
    if follower is None:
        return None
    where = Follow.author_id == author_id if author_id is not None else Follow.user_id == user_id
    return session.scalar(select(Follow.id).where(Follow.follower_id == follower.id, where))


def follows_of(session: Session, follower: User) -> list[Followed]:
    rows = session.execute(
        select(Follow, Author.name, User.username, User.fullname)
        .outerjoin(Author, Author.id == Follow.author_id)
        .outerjoin(User, User.id == Follow.user_id)
        .where(Follow.follower_id == follower.id)
        .order_by(Follow.created_at, Follow.id)
    )
    found = []
    for follow, author_name, username, fullname in rows:
        if follow.author_id is not None:
            found.append(Followed(follow.id, "author", author_name, f"/authors/{follow.author_id}"))
        elif follow.user_id is not None:
            found.append(Followed(follow.id, "user", fullname or username, f"/users/{username}"))
        else:
            found.append(
                Followed(follow.id, "category", follow.category or "", f"/papers/new?category={follow.category}")
            )
    return found


def followed_author_ids(session: Session, follower_id: int) -> set[int]:
    """Every author entity ``follower_id`` follows: directly, and through the confirmed users they follow."""
    direct = select(Follow.author_id).where(Follow.follower_id == follower_id, Follow.author_id.is_not(None))
    users = select(Follow.user_id).where(Follow.follower_id == follower_id, Follow.user_id.is_not(None))
    claimed = select(_CLAIMS.c.author_id).where(_CLAIMS.c.user_id.in_(users), _CLAIMS.c.status == APPROVED)
    return {int(i) for i in session.scalars(direct.union(claimed)) if i is not None}


def followed_categories(session: Session, follower_id: int) -> list[str]:
    query = select(Follow.category).where(Follow.follower_id == follower_id, Follow.category.is_not(None))
    return [c for c in session.scalars(query) if c]


def papers_by_followed(
    session: Session,
    follower_id: int,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    with_categories: bool = False,
    limit: int = 50,
) -> list[int]:
    """Paper ids by the authors ``follower_id`` follows (and, with ``with_categories``, in the categories they
    follow), newest first; ``since``/``until`` bound when the paper was first published."""
    authors = followed_author_ids(session, follower_id)
    categories = followed_categories(session, follower_id) if with_categories else []
    if not authors and not categories:
        return []
    by_author = Paper.id.in_(select(PaperAuthor.paper_id).where(PaperAuthor.author_id.in_(sorted(authors))))
    query = select(Paper.id).where(or_(by_author, categories_condition(Paper.categories, categories)))
    if since is not None:
        query = query.where(Paper.published_at >= since)
    if until is not None:
        query = query.where(Paper.published_at < until)
    query = query.order_by(Paper.published_at.desc().nulls_last(), Paper.id.desc()).limit(limit)
    return list(session.scalars(query))
