"""The enrichment job (``enrich``): code links, GitHub stars, Hugging Face metadata and optional AI summaries.

Every step derives its work from the per-paper state rows (``paper_enrichments``) and the clock, claims at most
``DAILYPAPERS_ENRICH_BATCH_SIZE`` papers a run (``jobs.claims``: any number of workers run the job at once, each
on its own papers, and one repository is read by one worker at a time, its answer stored for every paper that
links it), and commits each result with the state that says it is done and the end of its claim, so reruns do
nothing twice and a killed worker loses only the request in flight (its claims go at once when it ran on this
machine, else after DAILYPAPERS_WORK_LEASE_SECONDS). It never runs per request.

1. links   (ingest/enrich_links.py)  from abstract, comments and journal ref; no network
2. hf      (ingest/enrich_hf.py)     Hugging Face's metadata of harvested papers, with the mirror on
3. stars   (ingest/enrich_github.py) GitHub stars, within the rate limit
4. summary (ingest/enrich_llm.py)    AI summaries, only with an endpoint configured, within a daily budget

A source that fails (offline, down) ends its own step; the other steps still run, and the run reports one line
that names what failed (the scheduler logs it without a traceback).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import func, select

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.enrich_github import refresh_stars
from dailypapers.ingest.enrich_hf import refresh_hf
from dailypapers.ingest.enrich_links import links_backlog_filter, read_links
from dailypapers.ingest.enrich_llm import summarize_papers
from dailypapers.ingest.models import PaperEnrichment
from dailypapers.jobs.scheduler import Job, JobContext
from dailypapers.papers.models import Paper
from dailypapers.sources.http import SourceError

CHECK_INTERVAL_SECONDS = 15 * 60
_NETWORK_STEPS: tuple[tuple[str, Callable[[Database, Settings, dt.datetime], str]], ...] = (
    ("Hugging Face", refresh_hf),
    ("GitHub", refresh_stars),
    ("AI summaries", summarize_papers),
)


def run_enrich(ctx: JobContext, now: dt.datetime | None = None) -> str:
    now = now or ctx.clock()
    reports = [read_links(ctx.db, ctx.settings, now)]
    failures = []
    for name, step in _NETWORK_STEPS:
        try:
            reports.append(step(ctx.db, ctx.settings, now))
        except SourceError as exc:
            failures.append(f"{name} failed: {exc}")
    if failures:
        raise SourceError("; ".join(reports + failures))
    return "; ".join(reports)


def unenriched_papers(db: Database, _settings: Settings) -> int:
    """Papers whose text has not been read for links yet (new papers, new versions): the job's backlog."""
    with db.read() as session:
        query = (
            select(func.count())
            .select_from(Paper)
            .outerjoin(PaperEnrichment, PaperEnrichment.paper_id == Paper.id)
            .where(*links_backlog_filter())
        )
        return int(session.scalar(query) or 0)


# Not a singleton job: every worker enriches, each the papers it claimed.
JOBS = [
    Job(
        "enrich",
        CHECK_INTERVAL_SECONDS,
        run_enrich,
        singleton=False,
        expected_failures=(SourceError,),
        backlog=unenriched_papers,
    )
]
