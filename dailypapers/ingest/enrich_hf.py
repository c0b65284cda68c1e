"""Enrichment step 2 (with the Hugging Face mirror on): Hugging Face's metadata for harvested papers.

A paper the mirror brings in already has it; a paper that came from the arXiv harvest is looked up on
``/api/papers/{id}`` once per ``REFRESH_INTERVAL`` while it is recent (its upvotes there keep moving for days;
after that nothing changes). What Hugging Face has fills what is empty here (AI summary, keywords, code link,
project page; nothing stored is replaced) and its upvote count becomes the source part of the paper's votes,
local votes kept, with the trending score recomputed in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.enrich_state import claimed, enrichment_row, is_recent
from dailypapers.ingest.mirror import mirror_client
from dailypapers.ingest.models import PaperEnrichment
from dailypapers.papers.models import DailyEntry, Origin, Paper
from dailypapers.ranking.score import rescore
from dailypapers.sources.hf_papers import HfPaperMeta, HuggingFacePapers
from dailypapers.sources.http import RETRY_ATTEMPTS

REFRESH_INTERVAL = dt.timedelta(days=1)


def hf_due(now: dt.datetime, recent_days: int) -> list[ColumnElement[bool]]:
    mirrored = select(DailyEntry.id).where(DailyEntry.paper_id == Paper.id, DailyEntry.origin == Origin.hf.value)
    return [
        Paper.announced_on.is_not(None),  # harvested from arXiv
        ~mirrored.exists(),  # the mirror keeps those up to date itself
        is_recent(now, recent_days),
        or_(PaperEnrichment.hf_checked_at.is_(None), PaperEnrichment.hf_checked_at < now - REFRESH_INTERVAL),
    ]


def _store(session: Session, paper_id: int, meta: HfPaperMeta | None, now: dt.datetime) -> None:
    paper = session.get(Paper, paper_id)
    if paper is None:
        return
    row = enrichment_row(session, paper_id)
    row.hf_checked_at, row.hf_status = now, "found" if meta is not None else "absent"
    if meta is None:
        return
    if paper.ai_summary is None and meta.ai_summary:
        paper.ai_summary, paper.ai_summary_model = meta.ai_summary, None
    if paper.ai_keywords is None and meta.ai_keywords:
        paper.ai_keywords = list(meta.ai_keywords)
    if paper.github_repo is None and meta.github_repo:
        paper.github_repo = meta.github_repo
    if paper.project_page is None and meta.project_page:
        paper.project_page = meta.project_page
    if meta.upvotes is not None and meta.upvotes != paper.source_upvotes:
        # Only Hugging Face's part of the total changes; SQL expressions, so a vote landing meanwhile stays.
        paper.upvotes = Paper.upvotes - Paper.source_upvotes + meta.upvotes
        paper.source_upvotes = meta.upvotes
        rescore(session, [paper_id])


def refresh_hf(db: Database, settings: Settings, now: dt.datetime) -> str:
    if not settings.hf_mirror:
        return "Hugging Face: mirror off"
    due_now = hf_due(now, settings.enrich_recent_days)
    order = (PaperEnrichment.hf_checked_at.is_(None).desc(), PaperEnrichment.hf_checked_at, Paper.id.desc())
    candidates = (
        select(Paper.id)
        .outerjoin(PaperEnrichment, PaperEnrichment.paper_id == Paper.id)
        .where(*due_now)
        .order_by(*order)
    )
    found = 0
    with claimed(db, settings, "hf", candidates, settings.enrich_batch_size) as holding:
        with db.read() as session:  # a fresh look: another worker may have stored some just before our claim
            query = (
                select(Paper.id, Paper.arxiv_id)
                .outerjoin(PaperEnrichment, PaperEnrichment.paper_id == Paper.id)
                .where(Paper.id.in_(holding.ids), *due_now)
                .order_by(*order)
            )
            due = list(session.execute(query))
        with mirror_client(settings) as client:  # the mirror's politeness: one request per DAILYPAPERS_HF_DELAY_SECONDS
            hf = HuggingFacePapers(settings.hf_url, client)
            for index, (paper_id, arxiv_id) in enumerate(due):
                holding.keep()
                client.attempts = 1 if index == 0 else RETRY_ATTEMPTS
                meta = hf.fetch(arxiv_id)
                with db.write() as session:
                    _store(session, paper_id, meta, now)
                    holding.done(session, [paper_id])
                found += meta is not None
    return f"Hugging Face metadata of {len(due)} papers ({found} on Hugging Face)"
