"""What the enrichment steps share: the per-paper state row, the job's own state (GitHub's rate-limit window),
and which papers count as recent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from dailypapers.db import Database
from dailypapers.ingest.models import HarvestCheckpoint, HarvestStatus, PaperEnrichment
from dailypapers.papers.models import Paper

STATE_KEY = "schedule enrich"


def enrichment_row(session: Session, paper_id: int) -> PaperEnrichment:
    """The paper's state row, created when missing (in the caller's transaction; the job is a singleton, so no
    other writer creates it meanwhile)."""
    row = session.get(PaperEnrichment, paper_id)
    if row is None:
        row = PaperEnrichment(paper_id=paper_id)
        session.add(row)
    return row


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
