"""The in-memory vector index: exact scan, incremental refresh, and the faiss IVF index past its threshold. On both
databases: PostgreSQL without pgvector serves vectors from this index too."""

import datetime as dt

import numpy as np
import pytest

from dailypapers.db import Database
from dailypapers.ingest.files import import_paper_batch
from dailypapers.ingest.outcomes import ImportSummary
from dailypapers.papers.records import PaperRecord
from dailypapers.search.models import PaperVector
from dailypapers.search.vectors.format import to_blob
from dailypapers.search.vectors.memory import VectorIndex

MODEL = "test-model"
DIM = 32


def _papers(db: Database, count: int, start: int = 0) -> list[int]:
    records = [
        (f"t{n}", PaperRecord(arxiv_id=f"2001.{n:05d}", title=f"Paper {n}", abstract="x", authors=("A",)))
        for n in range(start, start + count)
    ]
    import_paper_batch(db, records, ImportSummary())
    with db.read() as session:
        from sqlalchemy import select

        from dailypapers.papers.models import Paper

        return list(session.scalars(select(Paper.id).order_by(Paper.id)))[start:]


def _store(db: Database, ids: list[int], vectors: np.ndarray, when: dt.datetime) -> None:
    with db.write() as session:
        session.add_all(
            PaperVector(paper_id=i, model=MODEL, dim=DIM, vector=to_blob(v), created_at=when)
            for i, v in zip(ids, vectors, strict=True)
        )


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    m = rng.normal(size=(n, DIM)).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_exact_search_and_incremental_refresh(db: Database) -> None:
    rng = np.random.default_rng(1)
    ids = _papers(db, 50)
    vectors = _unit(rng, 50)
    _store(db, ids, vectors, dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    index = VectorIndex(db, MODEL, DIM)
    index.refresh()
    assert len(index) == 50
    hits = index.search(vectors[7], 3)
    assert hits[0][0] == ids[7] and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert index.search(vectors[7], 3, exclude={ids[7]})[0][0] != ids[7]
    more = _papers(db, 10, start=50)
    _store(db, more, _unit(rng, 10), dt.datetime(2025, 1, 2, tzinfo=dt.UTC))
    matrix_before = index.matrix
    index.refresh()
    assert len(index) == 60
    assert index.matrix[:50].tobytes() == matrix_before.tobytes()  # appended, not reloaded
    assert index.vector_of(more[0]) is not None


def test_ann_index_past_the_threshold(db: Database) -> None:
    rng = np.random.default_rng(2)
    ids = _papers(db, 2000)
    vectors = _unit(rng, 2000)
    _store(db, ids, vectors, dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    index = VectorIndex(db, MODEL, DIM, ann_threshold=1000, nprobe=64)
    index.refresh()
    assert index.wait_for_ann()
    queries = _unit(rng, 20)
    recall = np.mean(
        [len({i for i, _ in index.search(q, 10)} & {i for i, _ in index.exact(q, 10)}) / 10 for q in queries]
    )
    assert recall >= 0.9
    more = _papers(db, 5, start=2000)
    new_vectors = _unit(rng, 5)
    _store(db, more, new_vectors, dt.datetime(2025, 1, 2, tzinfo=dt.UTC))
    index.refresh()
    assert index.ann is not None
    assert index.search(new_vectors[0], 1)[0][0] == more[0]  # new vectors reach the ANN index too


def test_neighbours_are_remembered_until_the_vectors_change(db: Database) -> None:
    rng = np.random.default_rng(3)
    ids = _papers(db, 40)
    vectors = _unit(rng, 40)
    _store(db, ids, vectors, dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    index = VectorIndex(db, MODEL, DIM)
    index.refresh()
    first = index.neighbours(ids[0], 5)
    assert first == index.search(vectors[0], 5, exclude={ids[0]}) and ids[0] not in {i for i, _ in first or []}
    assert index.neighbours(ids[0], 5) is first  # remembered: no second scan
    # A new paper right next to the first one must show up at once after the refresh that loads it.
    (twin,) = _papers(db, 1, start=40)
    _store(db, [twin], vectors[:1], dt.datetime(2025, 1, 2, tzinfo=dt.UTC))
    index.refresh()
    again = index.neighbours(ids[0], 5)
    assert again is not first and again is not None and again[0][0] == twin
    assert index.neighbours(10**9, 5) is None  # no vector: the caller falls back to a title search
