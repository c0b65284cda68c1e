"""OAI-PMH harvests with checkpoints. Every page is one write transaction holding its records and the
checkpoint that says where to continue; so a crash at any instant loses at most the page in flight, and the
rerun fetches exactly that page again."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.db import Database, utcnow
from dailypapers.ingest.models import HarvestCheckpoint, HarvestStatus
from dailypapers.ingest.outcomes import ImportSummary
from dailypapers.ingest.upserts import upsert_papers
from dailypapers.papers.records import PaperRecord
from dailypapers.sources.arxiv_oai import HarvestParams, OaiHarvester, OaiPage, ResumptionTokenExpired
from dailypapers.sources.http import SourceError

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
                status=HarvestStatus.running.value,
                pages=0,
                records=0,
            )
            session.add(checkpoint)
            return None, 0, 0
        if checkpoint.status == HarvestStatus.done or checkpoint.resumption_token is None:
            # A finished harvest run again starts over (upserts make that harmless); so does one that never
            # got past its first page.
            checkpoint.status, checkpoint.resumption_token = HarvestStatus.running.value, None
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
                checkpoint.status = (HarvestStatus.running if page.token else HarvestStatus.done).value
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
