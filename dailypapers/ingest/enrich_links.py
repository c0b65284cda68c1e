"""Enrichment step 1: code and project links from each paper's own text (no network).

Reads abstract, comments and journal ref once per paper version (a new version is read again), keeps every
code link found in the paper's state row, and fills ``github_repo`` and ``project_page`` only where no source
has set them: Hugging Face's links (chosen by the authors) are never replaced by ours.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, or_, select

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.enrich_state import claimed, enrichment_row
from dailypapers.ingest.models import PaperEnrichment
from dailypapers.jobs.claims import Holding
from dailypapers.papers.models import Paper
from dailypapers.sources.links import extract_links

# Reading links needs no network (~5,000 papers/s here): bigger batches than the network steps, in short
# transactions (500 papers by default), so a large import is read within a few runs.
LINKS_BATCH_FACTOR = 5
LINKS_BATCHES_PER_RUN = 20


def links_backlog_filter() -> list[ColumnElement[bool]]:
    return [or_(PaperEnrichment.paper_id.is_(None), PaperEnrichment.links_version.is_distinct_from(Paper.version))]


def read_links(db: Database, settings: Settings, now: dt.datetime) -> str:
    """Read the links of the papers not read yet, newest first, ``LINKS_BATCH_FACTOR * batch_size`` per
    transaction (no network: thousands a second) and at most ``LINKS_BATCHES_PER_RUN`` batches a run; each batch
    claimed first, so that workers read disjoint papers."""
    limit = settings.enrich_batch_size * LINKS_BATCH_FACTOR
    candidates = (
        select(Paper.id)
        .outerjoin(PaperEnrichment, PaperEnrichment.paper_id == Paper.id)
        .where(*links_backlog_filter())
        .order_by(Paper.id.desc())
    )
    read = found = 0
    for _ in range(LINKS_BATCHES_PER_RUN):
        with claimed(db, settings, "links", candidates, limit) as holding:
            if not holding.ids:
                break
            batch, with_links = _read_batch(db, now, holding)
        read, found = read + batch, found + with_links
    return f"links read for {read} papers ({found} with links)"


def _read_batch(db: Database, now: dt.datetime, holding: Holding) -> tuple[int, int]:
    with db.write() as session:
        query = (
            select(Paper)
            .outerjoin(PaperEnrichment, PaperEnrichment.paper_id == Paper.id)
            .where(Paper.id.in_(holding.ids), *links_backlog_filter())  # still unread: a fresh look
            .order_by(Paper.id.desc())
        )
        papers = list(session.scalars(query))
        found = 0
        for paper in papers:
            links = extract_links([paper.abstract, paper.comment, paper.journal_ref])
            row = enrichment_row(session, paper.id)
            row.links_version, row.links_at = paper.version, now
            row.code_links = [link.url for link in links.code] or None
            found += bool(links.code or links.project_pages)
            if paper.github_repo is None and links.github_repo is not None:
                paper.github_repo = links.github_repo
            if paper.project_page is None and links.project_page is not None:
                paper.project_page = links.project_page
        holding.done(session, list(holding.ids))
    return len(papers), found
