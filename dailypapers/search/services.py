"""Search and similar papers: keyword, semantic and hybrid (reciprocal-rank fusion), exact matches pinned.

One ``SearchEngine`` per process (``app.state.search`` in the web app) holds the embedder and the vector
backend. Requests only read: a refresher thread, started with ``start()`` in the app's lifespan, brings the
backend up to date every ``REFRESH_SECONDS`` (new vectors appended, or on pgvector the column filled), and
``refresh_now()`` does it at once for the CLI, jobs and tests. Until a paper has a vector, keyword search still
finds it: semantic and hybrid simply have fewer vector candidates.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from dailypapers.config import Settings
from dailypapers.db import Database, database_fault, error_summary
from dailypapers.papers.models import Paper
from dailypapers.search.embedder import Embedder, get_embedder, limit_blas_threads
from dailypapers.search.keyword import KeywordBackend, backend_for_dialect, filter_sql, filtered_text
from dailypapers.search.models import PaperVector
from dailypapers.search.query import InvalidQuery, ParsedQuery, parse_query
from dailypapers.search.vectors import VectorBackend, make_backend
from dailypapers.search.vectors.format import ModelIdentity, configured_model

log = logging.getLogger(__name__)

# Default reciprocal-rank fusion constant (Cormack et al. 2009); DAILYPAPERS_SEARCH_RRF_K overrides it, and
# benchmarks/search_quality.py compares values on SciFact train.
RRF_K = 60
# Candidates each ranker contributes before fusion, and the deepest page a search can reach.
CANDIDATES = 100
MAX_RESULTS = 500
# Vector candidates taken before SQL filters are applied to them (filters can be selective).
FILTERED_VECTOR_POOL = 2000
# Threads that embed queries for hybrid search beside the keyword query (one per spare core is enough).
SEMANTIC_THREADS = 2
# How often the refresher thread looks for new vectors: "a paper embedded a few seconds ago" is fresh enough,
# and each look is one COUNT/MAX query.
REFRESH_SECONDS = 5.0
# How long close() waits for a refresh in progress (a full reload of a large matrix) before leaving it; the
# thread is a daemon, so it never holds up the process's exit.
STOP_TIMEOUT_SECONDS = 10.0


class Mode(StrEnum):
    keyword = "keyword"
    semantic = "semantic"
    hybrid = "hybrid"


# What a search result shows (hydrate reads these columns only).
_RESULT_COLUMNS = (
    Paper.id,
    Paper.arxiv_id,
    Paper.title,
    Paper.abstract,
    Paper.author_names,
    Paper.published_at,
    Paper.categories,
    Paper.upvotes,
    Paper.github_repo,
)


@dataclass(frozen=True)
class Result:
    arxiv_id: str
    title: str
    abstract: str
    author_names: str
    published_at: dt.datetime | None
    categories: str
    upvotes: int
    github_repo: str | None
    score: float
    pinned: bool


def rrf(rankings: list[list[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal-rank fusion: score(d) = Σ 1 / (k + rank of d in each ranking), rank from 1."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, paper_id in enumerate(ranking, start=1):
            scores[paper_id] = scores.get(paper_id, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


class SearchEngine:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        embedder: Embedder | None = None,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self.db = db
        self.settings = settings
        self.refresh_seconds = refresh_seconds
        self._embedder = embedder
        self._index: VectorBackend | None = None
        self._index_lock = threading.Lock()
        self._stop = threading.Event()
        self._refresher: threading.Thread | None = None
        # Rounds of the refresher begun and finished, so a caller can wait for one that began after its write.
        self._rounds = threading.Condition()
        self._begun = 0
        self._finished = 0
        self.keyword: KeywordBackend = backend_for_dialect(db.engine.dialect.name)
        self._pool = ThreadPoolExecutor(max_workers=SEMANTIC_THREADS, thread_name_prefix="dailypapers-search")

    def start(self) -> None:
        """Load the vectors once, then keep them current in a background thread (the web app's lifespan).

        The first load happens before this returns, so the first requests already search every stored vector;
        a failure (database down at start) is logged and retried by the thread, and keyword search still works.
        """
        if self.running:
            return
        limit_blas_threads()
        self._stop.clear()
        self._refresh_logged()
        self._refresher = threading.Thread(target=self._refresh_loop, name="dailypapers-vectors", daemon=True)
        self._refresher.start()

    @property
    def running(self) -> bool:
        """Whether the refresher thread is alive."""
        return self._refresher is not None and self._refresher.is_alive()

    def close(self) -> None:
        self._stop.set()
        if self._refresher is not None:
            self._refresher.join(STOP_TIMEOUT_SECONDS)
        with self._rounds:
            self._rounds.notify_all()  # waiters give up now rather than at their timeout
        self._pool.shutdown(wait=False, cancel_futures=True)

    def refresh_now(self) -> None:
        """Bring the vector backend up to date now (CLI, jobs, tests; the refresher thread does it for the web)."""
        self.index.refresh()

    def wait_for_refresh(self, timeout: float) -> bool:
        """Block until a refresher round that began after this call has finished (tests: "vectors written now
        are searchable", without sleeping); False on timeout or when no refresher runs."""
        with self._rounds:
            target = self._begun + 1
            return self._rounds.wait_for(lambda: self._finished >= target or not self.running, timeout) and (
                self._finished >= target
            )

    def _refresh_logged(self) -> None:
        with self._rounds:
            self._begun += 1
            round_number = self._begun
        try:
            self.refresh_now()
        except Exception as error:  # the thread must outlive a database outage; the next round retries
            fault = database_fault(error)
            if fault is None:
                log.exception("refreshing the vector index failed")
            else:
                # Requests and /readyz report an outage (a warning line each); this thread only retries.
                log.info("vector index not refreshed: database %s (%s)", fault, error_summary(error))
        finally:
            with self._rounds:
                self._finished = round_number
                self._rounds.notify_all()

    def _refresh_loop(self) -> None:
        while not self._stop.wait(self.refresh_seconds):
            self._refresh_logged()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder(self.settings)
        return self._embedder

    @property
    def model(self) -> ModelIdentity:
        """The model whose vectors are searched: the given embedder's, else the configured one (not loaded)."""
        if self._embedder is not None:
            return ModelIdentity(self._embedder.model_id, self._embedder.dim)
        return configured_model(self.settings)

    @property
    def index(self) -> VectorBackend:
        """The vector backend as of its last refresh; reading it never touches the stored vectors."""
        if self._index is None:
            # Once per process: the first requests after a start may arrive together.
            with self._index_lock:
                if self._index is None:
                    self._index = make_backend(self.db, self.settings, self.model)
        return self._index

    def _pinned(self, session: Session, query: ParsedQuery) -> list[int]:
        pinned: list[int] = []
        if query.arxiv_id:
            pinned += session.scalars(select(Paper.id).where(Paper.arxiv_id == query.arxiv_id)).all()
        if len(query.text) >= 8:
            title = select(Paper.id).where(func.lower(Paper.title) == query.text.lower()).limit(5)
            pinned += [i for i in session.scalars(title).all() if i not in pinned]
        return pinned

    def _allowed(self, session: Session, query: ParsedQuery, candidate_ids: list[int]) -> list[int]:
        """The candidates that pass the filters, in their order."""
        if not query.filters.active or not candidate_ids:
            return candidate_ids
        where, params = filter_sql(query.filters)
        sql = filtered_text(f"SELECT p.id FROM papers p WHERE p.id IN :ids{where}").bindparams(
            bindparam("ids", expanding=True)
        )
        allowed = set(session.scalars(sql, {"ids": candidate_ids, **params}).all())
        return [i for i in candidate_ids if i in allowed]

    def _nearest(self, query: ParsedQuery, k: int) -> list[int]:
        """Embed the query and scan the index: no database access, so it can run beside the keyword query."""
        index = self.index
        if len(index) == 0:
            return []
        vector = self.embedder.embed([query.text])[0]
        depth = FILTERED_VECTOR_POOL if query.filters.active else k
        return [paper_id for paper_id, _ in index.search(vector, depth)]

    def _semantic(self, session: Session, query: ParsedQuery, k: int, nearest: list[int] | None = None) -> list[int]:
        pool = self._nearest(query, k) if nearest is None else nearest
        return self._allowed(session, query, pool)[:k] if query.filters.active else pool[:k]

    def ranked_ids(self, session: Session, query: ParsedQuery, mode: Mode, depth: int) -> list[tuple[int, float]]:
        """(paper id, score) best first, exact id/title matches first, at most ``depth``."""
        return self._rank(session, query, mode, depth)[0]

    def _rank(
        self, session: Session, query: ParsedQuery, mode: Mode, depth: int
    ) -> tuple[list[tuple[int, float]], list[int]]:
        """The ranking and, separately, the exact matches pinned at its head."""
        depth = min(max(depth, 1), MAX_RESULTS)
        candidates = max(CANDIDATES, depth)
        ranked: list[tuple[int, float]]
        if mode is Mode.keyword:
            ranked = self.keyword.search(session, query, candidates)
        elif mode is Mode.semantic:
            ranked = [
                (paper_id, 1.0 / (RRF_K + rank))
                for rank, paper_id in enumerate(self._semantic(session, query, candidates), start=1)
            ]
        else:
            # The query embedding and vector scan (onnxruntime and numpy release the GIL) run on the other core
            # while the database answers the keyword query: hybrid costs about the slower of the two.
            nearest = self._pool.submit(self._nearest, query, candidates)
            keyword = [paper_id for paper_id, _ in self.keyword.search(session, query, candidates)]
            semantic = self._semantic(session, query, candidates, nearest.result())
            ranked = rrf([keyword, semantic], k=self.settings.search_rrf_k)
        pinned = self._allowed(session, query, self._pinned(session, query))
        top = float(ranked[0][1]) + 1.0 if ranked else 1.0
        head = [(paper_id, top) for paper_id in pinned]
        return (head + [(i, s) for i, s in ranked if i not in pinned])[:depth], pinned

    def search(
        self, session: Session, query: ParsedQuery, mode: Mode = Mode.hybrid, limit: int = 20, offset: int = 0
    ) -> tuple[list[Result], int]:
        """One page of results and how many the ranking holds (capped at MAX_RESULTS)."""
        ranked, pinned = self._rank(session, query, mode, max(offset + limit, CANDIDATES))
        return self.hydrate(session, ranked[offset : offset + limit], set(pinned)), len(ranked)

    def hydrate(
        self, session: Session, ranked: list[tuple[int, float]], pinned: set[int] | None = None
    ) -> list[Result]:
        pinned = pinned or set()
        if not ranked:
            return []
        # Core rows of the columns shown, not ORM papers: a result list reads no abstract twice and builds no
        # identity map (hydrating 8 similar papers as ORM objects was 11 % of a paper page, py-spy).
        query = select(*_RESULT_COLUMNS).where(Paper.id.in_([i for i, _ in ranked]))
        papers = {row.id: row for row in session.execute(query).all()}
        return [
            Result(
                arxiv_id=p.arxiv_id,
                title=p.title,
                abstract=p.abstract,
                author_names=p.author_names,
                published_at=p.published_at,
                categories=p.categories,
                upvotes=p.upvotes,
                github_repo=p.github_repo,
                score=score,
                pinned=paper_id in pinned,
            )
            for paper_id, score in ranked
            if (p := papers.get(paper_id)) is not None
        ]

    def similar(self, session: Session, paper: Paper, k: int = 8) -> list[Result]:
        """Nearest papers by embedding; papers without a vector yet fall back to keyword search on the title."""
        found = self.index.neighbours(paper.id, k) if len(self.index) else None
        if found is not None:
            ranked = found
        else:
            try:
                query = parse_query(paper.title)
            except InvalidQuery:
                return []
            ranked = [h for h in self.keyword.search(session, query, k + 1) if h[0] != paper.id][:k]
        return self.hydrate(session, ranked)


def forget_vectors(session: Session, paper_ids: Iterable[int]) -> None:
    """Drop the vectors of papers whose title or abstract changed (in the caller's transaction): they describe
    the old text, and a paper without a vector is back on the embedding job's list."""
    ids = sorted(set(paper_ids))
    # Chunked: each IN (...) list stays well under SQLite's and PostgreSQL's bound-parameter limits.
    for start in range(0, len(ids), 500):
        session.execute(delete(PaperVector).where(PaperVector.paper_id.in_(ids[start : start + 500])))
