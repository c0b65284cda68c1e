"""Storing papers fetched from the arXiv API, by id or by category and date window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from dailypapers.db import Database
from dailypapers.ingest.outcomes import ImportSummary
from dailypapers.ingest.upserts import upsert_papers
from dailypapers.papers.ids import normalize_arxiv_id
from dailypapers.sources.arxiv_api import ArxivApiSource


def ingest_ids(db: Database, source: ArxivApiSource, arxiv_ids: Sequence[str]) -> tuple[ImportSummary, list[str]]:
    """Fetch and store papers by id; returns the summary and the ids the source did not know."""
    records = source.fetch(arxiv_ids)
    summary = ImportSummary()
    with db.write() as session:
        summary.count(upsert_papers(session, records).values())
    found = {r.arxiv_id for r in records}
    missing = [i for i in arxiv_ids if normalize_arxiv_id(i) not in found]
    for arxiv_id in missing:
        summary.fail(f"{arxiv_id}: arXiv has no paper with this id", records=1)
    return summary, missing


def ingest_search(
    db: Database, source: ArxivApiSource, category: str, from_date: dt.date, until_date: dt.date
) -> ImportSummary:
    """Store the papers of ``category`` submitted in the window, one API page per transaction."""
    summary = ImportSummary()
    for records in source.search(category, from_date, until_date):
        with db.write() as session:
            summary.count(upsert_papers(session, records).values())
    return summary
