"""Secret, revocable personal feed URLs: ``/feeds/{token}.atom``, the token signed (signing.py), because feed
readers send no cookies.

A token names its member, what it shows (for you, one collection, one saved search, what they follow) and the
member's feed key version (``feed_keys``). Rotating bumps the version, so every URL given out before stops at
once; nothing secret is stored. Whatever is wrong with a token (tampered, another site's, an old version, a
collection since deleted, a member since removed), ``resolve`` answers None, and the route one and the same
404: a reader learns nothing about which part failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import column, select, table, update
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.config import Settings
from dailypapers.db import utcnow
from dailypapers.personal.models import FeedKey, SavedSearch
from dailypapers.signing import InvalidToken, sign, unsign

PURPOSE = "personal-feed"
# A feed URL lives until its member rotates it; the signature's clock is not what ends it.
FEED_TOKEN_MAX_AGE_SECONDS = 100 * 365 * 86400


class FeedKind(StrEnum):
    for_you = "for-you"
    collection = "collection"
    saved_search = "search"
    following = "following"


@dataclass(frozen=True, slots=True)
class FeedTarget:
    user: User
    kind: FeedKind
    target_id: int | None  # the collection or saved search


def key_version(session: Session, user_id: int) -> int:
    """The member's current feed key version (1 until they first rotate)."""
    return session.scalar(select(FeedKey.version).where(FeedKey.user_id == user_id)) or 1


def feed_token(settings: Settings, user_id: int, version: int, kind: FeedKind, target_id: int | None = None) -> str:
    payload: dict[str, object] = {"u": user_id, "v": version, "k": kind.value}
    if target_id is not None:
        payload["t"] = target_id
    return sign(settings.secret_key, PURPOSE, payload)


def feed_path(settings: Settings, user_id: int, version: int, kind: FeedKind, target_id: int | None = None) -> str:
    return f"/feeds/{feed_token(settings, user_id, version, kind, target_id)}.atom"


def rotate(session: Session, user: User) -> int:
    """Kill every personal feed URL of ``user``; returns the new version (in the caller's transaction)."""
    bumped = session.execute(
        update(FeedKey).where(FeedKey.user_id == user.id).values(version=FeedKey.version + 1, rotated_at=utcnow())
    )
    if not bumped.rowcount:  # type: ignore[attr-defined]
        session.add(FeedKey(user_id=user.id, version=2, rotated_at=utcnow()))
        session.flush()
        return 2
    return key_version(session, user.id)


# Collections belong to community/, a sibling feature: named by table, as papers/listings.py names comments.
_COLLECTIONS = table("collections", column("id"), column("user_id"))


def _owned(session: Session, user: User, kind: FeedKind, target_id: int | None) -> bool:
    if kind in (FeedKind.for_you, FeedKind.following):
        return target_id is None
    if not isinstance(target_id, int):
        return False
    if kind is FeedKind.saved_search:
        found = session.scalar(
            select(SavedSearch.id).where(SavedSearch.id == target_id, SavedSearch.user_id == user.id)
        )
        return found is not None
    found = session.scalar(
        select(_COLLECTIONS.c.id).where(_COLLECTIONS.c.id == target_id, _COLLECTIONS.c.user_id == user.id)
    )
    return found is not None


def resolve(session: Session, settings: Settings, token: str) -> FeedTarget | None:
    """What a feed token shows, or None when it shows nothing (for any reason)."""
    try:
        payload = unsign(settings.secret_key, PURPOSE, token, FEED_TOKEN_MAX_AGE_SECONDS)
        kind = FeedKind(str(payload.get("k")))
    except (InvalidToken, ValueError):
        return None
    user_id, version, target_id = payload.get("u"), payload.get("v"), payload.get("t")
    if not isinstance(user_id, int) or not isinstance(version, int):
        return None
    user = session.get(User, user_id)
    if user is None or key_version(session, user_id) != version:
        return None
    if not _owned(session, user, kind, target_id if isinstance(target_id, int) else None):
        return None
    return FeedTarget(user, kind, target_id if isinstance(target_id, int) else None)
