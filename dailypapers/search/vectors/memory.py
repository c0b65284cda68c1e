"""Paper vectors served from memory: exact cosine search with numpy over a float32 matrix.

At 384 dimensions an exact scan costs ~5 ms per 100k papers on one core (DESIGN §6), well inside the search
budget up to a few hundred thousand papers; past that a faiss IVF index takes over. ``refresh`` is called by the
search engine's refresher thread (never by a request): it appends new vectors, or reloads all of them when some
were replaced or deleted. Searches read one immutable snapshot, so a refresh never shows them ids and a matrix
of different lengths.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select

from dailypapers.db import Database
from dailypapers.search.models import PaperVector
from dailypapers.search.vectors.format import Vectors, from_blobs

LOAD_CHUNK = 20_000
# Each paper page asks for its paper's neighbours, and they only change when vectors do: remembered per paper
# until the next append or reload. An entry is ~600 bytes (k ids and scores), so 4,096 of them ~2.5 MB.
NEIGHBOURS_MEMO_ENTRIES = 4096


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
        # faiss grows its inverted lists in place on add: a search running at the same time could read freed
        # memory, so adds (refresher thread) and searches (requests) take turns.
        self._lock = threading.Lock()
        self.add(matrix, ids)

    def add(self, matrix: Vectors, ids: npt.NDArray[np.int64]) -> None:
        with self._lock:
            self._index.add_with_ids(np.ascontiguousarray(matrix), ids)

    def search(self, query: Vectors, k: int) -> list[tuple[int, float]]:
        with self._lock:
            scores, ids = self._index.search(query.reshape(1, -1).astype(np.float32), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]


@dataclass(frozen=True)
class _Snapshot:
    ids: npt.NDArray[np.int64]
    matrix: Vectors
    position: dict[int, int] = field(default_factory=dict)


class VectorIndex:
    """Vectors of one model in memory; exact numpy scan, or faiss IVF once there are ``ann_threshold`` of them."""

    def __init__(self, db: Database, model_id: str, dim: int, ann_threshold: int = 50_000, nprobe: int = 32) -> None:
        self.db = db
        self.model_id = model_id
        self.dim = dim
        self.ann_threshold = ann_threshold
        self.nprobe = nprobe
        self._snapshot = _Snapshot(np.zeros(0, dtype=np.int64), np.zeros((0, dim), dtype=np.float32))
        self.ann: AnnIndex | None = None
        self._version: tuple[int, object] | None = None
        self._lock = threading.Lock()
        self._building = False
        self._generation = 0  # bumped by every full reload, so a stale ANN build is thrown away
        # paper's neighbours -> hits, valid for the snapshot (and ANN index) they were found in
        self._memo: OrderedDict[tuple[int, int], list[tuple[int, float]]] = OrderedDict()
        self._memo_of: tuple[object, object] | None = None
        self._memo_lock = threading.Lock()  # not _lock: refresh holds that while it reads vectors from the database

    def __len__(self) -> int:
        return len(self._snapshot.ids)

    @property
    def ids(self) -> npt.NDArray[np.int64]:
        return self._snapshot.ids

    @property
    def matrix(self) -> Vectors:
        return self._snapshot.matrix

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
        return ids, from_blobs(blobs, self.dim)

    def refresh(self) -> None:
        """Pick up vectors written since the last look: appended when only new ones arrived, else reloaded."""
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
                if len(ids) == count - previous[0] and not any(i in self._snapshot.position for i in ids):
                    self._append(ids, matrix)
                    appended = True
            if not appended:
                ids, matrix = self._load(newer_than=None)
                self.ann = None
                self._snapshot = _Snapshot(
                    np.array(ids, dtype=np.int64), matrix, {paper_id: i for i, paper_id in enumerate(ids)}
                )
                self._generation += 1
            self._version = (int(count), newest)
        if self.ann is None and len(self) >= self.ann_threshold and not self._building:
            self._building = True
            threading.Thread(target=self._build_ann, name="dailypapers-ann", daemon=True).start()

    def _append(self, ids: list[int], matrix: Vectors) -> None:
        old = self._snapshot
        new_ids = np.array(ids, dtype=np.int64)
        position = dict(old.position)
        position.update((paper_id, len(old.ids) + i) for i, paper_id in enumerate(ids))
        self._snapshot = _Snapshot(np.concatenate([old.ids, new_ids]), np.concatenate([old.matrix, matrix]), position)
        if self.ann is not None:
            self.ann.add(matrix, new_ids)

    def _build_ann(self) -> None:
        """Build the IVF index beside the exact one; searches stay exact until it is ready."""
        try:
            with self._lock:
                snapshot, generation = self._snapshot, self._generation
            ann = AnnIndex(snapshot.matrix, snapshot.ids, self.nprobe)
            with self._lock:
                if generation == self._generation:
                    current = self._snapshot
                    if len(current.ids) > len(snapshot.ids):  # vectors appended while it was building
                        ann.add(current.matrix[len(snapshot.ids) :], current.ids[len(snapshot.ids) :])
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
        snapshot = self._snapshot
        position = snapshot.position.get(paper_id)
        return None if position is None else snapshot.matrix[position]

    def _memo_is_for(self, snapshot: _Snapshot, ann: AnnIndex | None) -> bool:
        # By identity: a refresh makes a new snapshot (or ANN index); equality would compare the matrices.
        return self._memo_of is not None and self._memo_of[0] is snapshot and self._memo_of[1] is ann

    def neighbours(self, paper_id: int, k: int) -> list[tuple[int, float]] | None:
        """The ``k`` papers nearest to ``paper_id`` (itself left out); None when it has no vector yet.
        Remembered until the vectors change: a paper page then costs no scan (the exact scan of 10k vectors
        was ~1 ms, 11 % of a paper page, py-spy)."""
        snapshot, ann = self._snapshot, self.ann
        with self._memo_lock:
            if not self._memo_is_for(snapshot, ann):
                self._memo.clear()
                self._memo_of = (snapshot, ann)
            hits = self._memo.get((paper_id, k))
            if hits is not None:
                self._memo.move_to_end((paper_id, k))
                return hits
        vector = self.vector_of(paper_id)
        if vector is None:
            return None
        hits = self.search(vector, k, exclude={paper_id})
        with self._memo_lock:
            if self._memo_is_for(snapshot, ann):
                self._memo[(paper_id, k)] = hits
                while len(self._memo) > NEIGHBOURS_MEMO_ENTRIES:
                    self._memo.popitem(last=False)
        return hits

    def search(
        self, query: Vectors, k: int, exclude: Collection[int] = (), allowed: Collection[int] | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` nearest papers by cosine similarity (vectors are normalised, so a dot product)."""
        ann = self.ann
        if ann is not None and allowed is None:
            return [hit for hit in ann.search(query, k + len(exclude)) if hit[0] not in exclude][:k]
        return self.exact(query, k, exclude, allowed)

    def exact(
        self, query: Vectors, k: int, exclude: Collection[int] = (), allowed: Collection[int] | None = None
    ) -> list[tuple[int, float]]:
        snapshot = self._snapshot
        matrix, ids = snapshot.matrix, snapshot.ids
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
