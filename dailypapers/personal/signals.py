"""What a user has told us: positives (upvotes, saves, confirmed authorship) and negatives ("not interested")."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from dailypapers.community.models import AuthorClaim, ClaimStatus, Collection, CollectionItem, Dismissal
from dailypapers.votes.models import Vote


@dataclass(frozen=True, slots=True)
class Signals:
    positives: tuple[int, ...]  # paper ids, sorted
    negatives: tuple[int, ...]

    @property
    def fingerprint(self) -> str:
        text = ",".join(map(str, self.positives)) + "|" + ",".join(map(str, self.negatives))
        return hashlib.sha256(text.encode()).hexdigest()


def signals_of(session: Session, user_id: int) -> Signals:
    positives = set(session.scalars(select(Vote.paper_id).where(Vote.user_id == user_id)))
    positives.update(
        session.scalars(
            select(CollectionItem.paper_id)
            .join(Collection, Collection.id == CollectionItem.collection_id)
            .where(Collection.user_id == user_id)
        )
    )
    positives.update(
        session.scalars(
            select(AuthorClaim.paper_id).where(
                AuthorClaim.user_id == user_id, AuthorClaim.status == ClaimStatus.approved.value
            )
        )
    )
    negatives = set(session.scalars(select(Dismissal.paper_id).where(Dismissal.user_id == user_id)))
    # A dismissed paper that is also upvoted or saved: the positive action is the clearer signal.
    return Signals(tuple(sorted(positives)), tuple(sorted(negatives - positives)))


def users_with_signals(session: Session) -> list[int]:
    query = union(
        select(Vote.user_id),
        select(Collection.user_id).join(CollectionItem, CollectionItem.collection_id == Collection.id),
        select(Dismissal.user_id),
        select(AuthorClaim.user_id).where(AuthorClaim.status == ClaimStatus.approved.value),
    )
    return sorted(session.scalars(select(query.subquery().c[0])))
