"""What the enrichment steps share: the per-paper state row, the job's own state (GitHub's rate-limit window),
which papers count as recent, and the claims that spread each step over workers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from dailypapers.config import Settings
from dailypapers.db import Database, insert_ignoring_conflicts
from dailypapers.ingest.models import HarvestCheckpoint, HarvestStatus, PaperEnrichment
from dailypapers.jobs import claims
from dailypapers.papers.models import Paper

STATE_KEY = "schedule enrich"


def enrichment_row(session: Session, paper_id: int) -> PaperEnrichment:
    """The paper's state row, created when missing, in the caller's transaction. Workers running other steps may
    create the same paper's row at the same moment: ``ON CONFLICT DO NOTHING`` (on PostgreSQL it waits for the
    other insert's commit) and then reading it never fails on the primary key."""
    row = session.get(PaperEnrichment, paper_id)
    if row is None:
        session.execute(insert_ignoring_conflicts(session, PaperEnrichment, ["paper_id"]), [{"paper_id": paper_id}])
        row = session.get(PaperEnrichment, paper_id)
        assert row is not None  # inserted now, or by another worker whose commit we waited for
    return row


def claim_kind(step: str) -> str:
    return f"enrich:{step}"


@contextmanager
def claimed(
    db: Database, settings: Settings, step: str, candidates: Select[int], size: int
) -> Iterator[claims.Holding]:
    """Up to ``size`` papers of ``candidates`` (a select of ``Paper.id``) claimed for one step, so that other
    workers take other papers (``jobs.claims``); what is not done when the block ends is given back. Claims of a
    worker that died on this machine are dropped first, so a rerun after a kill finishes its batch at once."""
    kind = claim_kind(step)
    claims.clear_stale(db, kind)
    ids = claims.claim(db, kind, candidates, Paper.id, size, settings.work_lease_seconds)
    holding = claims.Holding(db, kind, ids, settings.work_lease_seconds)
    try:
        yield holding
    finally:
        holding.drop()


def first_seen() -> ColumnElement[Any]:
    """When a paper appeared: its first version, or when we stored it."""
    return func.coalesce(Paper.published_at, Paper.created_at)


def is_recent(now: dt.datetime, recent_days: int) -> ColumnElement[bool]:
    return first_seen() >= now - dt.timedelta(days=recent_days)


def load_state(db: Database) -> dict[str, Any]:
    with db.read() as session:
        state = session.scalar(select(HarvestCheckpoint).where(HarvestCheckpoint.key == STATE_KEY))
        return dict(state.params) if state is not None else {}


def save_state(db: Database, **values: Any) -> None:
    """Merge ``values`` into the job's state row (None removes a key)."""
    with db.write() as session:
        state = session.scalar(select(HarvestCheckpoint).where(HarvestCheckpoint.key == STATE_KEY))
        if state is None:
            state = HarvestCheckpoint(key=STATE_KEY, status=HarvestStatus.done.value, pages=0, records=0, params={})
            session.add(state)
        params = {**state.params, **values}
        # A new dict, so the JSON column sees the change.
        state.params = {k: v for k, v in params.items() if v is not None}
