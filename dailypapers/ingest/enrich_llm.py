"""Enrichment step 4 (only with ``DAILYPAPERS_LLM_URL`` and ``_MODEL``): AI summaries and keywords from an
OpenAI-compatible chat endpoint, for the papers people see first: those on the daily feed (newest days first)
and the ``TOP_OF_NEW`` most upvoted of the latest arXiv announcement. A paper that has a summary already
(Hugging Face's) is not summarised again.

At most ``DAILYPAPERS_LLM_DAILY_LIMIT`` papers a UTC day: the budget is counted from the state rows
(``llm_at``), so it holds across restarts, and each summary is reserved (its ``llm_at`` marked) before it is asked
for, in a transaction that workers take one at a time, so it holds across workers too. A worker killed while
asking leaves that paper marked: it counts against the budget (it was asked for) and is not asked again.
The summary is stored with the model's name, and the paper page says which model wrote it. An answer without a
usable summary is recorded as tried (it counts against the budget and is not asked again) and stores nothing.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from dailypapers.config import Settings
from dailypapers.db import Database, utcnow
from dailypapers.ingest.enrich_state import claim_kind, enrichment_row
from dailypapers.ingest.models import PaperEnrichment
from dailypapers.jobs import claims
from dailypapers.jobs.locks import serialized
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.sources.http import RETRY_ATTEMPTS, SourceClient
from dailypapers.sources.llm import ChatSummarizer, GeneratedSummary, UnusableAnswer

TOP_OF_NEW = 20
# Feed days this far back still get summaries; older papers are read less and are not worth the budget.
FEED_DAYS = 7


def llm_enabled(settings: Settings) -> bool:
    return bool(settings.llm_url and settings.llm_model and settings.llm_daily_limit > 0)


def _day_start(now: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(now.astimezone(dt.UTC).date(), dt.time(), tzinfo=dt.UTC)


def _used_today(session: Session, now: dt.datetime) -> int:
    return int(session.scalar(select(func.count()).where(PaperEnrichment.llm_at >= _day_start(now))) or 0)


def _not_done() -> list[ColumnElement[bool]]:
    return [Paper.ai_summary.is_(None), or_(PaperEnrichment.paper_id.is_(None), PaperEnrichment.llm_at.is_(None))]


def _candidates(db: Database, now: dt.datetime, limit: int) -> list[tuple[int, str, str]]:
    not_done = [*_not_done(), claims.unclaimed(claim_kind("llm"), Paper.id, utcnow())]  # others' claims: theirs
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


class Reserved(StrEnum):
    yes = "yes"
    done = "done"  # summarised meanwhile (by Hugging Face, or a worker whose claim had expired)
    spent = "spent"  # today's budget is used up


def _reserve(db: Database, paper_id: int, now: dt.datetime, limit: int) -> Reserved:
    """Take one summary of today's budget for the paper, before asking: its state row's ``llm_at`` is the
    reservation, counted with the others'. Transactions that reserve run one at a time (``serialized``), so the
    count and the mark are one step for all workers together: the budget is the budget, however many run."""
    with db.write() as session:
        serialized(session, "enrich:llm-budget")
        if _used_today(session, now) >= limit:
            return Reserved.spent
        still = select(Paper.id).outerjoin(PaperEnrichment, PaperEnrichment.paper_id == Paper.id)
        if session.scalar(still.where(Paper.id == paper_id, *_not_done())) is None:
            return Reserved.done
        enrichment_row(session, paper_id).llm_at = now
        return Reserved.yes


def _store(session: Session, paper_id: int, made: GeneratedSummary | None) -> None:
    paper = session.get(Paper, paper_id)
    if made is not None and paper is not None and paper.ai_summary is None:  # Hugging Face may have filled it
        paper.ai_summary, paper.ai_summary_model = made.summary, made.model
        if made.keywords and not paper.ai_keywords:
            paper.ai_keywords = list(made.keywords)


def summarize_papers(db: Database, settings: Settings, now: dt.datetime) -> str:
    if not llm_enabled(settings):
        return "AI summaries: no DAILYPAPERS_LLM_URL/_MODEL"
    spent = f"AI summaries: today's {settings.llm_daily_limit} used"
    with db.read() as session:
        budget = settings.llm_daily_limit - _used_today(session, now)
    if budget <= 0:
        return spent
    kind = claim_kind("llm")
    claims.clear_stale(db, kind)
    chosen = _candidates(db, now, min(budget, settings.enrich_batch_size))
    got = set(claims.claim_ids(db, kind, [pid for pid, _, _ in chosen], settings.work_lease_seconds))
    holding = claims.Holding(db, kind, sorted(got), settings.work_lease_seconds)
    made = unusable = 0
    try:
        with SourceClient(settings) as client:
            summarizer = ChatSummarizer(settings.llm_url, settings.llm_model, client, settings.llm_api_key)
            for index, (paper_id, title, abstract) in enumerate(p for p in chosen if p[0] in got):
                holding.keep()
                reserved = _reserve(db, paper_id, now, settings.llm_daily_limit)
                if reserved is Reserved.spent:
                    break
                if reserved is Reserved.done:
                    continue
                client.attempts = 1 if index == 0 else RETRY_ATTEMPTS
                try:
                    summary: GeneratedSummary | None = summarizer.summarize(title, abstract)
                except UnusableAnswer:
                    summary, unusable = None, unusable + 1
                with db.write() as session:
                    _store(session, paper_id, summary)
                    holding.done(session, [paper_id])
                made += summary is not None
    finally:
        holding.drop()
    return f"AI summaries: {made} written by {settings.llm_model}" + (
        f", {unusable} unusable answers" if unusable else ""
    )
