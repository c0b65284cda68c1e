"""Fitting users' interest models (a state-derived job) and ranking a period's papers for one user.

Models are fitted by the ``personal`` job when a user's signals change (their fingerprint differs from the
stored model's) and read on each request: nothing is trained per request. Ranking needs the candidates'
vectors, which come from the database blobs, so it works in the web process, a worker and the digest job alike.
Without a model (fewer than three positives with vectors) the feed falls back to the user's chosen categories,
then to plain trending; the page says which.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dailypapers.config import Settings
from dailypapers.db import Database, utcnow
from dailypapers.personal.interest import MIN_POSITIVES, RANDOM_NEGATIVES, InterestModel, fit, nearest
from dailypapers.personal.models import InterestModelRow
from dailypapers.personal.signals import signals_of, users_with_signals
from dailypapers.search.vectors.format import configured_model
from dailypapers.search.vectors.store import random_vectors, vectors_for


def refit_user(db: Database, settings: Settings, user_id: int) -> bool:
    """Fit (or drop) ``user_id``'s model from their current signals; True when a model is stored."""
    identity = configured_model(settings)
    model_id, dim = identity
    with db.read() as session:
        signals = signals_of(session, user_id)
        positive_vectors = vectors_for(session, identity, list(signals.positives))
        negative_vectors = vectors_for(session, identity, list(signals.negatives))
        seen = set(signals.positives) | set(signals.negatives)
        background = random_vectors(session, identity, RANDOM_NEGATIVES, seen)
    positives = np.array(list(positive_vectors.values()), dtype=np.float32).reshape(-1, dim)
    negatives = np.array(list(negative_vectors.values()), dtype=np.float32).reshape(-1, dim)
    model = fit(positives, negatives, background, seed=user_id) if len(background) else None
    with db.write() as session:
        session.execute(delete(InterestModelRow).where(InterestModelRow.user_id == user_id))
        if model is None:
            return False
        weights, biases = model.to_bytes()
        session.add(
            InterestModelRow(
                user_id=user_id,
                model_id=model_id,
                signals=signals.fingerprint,
                dim=dim,
                weights=weights,
                biases=biases,
                positives=len(positives),
                fitted_at=utcnow(),
            )
        )
    return True


def stale_users(db: Database, settings: Settings) -> list[int]:
    """Users whose signals changed since their model was fitted (or who have signals and no model yet)."""
    model_id = configured_model(settings).model_id
    with db.read() as session:
        stored = {
            row.user_id: row
            for row in session.scalars(select(InterestModelRow).where(InterestModelRow.model_id == model_id))
        }
        stale = []
        for user_id in users_with_signals(session):
            signals = signals_of(session, user_id)
            row = stored.get(user_id)
            if row is None:
                if len(signals.positives) >= MIN_POSITIVES:
                    stale.append(user_id)
            elif row.signals != signals.fingerprint:
                stale.append(user_id)
        return stale


def load_model(session: Session, settings: Settings, user_id: int) -> InterestModel | None:
    model_id, dim = configured_model(settings)
    row = session.get(InterestModelRow, user_id)
    if row is None or row.model_id != model_id or row.dim != dim:
        return None
    return InterestModel.from_bytes(row.weights, row.biases, dim)


@dataclass(frozen=True, slots=True)
class Pick:
    paper_id: int
    score: float
    because_id: int | None  # the liked paper closest to this one


def rank_ids(
    session: Session, settings: Settings, user_id: int, candidate_ids: list[int], limit: int
) -> list[Pick] | None:
    """The best of ``candidate_ids`` for the user by their model, with the liked paper closest to each; None
    when the user has no model yet. Papers the user already upvoted, saved or dismissed are left out."""
    model = load_model(session, settings, user_id)
    if model is None:
        return None
    signals = signals_of(session, user_id)
    seen = set(signals.positives) | set(signals.negatives)
    candidates = [i for i in candidate_ids if i not in seen]
    identity = configured_model(settings)
    vectors = vectors_for(session, identity, candidates)
    with_vectors = [i for i in candidates if i in vectors]
    if not with_vectors:
        return []
    matrix = np.array([vectors[i] for i in with_vectors], dtype=np.float32)
    scores = model.score(matrix)
    order = np.argsort(-scores, kind="stable")[:limit]
    liked = vectors_for(session, identity, list(signals.positives))
    liked_ids = list(liked)
    liked_matrix = np.array([liked[i] for i in liked_ids], dtype=np.float32).reshape(-1, identity.dim)
    closest = nearest(liked_matrix, matrix[order])
    return [
        Pick(with_vectors[i], float(scores[i]), liked_ids[j] if liked_ids else None)
        for i, j in zip(order, closest, strict=True)
    ]


class ModelPersonalizer:
    """The digests' "for you" section (digests.compose.Personalizer): the user's model over the period's papers,
    only papers it scores as more likely liked than not (logit > 0)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def rank(self, session: Session, user_id: int, candidate_ids: list[int], limit: int) -> list[int]:
        picks = rank_ids(session, self.settings, user_id, candidate_ids, limit) or []
        return [p.paper_id for p in picks if p.score > 0][: max(1, limit // 2)]
