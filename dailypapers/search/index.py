"""Paper vectors served from memory: exact cosine search with numpy over a float32 matrix.

At 384 dimensions an exact scan costs ~5 ms per 100k papers on one core (DESIGN §6), well inside the search
budget up to a few hundred thousand papers; past that an ANN index (faiss HNSW) belongs here. The matrix is
reloaded when the stored vectors change, checked at most every ``REFRESH_SECONDS``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select, text

from dailypapers.db import Database
from dailypapers.search.embedder import Vectors
from dailypapers.search.models import PaperVector

REFRESH_SECONDS = 5.0
LOAD_CHUNK = 20_000
# Rows copied into the pgvector column per transaction.
PG_SYNC_BATCH = 2000
# pgvector's default ef_search is 40; recall@10 is ~0.99 at 100 on 100k vectors (DESIGN §6).
HNSW_EF_SEARCH = 100


class Throttle:
    """Says yes at most once every ``seconds`` (or when forced): the indexes look for new vectors that often."""

    def __init__(self, seconds: float = REFRESH_SECONDS) -> None:
        self.seconds = seconds
        self._last = float("-inf")

    def due(self, force: bool = False) -> bool:
        now = time.monotonic()
        if not force and now - self._last < self.seconds:
            return False
        self._last = now
        return True


class AnnIndex:
    """faiss IVF-Flat over the same matrix (inner product = cosine on normalised vectors).

    IVF rather than HNSW: it trains in ~15 s and adds 1M vectors in ~18 s on 2 cores, so rebuilding after a
    model change is cheap, and new vectors are simply added. nlist = 4·sqrt(N) lists; ``nprobe`` lists are scanned
    per query (recall@10 is measured against the exact scan in benchmarks/search_speed.py --vectors).
    """

    def __init__(self, matrix: Vectors, ids: npt.NDArray[np.int64], nprobe: int) -> None:
        import faiss

        dim = matrix.shape[1]
        nlist = int(min(max(4 * np.sqrt(len(ids)), 64), 16384))
        self._index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(0).choice(len(ids), size=min(len(ids), nlist * 64), replace=False)
        self._index.train(matrix[sample])
        self._index.nprobe = nprobe
        self.add(matrix, ids)

    def add(self, matrix: Vectors, ids: npt.NDArray[np.int64]) -> None:
        self._index.add_with_ids(np.ascontiguousarray(matrix), ids)

    def search(self, query: Vectors, k: int) -> list[tuple[int, float]]:
        scores, ids = self._index.search(query.reshape(1, -1).astype(np.float32), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]


class VectorIndex:
    """Vectors of one model in memory; exact numpy scan, or faiss IVF once there are ``ann_threshold`` of them."""

    def __init__(self, db: Database, model_id: str, dim: int, ann_threshold: int = 50_000, nprobe: int = 32) -> None:
        self.db = db
        self.model_id = model_id
        self.dim = dim
        self.ann_threshold = ann_threshold
        self.nprobe = nprobe
        self.ids: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self.matrix: Vectors = np.zeros((0, dim), dtype=np.float32)
        self.ann: AnnIndex | None = None
        self._position: dict[int, int] = {}
        self._version: tuple[int, object] | None = None
        self._throttle = Throttle()
        self._lock = threading.Lock()
        self._building = False
        self._generation = 0  # bumped by every full reload, so a stale ANN build is thrown away

    def __len__(self) -> int:
        return len(self.ids)

    def _load(self, newer_than: object | None) -> tuple[list[int], Vectors]:
        query = (
            select(PaperVector.paper_id, PaperVector.vector)
            .where(PaperVector.model == self.model_id, PaperVector.dim == self.dim)
            .order_by(PaperVector.paper_id)
            .execution_options(yield_per=LOAD_CHUNK)
        )
        if newer_than is not None:
            query = query.where(PaperVector.created_at > newer_than)
        ids: list[int] = []
        blobs: list[bytes] = []
        with self.db.read() as session:
            for paper_id, blob in session.execute(query):
                ids.append(paper_id)
                blobs.append(blob)
        if not blobs:
            return [], np.zeros((0, self.dim), np.float32)
        return ids, np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), self.dim).astype(np.float32)

    def refresh(self, force: bool = False) -> None:
        """Pick up vectors written since the last look: appended when only new ones arrived, else reloaded."""
        if not self._throttle.due(force):
            return
        with self._lock:
            with self.db.read() as session:
                count, newest = session.execute(
                    select(func.count(), func.max(PaperVector.created_at)).where(PaperVector.model == self.model_id)
                ).one()
            if (count, newest) == self._version:
                return
            previous = self._version
            appended = False
            if previous is not None and count > previous[0]:
                ids, matrix = self._load(newer_than=previous[1])
                if len(ids) == count - previous[0] and not any(i in self._position for i in ids):
                    self._append(ids, matrix)
                    appended = True
            if not appended:
                ids, matrix = self._load(newer_than=None)
                self.ids, self.matrix, self.ann = np.array(ids, dtype=np.int64), matrix, None
                self._generation += 1
                self._position = {paper_id: i for i, paper_id in enumerate(ids)}
            self._version = (int(count), newest)
        if self.ann is None and len(self.ids) >= self.ann_threshold and not self._building:
            self._building = True
            threading.Thread(target=self._build_ann, name="dailypapers-ann", daemon=True).start()

    def _append(self, ids: list[int], matrix: Vectors) -> None:
        start = len(self.ids)
        new_ids = np.array(ids, dtype=np.int64)
        self.ids = np.concatenate([self.ids, new_ids])
        self.matrix = np.concatenate([self.matrix, matrix])
        self._position.update((paper_id, start + i) for i, paper_id in enumerate(ids))
        if self.ann is not None:
            self.ann.add(matrix, new_ids)

    def _build_ann(self) -> None:
        """Build the IVF index beside the exact one; searches stay exact until it is ready."""
        try:
            with self._lock:
                matrix, ids, generation = self.matrix, self.ids, self._generation
            ann = AnnIndex(matrix, ids, self.nprobe)
            with self._lock:
                if generation == self._generation:
                    if len(self.ids) > len(ids):  # vectors appended while it was building
                        ann.add(self.matrix[len(ids) :], self.ids[len(ids) :])
                    self.ann = ann
        finally:
            self._building = False

    def wait_for_ann(self, timeout: float = 120.0) -> bool:
        """Block until a pending ANN build has finished (tests and benchmarks); True when one is in use."""
        deadline = time.monotonic() + timeout
        while self._building and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.ann is not None

    def vector_of(self, paper_id: int) -> Vectors | None:
        position = self._position.get(paper_id)
        return None if position is None else self.matrix[position]

    def search(
        self, query: Vectors, k: int, exclude: Collection[int] = (), allowed: Collection[int] | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` nearest papers by cosine similarity (vectors are normalised, so a dot product)."""
        if self.ann is not None and allowed is None:
            return [hit for hit in self.ann.search(query, k + len(exclude)) if hit[0] not in exclude][:k]
        return self.exact(query, k, exclude, allowed)

    def exact(
        self, query: Vectors, k: int, exclude: Collection[int] = (), allowed: Collection[int] | None = None
    ) -> list[tuple[int, float]]:
        matrix, ids = self.matrix, self.ids
        if allowed is not None:
            keep = np.isin(ids, np.fromiter(allowed, dtype=np.int64))
            matrix, ids = matrix[keep], ids[keep]
        if len(ids) == 0:
            return []
        scores = matrix @ query.astype(np.float32)
        want = min(k + len(exclude), len(ids))
        top = np.argpartition(-scores, want - 1)[:want]
        top = top[np.argsort(-scores[top])]
        hits = [(int(ids[i]), float(scores[i])) for i in top if int(ids[i]) not in exclude]
        return hits[:k]


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
    """Vector search in PostgreSQL with pgvector's HNSW index (no copy of the vectors in this process).

    The embedding job stores float32 blobs on every database; here the ``embedding`` column is filled from the
    blobs that lack it (``sync``), so the job stays the same everywhere and nothing is lost if pgvector appears
    later. Only the bundled model has an HNSW index (HNSW needs a fixed dimension); others are scanned exactly.
    """

    def __init__(self, db: Database, model_id: str, dim: int) -> None:
        self.db = db
        self.model_id = model_id
        self.dim = dim
        self._count = 0
        self._throttle = Throttle()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._count

    def refresh(self, force: bool = False) -> None:
        if not self._throttle.due(force):
            return
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
                        {
                            "embedding": _literal(np.frombuffer(blob, dtype="<f4")),
                            "paper_id": pid,
                            "model": self.model_id,
                        }
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
        return None if blob is None else np.frombuffer(blob, dtype="<f4").astype(np.float32)

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
