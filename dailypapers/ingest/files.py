"""Import use cases: each file (HF day) or batch (arXiv snapshot lines) is one write transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from dailypapers.db import Database
from dailypapers.ingest.outcomes import ImportSummary, Outcome, merge_outcomes
from dailypapers.ingest.upserts import current_entry_days, upsert_daily_entries, upsert_papers
from dailypapers.papers.models import Paper
from dailypapers.papers.records import PaperRecord
from dailypapers.sources.huggingface import DailyItem


def import_daily_items(db: Database, items: Sequence[DailyItem]) -> list[Outcome]:
    """Store one day's items (papers and their feed entries) atomically; one outcome per paper.

    An item is a snapshot taken on its feed day. A paper already listed on a later day has a newer snapshot
    (more upvotes, a code link added since), so an older day's item leaves it unchanged: importing day files
    in any order, any number of times, ends in the same state.
    """
    with db.write() as session:
        days = current_entry_days(session, (item.paper.arxiv_id for item in items))
        fresh = [item for item in items if item.entry.day >= days.get(item.paper.arxiv_id, item.entry.day)]
        stale = {item.paper.arxiv_id: Outcome.unchanged for item in items if item not in fresh}
        papers = upsert_papers(session, [item.paper for item in fresh])
        entries = upsert_daily_entries(session, [item.entry for item in fresh])
    return merge_outcomes(stale, papers, entries)


def import_paper_batch(db: Database, records: Sequence[tuple[str, PaperRecord]], summary: ImportSummary) -> None:
    """Store a batch of ``(where, record)``; if the batch fails, retry record by record to isolate the bad one."""
    try:
        with db.write() as session:
            outcomes = upsert_papers(session, [record for _, record in records])
        summary.count(outcomes.values())
        return
    except SQLAlchemyError:
        if len(records) == 1:
            where, record = records[0]
            summary.fail(f"{where}: {record.arxiv_id} could not be stored")
            return
    for one in records:
        import_paper_batch(db, [one], summary)


def count_papers(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Paper)) or 0
