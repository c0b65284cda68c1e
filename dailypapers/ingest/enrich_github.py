"""Enrichment step 3: GitHub stars of each linked repository, refreshed daily while the paper is recent and
weekly after, within GitHub's rate limit.

Each answer is stored in its own transaction together with the paper's new trending score (ranking owns the
formula), so a worker killed mid-run loses at most the request in flight. A rate-limited answer (or the one that
used the window's last request) stores the window's reset time in the job's state; until then the step asks
nothing. A renamed repository (GitHub's 301, followed) gets its new address; a deleted one (404) keeps the link
the paper gives but loses its star count, and is asked again on the same schedule (it may come back).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, or_, select

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.enrich_state import enrichment_row, is_recent, load_state, save_state
from dailypapers.ingest.models import PaperEnrichment
from dailypapers.papers.models import Paper
from dailypapers.ranking.score import rescore
from dailypapers.sources.github import GitHubRepos, RepoAnswer, RepoStatus, repo_path
from dailypapers.sources.http import RETRY_ATTEMPTS, SourceClient

RECENT_INTERVAL = dt.timedelta(days=1)
OLDER_INTERVAL = dt.timedelta(days=7)
RESUME_KEY = "github_resume_at"


def stars_due(now: dt.datetime, recent_days: int) -> list[ColumnElement[bool]]:
    checked = PaperEnrichment.github_checked_at
    return [
        Paper.github_repo.is_not(None),
        or_(
            checked.is_(None),
            PaperEnrichment.github_repo.is_distinct_from(Paper.github_repo),
            and_(is_recent(now, recent_days), checked < now - RECENT_INTERVAL),
            checked < now - OLDER_INTERVAL,
        ),
    ]


def _due(db: Database, now: dt.datetime, settings: Settings) -> list[tuple[int, str, str | None, str | None]]:
    with db.read() as session:
        query = (
            select(Paper.id, Paper.github_repo, PaperEnrichment.github_repo, PaperEnrichment.github_etag)
            .outerjoin(PaperEnrichment, PaperEnrichment.paper_id == Paper.id)
            .where(*stars_due(now, settings.enrich_recent_days))
            # Never read first, then the longest unread; newest papers first among equals.
            .order_by(
                PaperEnrichment.github_checked_at.is_(None).desc(), PaperEnrichment.github_checked_at, Paper.id.desc()
            )
            .limit(settings.enrich_batch_size)
        )
        # github_repo IS NOT NULL in the query: the repository is a str.
        return [(pid, repo or "", etag_repo, etag) for pid, repo, etag_repo, etag in session.execute(query)]


def _store(db: Database, paper_id: int, repo: str, answer: RepoAnswer, now: dt.datetime) -> None:
    with db.write() as session:
        paper = session.get(Paper, paper_id)
        if paper is None or paper.github_repo != repo:  # deleted, or relinked meanwhile: the next run sees it
            return
        row = enrichment_row(session, paper_id)
        row.github_checked_at = now
        if answer.status is RepoStatus.gone:
            paper.github_stars, paper.github_stars_at = None, None
            row.github_status, row.github_etag = "gone", None
        else:
            if answer.status is RepoStatus.ok:
                paper.github_stars, row.github_etag = answer.stars, answer.etag
                if answer.url and answer.url != paper.github_repo:
                    # Renamed or transferred (301), or only spelled in another case: GitHub's name is canonical.
                    paper.github_repo = answer.url
                row.github_status = "moved" if answer.moved else "ok"
            # Unchanged (304) is a fresh reading too: star velocity is stars over the time to this reading.
            paper.github_stars_at = now
        row.github_repo = paper.github_repo
        rescore(session, [paper_id])


def refresh_stars(db: Database, settings: Settings, now: dt.datetime) -> str:
    resume_text = load_state(db).get(RESUME_KEY)
    resume_at = dt.datetime.fromisoformat(resume_text) if resume_text else None
    if resume_at is not None and now < resume_at:
        return f"GitHub rate limit: resuming after {resume_at:%Y-%m-%d %H:%M:%S} UTC"
    due = _due(db, now, settings)
    if not due:
        return "stars up to date"
    counts = {status: 0 for status in RepoStatus}
    stopped = ""
    with SourceClient(settings, min_interval_seconds=settings.github_delay_seconds) as client:
        github = GitHubRepos(settings.github_api_url, client, settings.github_token)
        for index, (paper_id, repo, etag_repo, etag) in enumerate(due):
            path = repo_path(repo)
            if path is None:  # a link that is not a GitHub repository (set by hand): nothing to count
                answer = RepoAnswer(RepoStatus.gone)
            else:
                # One attempt for the first request: offline, that is one line in the log, not a retry each.
                client.attempts = 1 if index == 0 else RETRY_ATTEMPTS
                answer = github.fetch(path, etag if etag_repo == repo else None, now=now)
            if answer.status is RepoStatus.rate_limited:
                save_state(db, **{RESUME_KEY: answer.resume_at.isoformat() if answer.resume_at else None})
                stopped = f"; rate limited until {answer.resume_at:%H:%M:%S} UTC" if answer.resume_at else ""
                break
            _store(db, paper_id, repo, answer, now)
            counts[answer.status] += 1
            if answer.resume_at is not None:  # that was the window's last request
                save_state(db, **{RESUME_KEY: answer.resume_at.isoformat()})
                stopped = f"; rate limit reached, resuming after {answer.resume_at:%H:%M:%S} UTC"
                break
        else:
            if resume_text:  # the window that stopped an earlier run is over
                save_state(db, **{RESUME_KEY: None})
    done = sum(counts.values())
    return (
        f"stars of {done} repositories ({counts[RepoStatus.ok]} read, {counts[RepoStatus.unchanged]} unchanged, "
        f"{counts[RepoStatus.gone]} gone){stopped}"
    )
