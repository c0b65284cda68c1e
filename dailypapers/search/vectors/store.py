"""Reading stored paper vectors inside the caller's transaction (the interest models score with them).

These read the database, not a backend's copy, so they work in the web process, a worker and the digest job
alike, whichever backend serves search there.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dailypapers.search.models import PaperVector
from dailypapers.search.vectors.format import ModelIdentity, Vectors, from_blob, from_blobs

# Ids per IN list: SQLite's default limit on bound parameters is 999.
ID_CHUNK = 900


def vectors_for(session: Session, model: ModelIdentity, paper_ids: list[int]) -> dict[int, Vectors]:
    """The stored vectors of ``paper_ids`` for ``model``; papers without one are left out."""
    found: dict[int, Vectors] = {}
    for start in range(0, len(paper_ids), ID_CHUNK):
        chunk = paper_ids[start : start + ID_CHUNK]
        rows = session.execute(
            select(PaperVector.paper_id, PaperVector.vector).where(
                PaperVector.model == model.model_id, PaperVector.dim == model.dim, PaperVector.paper_id.in_(chunk)
            )
        )
        for paper_id, blob in rows:
            found[paper_id] = from_blob(blob)
    return found


def random_vectors(session: Session, model: ModelIdentity, count: int, exclude: Collection[int]) -> Vectors:
    """Up to ``count`` vectors of random papers not in ``exclude``, as an (n, dim) matrix."""
    rows = session.execute(
        select(PaperVector.paper_id, PaperVector.vector)
        .where(PaperVector.model == model.model_id, PaperVector.dim == model.dim)
        .order_by(func.random())
        .limit(count + len(exclude))
    )
    kept = [blob for paper_id, blob in rows if paper_id not in exclude]
    return from_blobs(kept[:count], model.dim)
