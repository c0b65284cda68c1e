"""Vector backends behind one Protocol: in memory (numpy, faiss past a threshold) or pgvector.

``make_backend`` picks pgvector when PostgreSQL has the extension's column, else the in-memory index, which
also serves PostgreSQL without pgvector. Backends only read during a search; ``refresh`` (which loads new
vectors, or on pgvector fills the column) is called by the search engine's refresher thread or ``refresh_now``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.search.vectors.format import ModelIdentity, Vectors
from dailypapers.search.vectors.memory import VectorIndex
from dailypapers.search.vectors.pgvector import PgVectorIndex, has_pgvector


class VectorBackend(Protocol):
    model_id: str
    dim: int

    def __len__(self) -> int:
        """How many vectors the backend knows of (as of its last refresh)."""
        ...

    def refresh(self) -> None:
        """Catch up with the vectors stored since the last refresh (background work, never a request's)."""
        ...

    def vector_of(self, paper_id: int) -> Vectors | None: ...

    def neighbours(self, paper_id: int, k: int) -> list[tuple[int, float]] | None:
        """The ``k`` papers nearest to ``paper_id``, itself left out; None when it has no vector yet."""
        ...

    def search(
        self, query: Vectors, k: int, exclude: Collection[int] = (), allowed: Collection[int] | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` nearest papers (id, cosine similarity), best first, none of ``exclude``, only ``allowed``."""
        ...


def make_backend(db: Database, settings: Settings, model: ModelIdentity) -> VectorBackend:
    if has_pgvector(db):
        return PgVectorIndex(db, model.model_id, model.dim)
    return VectorIndex(
        db, model.model_id, model.dim, ann_threshold=settings.vector_ann_threshold, nprobe=settings.vector_nprobe
    )


__all__ = ["PgVectorIndex", "VectorBackend", "VectorIndex", "has_pgvector", "make_backend"]
