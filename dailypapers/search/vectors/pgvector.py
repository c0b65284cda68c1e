"""Vector search in PostgreSQL with pgvector's HNSW index (no copy of the vectors in this process).

The embedding job stores float32 blobs on every database; here the ``embedding`` column is filled from the
blobs that lack it (``sync``), so the job stays the same everywhere and nothing is lost if pgvector appears
later. Only the bundled model has an HNSW index (HNSW needs a fixed dimension); others are scanned exactly.
``sync`` runs in the embedding job and in the search engine's refresher thread, never in a request.
"""

from __future__ import annotations

import threading
from collections.abc import Collection

from sqlalchemy import func, select, text

from dailypapers.db import Database
from dailypapers.search.models import PaperVector
from dailypapers.search.vectors.format import Vectors, from_blob

# Rows copied into the pgvector column per transaction, and per refresh of a web process (a bounded write
# beside its requests; the embedding job syncs everything after each run).
PG_SYNC_BATCH = 2000
# pgvector's default ef_search is 40; recall@10 is ~0.99 at 100 on 100k vectors (DESIGN §6).
HNSW_EF_SEARCH = 100


def has_pgvector(db: Database) -> bool:
    """Whether migration 0004 could add the pgvector column (PostgreSQL with the extension)."""
    if db.engine.dialect.name != "postgresql":
        return False
    with db.read() as session:
        sql = text(
            "SELECT 1 FROM information_schema.columns WHERE table_name = 'paper_vectors' AND column_name = 'embedding'"
        )
        return session.execute(sql).first() is not None


def _literal(vector: Vectors) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + "]"


class PgVectorIndex:
    """The vectors of one model in ``paper_vectors.embedding``, searched by PostgreSQL."""

    def __init__(self, db: Database, model_id: str, dim: int) -> None:
        self.db = db
        self.model_id = model_id
        self.dim = dim
        self._count = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._count

    def refresh(self) -> None:
        with self._lock:
            self.sync(limit=PG_SYNC_BATCH)
            with self.db.read() as session:
                self._count = (
                    session.scalar(
                        select(func.count()).select_from(PaperVector).where(PaperVector.model == self.model_id)
                    )
                    or 0
                )

    def sync(self, limit: int | None = None) -> int:
        """Copy blobs into the pgvector column where it is still empty; returns how many rows were filled."""
        filled = 0
        while limit is None or filled < limit:
            with self.db.write() as session:
                rows = session.execute(
                    text(
                        "SELECT paper_id, vector FROM paper_vectors WHERE model = :model AND embedding IS NULL "
                        "LIMIT :batch FOR UPDATE SKIP LOCKED"
                    ),
                    {"model": self.model_id, "batch": PG_SYNC_BATCH},
                ).all()
                if not rows:
                    break
                session.execute(
                    text(
                        "UPDATE paper_vectors SET embedding = CAST(:embedding AS vector) "
                        "WHERE paper_id = :paper_id AND model = :model"
                    ),
                    [
                        {"embedding": _literal(from_blob(blob)), "paper_id": pid, "model": self.model_id}
                        for pid, blob in rows
                    ],
                )
            filled += len(rows)
        return filled

    def vector_of(self, paper_id: int) -> Vectors | None:
        with self.db.read() as session:
            blob = session.scalar(
                select(PaperVector.vector).where(PaperVector.paper_id == paper_id, PaperVector.model == self.model_id)
            )
        return None if blob is None else from_blob(blob)

    def neighbours(self, paper_id: int, k: int) -> list[tuple[int, float]] | None:
        # Nothing remembered here: the HNSW scan is PostgreSQL's (~1 ms), and every process would keep its own.
        vector = self.vector_of(paper_id)
        return None if vector is None else self.search(vector, k, exclude={paper_id})

    def search(
        self, query: Vectors, k: int, exclude: Collection[int] = (), allowed: Collection[int] | None = None
    ) -> list[tuple[int, float]]:
        want = k + len(exclude)
        # The model id and dimension are our own constants (quoted defensively), not user input; HNSW partial
        # indexes are only chosen when the planner sees them as literals.
        model = self.model_id.replace("'", "''")
        column = f"embedding::vector({int(self.dim)})"
        where = "" if allowed is None else " AND paper_id = ANY(:allowed)"
        sql = text(
            f"SELECT paper_id, 1 - ({column} <=> CAST(:q AS vector)) AS score FROM paper_vectors "
            f"WHERE model = '{model}' AND embedding IS NOT NULL{where} "
            f"ORDER BY {column} <=> CAST(:q AS vector) LIMIT :want"
        )
        params: dict[str, object] = {"q": _literal(query), "want": want}
        if allowed is not None:
            params["allowed"] = list(allowed)
        with self.db.read() as session:
            # ef_search bounds how many rows one HNSW scan returns (at most 1,000); iterative scans (pgvector
            # 0.8) keep going when more candidates are asked for than that.
            session.execute(text(f"SET LOCAL hnsw.ef_search = {min(max(HNSW_EF_SEARCH, want), 1000)}"))
            session.execute(text("SET LOCAL hnsw.iterative_scan = strict_order"))
            rows = session.execute(sql, params).all()
        return [(int(pid), float(score)) for pid, score in rows if int(pid) not in exclude][:k]
