"""Enrichment step 4 (only with ``DAILYPAPERS_LLM_URL`` and ``_MODEL``): AI summaries and keywords from an
OpenAI-compatible chat endpoint, for the papers people see first: those on the daily feed (newest days first)
and the ``TOP_OF_NEW`` most upvoted of the latest arXiv announcement. A paper that has a summary already
(Hugging Face's) is not summarised again.

At most ``DAILYPAPERS_LLM_DAILY_LIMIT`` papers a UTC day: the budget is counted from the state rows
(``llm_at``), so it holds across restarts and workers. The summary is stored with the model's name, and the
paper page says which model wrote it. An answer without a usable summary is recorded as tried (it counts
against the budget and is not asked again) and stores nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.enrich_state import enrichment_row
from dailypapers.ingest.models import PaperEnrichment
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.sources.http import RETRY_ATTEMPTS, SourceClient
from dailypapers.sources.llm import ChatSummarizer, GeneratedSummary, UnusableAnswer

TOP_OF_NEW = 20
# Feed days this far back still get summaries; older papers are read less and are not worth the budget.
FEED_DAYS = 7


def llm_enabled(settings: Settings) -> bool:
    return bool(settings.llm_url and settings.llm_model and settings.llm_daily_limit > 0)


def _used_today(db: Database, now: dt.datetime) -> int:
    start = dt.datetime.combine(now.astimezone(dt.UTC).date(), dt.time(), tzinfo=dt.UTC)
    with db.read() as session:
        return int(session.scalar(select(func.count()).where(PaperEnrichment.llm_at >= start)) or 0)


def _candidates(db: Database, now: dt.datetime, limit: int) -> list[tuple[int, str, str]]:
    not_done = [
        Paper.ai_summary.is_(None),
        or_(PaperEnrichment.paper_id.is_(None), PaperEnrichment.llm_at.is_(None)),
    ]
    with db.read() as session:
        feed = (
            select(Paper.id, Paper.title, Paper.abstract)
            .join(DailyEntry, DailyEntry.paper_id == Paper.id)
            .outerjoin(PaperEnrichment, PaperEnrichment.paper_id == Paper.id)
            .where(
                *not_done, DailyEntry.hidden_at.is_(None), DailyEntry.day >= now.date() - dt.timedelta(days=FEED_DAYS)
            )
            .order_by(DailyEntry.day.desc(), Paper.upvotes.desc(), Paper.id)
            .limit(limit)
        )
        chosen = list(session.execute(feed))
        day = session.scalar(select(func.max(Paper.announced_on)))  # the latest announcement
        if day is not None and len(chosen) < limit:
            top = (
                select(Paper.id)
                .where(Paper.announced_on == day)
                .order_by(Paper.upvotes.desc(), Paper.id)
                .limit(TOP_OF_NEW)
                .scalar_subquery()
            )
            new = (
                select(Paper.id, Paper.title, Paper.abstract)
                .outerjoin(PaperEnrichment, PaperEnrichment.paper_id == Paper.id)
                .where(*not_done, Paper.id.in_(top))
                .order_by(Paper.upvotes.desc(), Paper.id)
            )
            seen = {row[0] for row in chosen}
            chosen += [row for row in session.execute(new) if row[0] not in seen]
    return [(pid, title, abstract) for pid, title, abstract in chosen[:limit]]


def _store(db: Database, paper_id: int, made: GeneratedSummary | None, now: dt.datetime) -> None:
    with db.write() as session:
        paper = session.get(Paper, paper_id)
        if paper is None:
            return
        enrichment_row(session, paper_id).llm_at = now
        if made is not None and paper.ai_summary is None:  # Hugging Face may have filled it meanwhile
            paper.ai_summary, paper.ai_summary_model = made.summary, made.model
            if made.keywords and not paper.ai_keywords:
                paper.ai_keywords = list(made.keywords)


def summarize_papers(db: Database, settings: Settings, now: dt.datetime) -> str:
    if not llm_enabled(settings):
        return "AI summaries: no DAILYPAPERS_LLM_URL/_MODEL"
    budget = settings.llm_daily_limit - _used_today(db, now)
    if budget <= 0:
        return f"AI summaries: today's {settings.llm_daily_limit} used"
    due = _candidates(db, now, min(budget, settings.enrich_batch_size))
    made = unusable = 0
    with SourceClient(settings) as client:
        summarizer = ChatSummarizer(settings.llm_url, settings.llm_model, client, settings.llm_api_key)
        for index, (paper_id, title, abstract) in enumerate(due):
            client.attempts = 1 if index == 0 else RETRY_ATTEMPTS
            try:
                summary: GeneratedSummary | None = summarizer.summarize(title, abstract)
            except UnusableAnswer:
                summary, unusable = None, unusable + 1
            _store(db, paper_id, summary, now)
            made += summary is not None
    return f"AI summaries: {made} written by {settings.llm_model}" + (
        f", {unusable} unusable answers" if unusable else ""
    )
