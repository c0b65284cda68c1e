"""Ingestion use cases. Every page of a source is one write transaction holding its records and, for OAI-PMH,
the checkpoint that says where to continue; so a crash at any instant loses at most the page in flight, and
the rerun fetches exactly that page again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.db import Database, utcnow
from dailypapers.papers.ids import normalize_arxiv_id
from dailypapers.papers.importing import import_daily_items
from dailypapers.papers.records import PaperRecord
from dailypapers.papers.services import ImportSummary, upsert_papers
from dailypapers.sources.arxiv_api import ArxivApiSource
from dailypapers.sources.arxiv_oai import HarvestParams, OaiHarvester, OaiPage, ResumptionTokenExpired
from dailypapers.sources.http import SourceError
from dailypapers.sources.huggingface import HuggingFaceDaily
from dailypapers.sources.models import HarvestCheckpoint

PageCallback = Callable[[OaiPage, "HarvestProgress"], None]


@dataclass
class HarvestProgress:
    pages: int
    records: int
    complete_list_size: int | None
    resumed: bool


def keep_categories(records: Iterable[PaperRecord], categories: Sequence[str]) -> list[PaperRecord]:
    """Records in any of ``categories`` (all records when none are given)."""
    wanted = set(categories)
    if not wanted:
        return list(records)
    return [r for r in records if wanted.intersection(r.categories or ())]


def _checkpoint(session: Session, key: str) -> HarvestCheckpoint | None:
    return session.scalar(select(HarvestCheckpoint).where(HarvestCheckpoint.key == key))


def _start(db: Database, params: HarvestParams) -> tuple[str | None, int, int]:
    """Open (or resume) the checkpoint of ``params``; returns (token to resume from, pages done, records done)."""
    with db.write() as session:
        checkpoint = _checkpoint(session, params.key)
        if checkpoint is None:
            checkpoint = HarvestCheckpoint(
                key=params.key,
                params={
                    "format": params.fmt.value,
                    "from": params.from_date.isoformat() if params.from_date else None,
                    "until": params.until_date.isoformat() if params.until_date else None,
                    "set": params.set_spec,
                },
                status="running",
                pages=0,
                records=0,
            )
            session.add(checkpoint)
            return None, 0, 0
        if checkpoint.status == "done" or checkpoint.resumption_token is None:
            # A finished harvest run again starts over (upserts make that harmless); so does one that never
            # got past its first page.
            checkpoint.status, checkpoint.resumption_token = "running", None
            checkpoint.pages, checkpoint.records, checkpoint.last_error = 0, 0, None
            checkpoint.started_at = utcnow()
            return None, 0, 0
        return checkpoint.resumption_token, checkpoint.pages, checkpoint.records


def _record_error(db: Database, key: str, message: str) -> None:
    with db.write() as session:
        checkpoint = _checkpoint(session, key)
        if checkpoint is not None:
            checkpoint.last_error = message[:2000]


def harvest_oai(
    db: Database,
    harvester: OaiHarvester,
    params: HarvestParams,
    *,
    categories: Sequence[str] = (),
    on_page: PageCallback | None = None,
) -> ImportSummary:
    """Harvest ``params`` to the end, resuming from its checkpoint when an earlier run was interrupted."""
    token, pages, records = _start(db, params)
    resumed = token is not None
    summary = ImportSummary()
    try:
        for page in harvester.pages(params, token):
            kept = keep_categories(page.records, categories)
            with db.write() as session:
                outcomes = upsert_papers(session, kept)
                checkpoint = _checkpoint(session, params.key)
                if checkpoint is None:  # pragma: no cover - created by _start, never deleted
                    raise RuntimeError(f"checkpoint {params.key!r} vanished")
                checkpoint.resumption_token = page.token
                checkpoint.pages += 1
                checkpoint.records += len(kept)
                checkpoint.status = "running" if page.token else "done"
                checkpoint.last_error = None
                pages, records = checkpoint.pages, checkpoint.records
            summary.count(outcomes.values())
            for failure in page.failed:
                summary.fail(failure)
            if on_page is not None:
                on_page(page, HarvestProgress(pages, records, page.complete_list_size, resumed))
    except ResumptionTokenExpired as exc:
        if not resumed:
            _record_error(db, params.key, str(exc))
            raise
        # Our saved token outlived the server's memory of it: start over from the beginning of the window.
        with db.write() as session:
            checkpoint = _checkpoint(session, params.key)
            if checkpoint is not None:
                checkpoint.resumption_token, checkpoint.last_error = None, f"restarted: {exc}"
        summary.errors.append(f"the saved resumption token had expired; restarted from the start ({exc})")
        summary.merge(harvest_oai(db, harvester, params, categories=categories, on_page=on_page))
    except SourceError as exc:
        _record_error(db, params.key, str(exc))
        raise
    return summary


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


def sync_hf_days(
    db: Database,
    hf: HuggingFaceDaily,
    days: Iterable[dt.date],
    on_day: Callable[[dt.date, int], None] | None = None,
) -> ImportSummary:
    """Fetch each day's Hugging Face listing and store it exactly as the file import does."""
    summary = ImportSummary()
    for day in days:
        items = hf.fetch_day(day)
        if items:
            summary.count(import_daily_items(db, items))
        if on_day is not None:
            on_day(day, len(items))
    return summary


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    if last < first:
        raise ValueError(f"--until {last} is before --from {first}")
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
