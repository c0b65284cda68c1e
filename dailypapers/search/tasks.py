"""The embedding job: papers without a vector for the current model get one, in batches, in the background.

State-derived: "papers with no vector for this model" is the to-do list, so a crash loses at most the batch in
flight and a model change (a new ``model_id``) re-embeds everything. Vectors of a paper whose title or abstract
changes are deleted in the same transaction (``services.forget_vectors``, called by ingest), which puts it back
on the list. Workers share the list through claimed batches (``jobs.claims``), so more workers embed faster.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, and_, func, select

from dailypapers.db import Database, insert_ignoring_conflicts, utcnow
from dailypapers.jobs import claims
from dailypapers.jobs.scheduler import Job, JobContext
from dailypapers.papers.models import Paper
from dailypapers.search.embedder import Embedder, get_embedder, paper_text
from dailypapers.search.models import PaperVector
from dailypapers.search.vectors.format import to_blob
from dailypapers.search.vectors.pgvector import PgVectorIndex, has_pgvector

BATCH = 64
# One scheduler run embeds at most this many papers (~2 min on 2 cores), then yields to other jobs.
MAX_PER_RUN = 5000
CHECK_INTERVAL_SECONDS = 60
# A claimed batch's lease when the caller gives none (DAILYPAPERS_WORK_LEASE_SECONDS for the job).
DEFAULT_LEASE_SECONDS = 300.0


def _missing(model_id: str):  # type: ignore[no-untyped-def]
    return (
        select(Paper.id, Paper.title, Paper.abstract)
        .outerjoin(PaperVector, and_(PaperVector.paper_id == Paper.id, PaperVector.model == model_id))
        .where(PaperVector.paper_id.is_(None))
    )


def _without_vector(model_id: str) -> ColumnElement[bool]:
    has_vector = select(PaperVector.paper_id).where(PaperVector.paper_id == Paper.id, PaperVector.model == model_id)
    return ~has_vector.exists()


def claim_kind(model_id: str) -> str:
    return f"embed:{model_id}"


def pending_count(db: Database, model_id: str) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(_missing(model_id).subquery())) or 0


def embed_pending(
    db: Database,
    embedder: Embedder,
    *,
    limit: int | None = None,
    batch: int = BATCH,
    on_batch: Callable[[int], None] | None = None,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> int:
    """Embed up to ``limit`` papers that lack a vector; returns how many were embedded.

    Any number of processes may run this at once: each claims its own batches (``jobs.claims``), so none
    embeds a paper another is embedding, and a dead worker's batch is taken over once its lease expires."""
    kind = claim_kind(embedder.model_id)
    candidates = select(Paper.id).where(_without_vector(embedder.model_id)).order_by(Paper.id)
    done = 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        ids = claims.claim(db, kind, candidates, Paper.id, size, lease_seconds)
        if not ids:
            break
        # Re-read under a fresh snapshot: a worker may have stored some of these just before we claimed them.
        with db.read() as session:
            rows = session.execute(
                select(Paper.id, Paper.title, Paper.abstract)
                .where(Paper.id.in_(ids), _without_vector(embedder.model_id))
                .order_by(Paper.id)
            ).all()
        vectors = embedder.embed([paper_text(title, abstract) for _, title, abstract in rows]) if rows else ()
        now = utcnow()
        with db.write() as session:
            # Papers deleted meanwhile are skipped by the foreign key check below.
            existing = set(session.scalars(select(Paper.id).where(Paper.id.in_([r[0] for r in rows]))).all())
            values = [
                {
                    "paper_id": paper_id,
                    "model": embedder.model_id,
                    "dim": embedder.dim,
                    "vector": to_blob(vector),
                    "created_at": now,
                }
                for (paper_id, _, _), vector in zip(rows, vectors, strict=True)
                if paper_id in existing
            ]
            if values:
                # Ignoring a conflict only matters when this worker outlived its lease and another stored the
                # same paper meanwhile: keep the first vector, fail nothing.
                session.execute(insert_ignoring_conflicts(session, PaperVector, ["paper_id", "model"]), values)
            claims.release(session, kind, ids)
        done += len(rows)
        if on_batch is not None:
            on_batch(len(rows))
    if done and has_pgvector(db):
        PgVectorIndex(db, embedder.model_id, embedder.dim).sync()
    return done


def run_embed(ctx: JobContext) -> str:
    embedder = get_embedder(ctx.settings)
    count = embed_pending(
        ctx.db,
        embedder,
        limit=MAX_PER_RUN,
        on_batch=lambda _n: ctx.renew(),
        lease_seconds=ctx.settings.work_lease_seconds,
    )
    left = pending_count(ctx.db, embedder.model_id)
    return f"embedded {count} papers with {embedder.model_id}; {left} left"


# Not a singleton: every worker embeds, each its own claimed batches (two workers, twice the speed).
JOBS = [Job("embed", CHECK_INTERVAL_SECONDS, run_embed, singleton=False)]
